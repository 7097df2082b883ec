"""The backtest of 达成概率 (`kpi backtest --year Y`, docs/forecast.md).

The replay itself is in the warehouse: fct_kpi_monthly's forecasts of the months of a past
year use only the months up to each month's end (the kpi_forecast macro), and
fct_forecast_backtest sets them against what happened and against the naive baseline, "the
share of past years that met the target". This module reads that table for one year and
reports the Brier scores per KPI and per chain; fct_forecast_skill holds the verdict the
dashboard follows (over every past year), which the report repeats.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chainkpi.errors import UserError
from chainkpi.export.queries import connect


@dataclass(frozen=True)
class Score:
    """Brier scores of the model and the baseline over `forecasts` forecasts."""

    kpi_code: str
    chain_code: str  # a chain, or "*" for every chain of the KPI together
    forecasts: int
    met: int  # of those forecasts, how many were of a year that met its target
    model_brier: float
    baseline_brier: float

    @property
    def is_better(self) -> bool:
        return self.model_brier < self.baseline_brier


@dataclass(frozen=True)
class Verdict:
    kpi_code: str
    verdict: str  # shown | worse_than_baseline | not_backtested
    model_brier: float | None
    baseline_brier: float | None
    first_year: int | None
    last_year: int | None


@dataclass(frozen=True)
class Backtest:
    year: int
    overall: Score  # every KPI and chain of the year
    by_kpi: list[Score]
    by_chain: list[Score]
    verdicts: list[Verdict]


_SCORES = """
select
    {kpi} as kpi_code,
    {chain} as chain_code,
    count(*) as forecasts,
    count(*) filter (where is_met) as met,
    avg(model_squared_error) as model_brier,
    avg(baseline_squared_error) as baseline_brier
from main.fct_forecast_backtest
where year = ?
group by all
order by all
"""


def _scores(con, year: int, kpi: str, chain: str) -> list[Score]:
    rows = con.execute(_SCORES.format(kpi=kpi, chain=chain), [year]).fetchall()
    rows = [row for row in rows if row[2]]  # no forecast at all: no score
    return [
        Score(str(k), str(c), int(n), int(m), float(mb), float(bb)) for k, c, n, m, mb, bb in rows
    ]


def backtest(warehouse: Path, year: int) -> Backtest:
    """The backtest of `year` from the published warehouse; a UserError when it holds none
    (the year is not over, or no year before it is held whole for the baseline)."""
    with connect(warehouse) as con:
        overall = _scores(con, year, "'*'", "'*'")
        if not overall:
            years = [
                int(y)
                for (y,) in con.execute(
                    "select distinct year from main.fct_forecast_backtest order by year"
                ).fetchall()
            ]
            held = "、".join(map(str, years)) or "无"
            raise UserError(
                f"{year} 年没有可回测的预测（可回测年份：{held}）"
                f" (no backtest for {year}: the year must be over, with a whole year before it"
                f" for the baseline; years with a backtest: {years or 'none'})"
            )
        verdicts = [
            Verdict(str(k), str(v), _float(mb), _float(bb), _int(fy), _int(ly))
            for k, v, mb, bb, fy, ly in con.execute(
                "select kpi_code, verdict, model_brier, baseline_brier, first_year, last_year"
                " from main.fct_forecast_skill order by kpi_code"
            ).fetchall()
        ]
        return Backtest(
            year,
            overall[0],
            _scores(con, year, "kpi_code", "'*'"),
            _scores(con, year, "kpi_code", "chain_code"),
            verdicts,
        )


def _float(value) -> float | None:
    return None if value is None else float(value)


def _int(value) -> int | None:
    return None if value is None else int(value)


def _line(score: Score, label: str) -> str:
    mark = "优于基准" if score.is_better else "未优于基准"
    return (
        f"{label:<28} {score.forecasts:>5} {score.met:>5}  "
        f"{score.model_brier:>7.4f}  {score.baseline_brier:>7.4f}  {mark}"
    )


def report(result: Backtest) -> str:
    """The backtest as text: per KPI, per KPI and chain, overall; then the verdicts."""
    head = f"{'KPI / chain':<28} {'n':>5} {'met':>5}  {'model':>7}  {'baseline':>7}"
    lines = [
        f"达成概率回测 {result.year} 年 (backtest of probability_to_meet, {result.year}): "
        "as of the end of each month 1-11, only events dated up to it; "
        "Brier score = mean (p - outcome)^2, lower is better; "
        "baseline = share of past whole years that met the target",
        "",
        head,
    ]
    for score in result.by_kpi:
        lines.append(_line(score, score.kpi_code))
        for chain in (s for s in result.by_chain if s.kpi_code == score.kpi_code):
            lines.append(_line(chain, f"  {chain.chain_code}"))
    lines += ["", _line(result.overall, "全部 (all)"), ""]
    lines.append("看板显示 (what the tiles show, over every past year replayed):")
    for v in result.verdicts:
        years = f"{v.first_year}-{v.last_year}" if v.first_year else "-"
        scores = (
            f"model {v.model_brier:.4f} vs baseline {v.baseline_brier:.4f}"
            if v.model_brier is not None and v.baseline_brier is not None
            else "no backtest"
        )
        lines.append(f"  {v.kpi_code:<26} {v.verdict:<20} {years:<10} {scores}")
    return "\n".join(lines)

"""达成概率 on the demo (issue 22 item 4, bulletin_brief_forecast.md "The odds", docs/forecast.md):
the demo's ledgers as of 25 November 2026 through the real ingest and dbt build; the marts
carry the odds and what it takes, `kpi backtest` scores them against the naive baseline, and
the overview's tiles show the probability only where the backtest beat the baseline.

The probability rules themselves (met is 1, no month left is 0, the Poisson by hand, the
running month's rest) are dbt unit tests: models/intermediate/_forecast__unit_tests.yml.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from chainkpi.settings import PROJECT_ROOT
from dashboards import odds
from tests.conftest import DEMO_AS_OF
from tests.dashboard_fixtures import sign_in

APP = PROJECT_ROOT / "dashboards" / "app.py"
AS_OF = DEMO_AS_OF


@pytest.fixture(scope="module")
def home(demo_home: Path) -> Path:
    """The demo's warehouse as of AS_OF (conftest's, built once per session): read only."""
    return demo_home


def rows(home: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse" / "chainkpi.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_every_chain_and_kpi_with_an_annual_target_has_its_odds_and_what_it_takes(home):
    # The running quarter, as of the as-of date: every chain (ALL too) and KPI with a target
    # per year has a probability (three years of history), the rest has none.
    got = rows(
        home,
        """select p.chain_code, p.kpi_code, p.ytd_actual, p.annual_target, p.target_period,
                  p.forecast_as_of, p.probability_to_meet, p.remaining_to_target,
                  p.months_left, p.needed_per_month, p.leads_needed, p.forecast_model,
                  p.history_months
           from main.fct_kpi_progress as p
           where p.year = 2026 and p.quarter = 4""",
    )
    with_target = [r for r in got if r[3] is not None and r[4] == "year"]
    assert {r[0] for r in with_target} == {"ALL", "NE", "SEMI", "EQUIP", "MAT"}
    assert len(with_target) >= 25
    for (
        chain,
        kpi,
        ytd,
        target,
        _,
        as_of,
        p,
        remaining,
        left,
        per_month,
        leads,
        model,
        months,
    ) in with_target:
        assert as_of == AS_OF and months == 36, (chain, kpi)  # Nov 2023 - Oct 2026
        assert remaining == max(target - ytd, 0)
        assert float(left) == pytest.approx(1 + (30 - 25) / 30, abs=1e-4)
        assert 0 <= p <= 1
        if ytd >= target:
            assert (p, model, per_month) == (1, "met", 0)
        else:
            assert model in ("negative_binomial", "poisson", "normal") and 0 <= p < 1
            assert float(per_month) == pytest.approx(float(remaining) / float(left), abs=0.01)
        assert (leads is not None) == (kpi == "projects_signed"), (chain, kpi)
    # No odds for a target per quarter, nor without a target.
    assert all(r[6] is None and r[11] is None for r in got if r[3] is None or r[4] == "quarter")


def test_the_monthly_mart_has_completion_rate_pace_share_and_the_odds_month_by_month(home):
    got = rows(
        home,
        """select month, ytd_actual, annual_target, completion_rate, pace_share,
                  forecast_as_of, probability_to_meet, forecast_model
           from main.fct_kpi_monthly
           where year = 2025 and chain_code = 'ALL' and kpi_code = 'phd_hires'
           order by month""",
    )
    assert [r[0] for r in got] == list(range(1, 13))
    for month, ytd, target, rate, pace, as_of, p, model in got:
        assert float(rate) == pytest.approx(float(ytd) / float(target), abs=1e-4)
        assert float(pace) == pytest.approx(month / 12, abs=1e-6)
        assert as_of == dt.date(2025 + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
        assert p is not None and model is not None
    # December decides: met is 1, missed is 0.
    december = got[-1]
    assert december[6] == (1 if december[1] >= december[2] else 0)


def test_the_demo_backtest_beats_the_naive_baseline_and_the_verdict_follows_it(home):
    per_year = rows(
        home,
        """select year, count(*), avg(model_squared_error), avg(baseline_squared_error)
           from main.fct_forecast_backtest group by year order by year""",
    )
    # Three whole years of demo history (2023-2025): 2024 and 2025 can be replayed (the
    # baseline needs a whole year before), each with every chain's KPIs, months 1-11.
    assert [r[0] for r in per_year] == [2024, 2025]
    for year, n, model, baseline in per_year:
        assert n >= 200, year
        assert model < baseline, (year, model, baseline)
    # The tiles' verdict is the backtest's, KPI by KPI, over every year replayed.
    by_kpi = rows(
        home,
        """select kpi_code, avg(model_squared_error) < avg(baseline_squared_error)
           from main.fct_forecast_backtest group by kpi_code""",
    )
    skill = dict(rows(home, "select kpi_code, verdict from main.fct_forecast_skill"))
    assert {k: ("shown" if better else "worse_than_baseline") for k, better in by_kpi} == skill
    assert skill["phd_hires"] == "shown"
    # Example targets every year meets by spring (10 new leads a chain) leave nothing to
    # forecast: the baseline is right too, a tie is no better, the number is not shown.
    assert skill["leads_new"] == "worse_than_baseline"


def test_kpi_backtest_reports_brier_scores_per_kpi_and_chain(home, monkeypatch, capsys):
    from chainkpi import cli

    monkeypatch.setenv("CHAINKPI_HOME", str(home))
    assert cli.main(["backtest", "--year", "2025"]) == 0
    out = capsys.readouterr().out
    ((n, model, baseline),) = rows(
        home,
        """select count(*), avg(model_squared_error), avg(baseline_squared_error)
           from main.fct_forecast_backtest where year = 2025""",
    )
    overall = next(line for line in out.splitlines() if line.startswith("全部"))
    parts = overall.split()  # 全部 (all) n met model baseline verdict
    assert parts[2] == str(n) and parts[4:7] == [f"{model:.4f}", f"{baseline:.4f}", "优于基准"]
    assert "phd_hires" in out and "  SEMI" in out and "看板显示" in out
    # A year not over (or without a whole year before it) has no backtest: a usage error.
    assert cli.main(["backtest", "--year", "2026"]) == 2
    assert "2024、2025" in capsys.readouterr().err


def open_overview(home: Path, lang: str = "zh", **query: object) -> AppTest:
    at = sign_in(AppTest.from_file(str(APP), default_timeout=90))
    for key, value in {**query, **({"lang": "en"} if lang == "en" else {})}.items():
        at.query_params[key] = str(value)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_overview_tiles_show_the_probability_where_the_backtest_beat_the_baseline(
    home, monkeypatch, lang
):
    monkeypatch.setenv("CHAINKPI_HOME", str(home))
    # 2026 Q1, as of 31 March: most example targets still open, some KPIs' numbers shown,
    # others (example targets every past year met: the baseline was right) not.
    at = open_overview(home, lang, year=2026, quarter=1, chain="ALL")
    captions = [c.value for c in at.caption]
    got = rows(
        home,
        """select p.kpi_code, p.probability_to_meet, p.remaining_to_target, p.forecast_model,
                  s.verdict
           from main.fct_kpi_progress as p
           join main.dim_kpis as k using (kpi_code)
           left join main.fct_forecast_skill as s using (kpi_code)
           where p.year = 2026 and p.quarter = 1 and p.chain_code = 'ALL'
             and k.area in ('talent', 'investment') and p.forecast_model is not null""",
    )
    assert got
    label = "达成概率" if lang == "zh" else "Chance of meeting the target"
    shown = hidden = 0
    for kpi, p, remaining, model, verdict in got:
        if model == "met":
            assert f"{label} 100%" in captions, kpi
        elif verdict == "shown":
            shown += 1
            assert f"{label} {odds.probability_text(float(p))}" in captions, kpi
        else:
            hidden += 1
        if remaining > 0:
            still = "还需完成" if lang == "zh" else "Still to go"
            assert any(c.startswith(still) for c in captions)
    assert shown >= 1, "the demo shows the model's probability on some tile"
    assert hidden >= 1, "and says on some that it is not shown"
    not_shown = [c for c in captions if c.startswith(label) and ("不显示" in c or "not shown" in c)]
    assert len(not_shown) == hidden
    # Never a raw 0 % or 100 % from the model: those are the met / no time left facts.
    model_rows = [p for _, p, _, m, v in got if v == "shown" and m not in ("met", "no_time_left")]
    assert all(0 < p < 1 for p in model_rows)

"""达成概率 and 还需完成 on a KPI tile (bulletin_brief_forecast.md, "The odds"; docs/forecast.md).

A tile of a year still running shows the model's probability that the year ends at or above
its target, as of the quarter's end (the as-of date in the running quarter), and what it
takes: 还需完成 N（每月需 X）, for signed projects also the new leads that takes. The number
is shown only for a KPI whose backtest beat the naive baseline (fct_forecast_skill); else the
tile says why it is not shown. A target met reads 100 %, a year with no time left 0 %: those
are facts, not the model's.
"""

from __future__ import annotations

from dashboards import charts
from dashboards.charts import is_missing


def probability_text(p: float) -> str:
    """72% · a probability that is not certain never reads 0 % or 100 %."""
    if p >= 0.995:
        return ">99%"
    if p < 0.005:
        return "<1%"
    return charts.format_pct(p)


def lines(rec, lang: str) -> list[str]:
    """The tile's odds lines (empty for a year that is over or a KPI without a target per
    year). `rec` is a row of queries.kpi_progress."""
    model = getattr(rec, "forecast_model", None)
    if is_missing(model) or bool(getattr(rec, "is_year_over", False)):
        return []
    zh = lang == "zh"
    label = "达成概率" if zh else "Chance of meeting the target"
    if model == "met":
        first = f"{label} 100%"
    elif model == "no_time_left":
        first = f"{label} 0%"
    elif rec.forecast_verdict == "worse_than_baseline":
        first = (
            f"{label}：模型未优于基准（往年达成比例），不显示"
            if zh
            else f"{label}: not shown, the model did no better than the share of past years met"
        )
    elif rec.forecast_verdict != "shown":
        first = (
            f"{label}：尚无往年可回测，不显示"
            if zh
            else f"{label}: not shown, no past year to check the model against"
        )
    elif is_missing(rec.probability_to_meet):
        first = (
            f"{label}：历史不足 12 个月，不显示"
            if zh
            else f"{label}: not shown, less than 12 months of history"
        )
    else:
        first = f"{label} {probability_text(float(rec.probability_to_meet))}"
    out = [first]
    remaining = rec.remaining_to_target
    if not is_missing(remaining) and float(remaining) > 0:
        count = bool(rec.is_count)
        total = charts.format_value(remaining, rec.unit, count, lang, kpi_code=rec.kpi_code)
        if is_missing(rec.needed_per_month):
            out.append(f"还需完成 {total}" if zh else f"Still to go: {total}")
        else:
            # A rate per month, not a count: one decimal where it has one (1.5 个).
            per_month = charts.format_value(
                rec.needed_per_month, rec.unit, False, lang, kpi_code=rec.kpi_code
            )
            out.append(
                f"还需完成 {total}（每月需 {per_month}）"
                if zh
                else f"Still to go: {total} ({per_month} a month)"
            )
        leads = getattr(rec, "leads_needed", None)
        if not is_missing(leads) and int(leads) > 0:
            out.append(
                f"按往年转化率需新增线索 {int(leads)} 条"
                if zh
                else f"At past conversion: {int(leads)} new leads"
            )
    return out

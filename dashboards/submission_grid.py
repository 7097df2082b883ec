"""报送情况 (who is late, handing_in.md) on the data-quality page: a chain × dataset grid for
the chosen month — monthly ledgers for that month, quarterly ones for its quarter — each cell
coloured (green on time, amber late, red missing, grey not yet due) and saying its status in
words too. A chain office sees its own row only (queries.fetch scopes by chain_code)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import queries, ui
from dashboards.i18n import dataset_label

TEXT = {
    "zh": {
        "title": "报送情况",
        "caption": "各链办按报送计划（seeds/reporting_schedule.csv）应报的台账：月报看所选月份，季报看其所在季度。",
        "month": "月份",
        "chain": "产业链",
        "none": "尚无报送计划内的台账期次。",
        "on_time": "按时",
        "late": "逾期 {days} 天",
        "missing": "缺报",
        "not_due": "未到期",
        "legend": "绿色按时 · 黄色逾期 · 红色缺报 · 灰色未到截止日",
    },
    "en": {
        "title": "Who has reported",
        "caption": "The ledgers each chain office owes under the reporting schedule "
        "(seeds/reporting_schedule.csv): monthly ones for the chosen month, quarterly ones for "
        "its quarter.",
        "month": "Month",
        "chain": "Chain",
        "none": "No scheduled reporting period yet.",
        "on_time": "On time",
        "late": "Late by {days} d",
        "missing": "Missing",
        "not_due": "Not yet due",
        "legend": "green on time · amber late · red missing · grey not yet due",
    },
}
COLOURS = {
    "on_time": "background-color: #d8f0dc; color: #14532d",
    "late": "background-color: #fdecc8; color: #7c4a03",
    "missing": "background-color: #f9d4d4; color: #7f1d1d",
    "not_due": "background-color: #ececec; color: #404040",
}


def _t(key: str, **values: object) -> str:
    return TEXT[ui.lang()][key].format(**values)


def cell_text(status: str, days_late: object) -> str:
    if status == "late":
        return _t("late", days=int(days_late) if pd.notna(days_late) else "?")
    return _t(status)


def grid(
    frame: pd.DataFrame, month: str, chains: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(texts, statuses): one row per chain, one column per dataset, for `month` (2026-10):
    monthly rows of that month, quarterly rows of its quarter."""
    year, number = (int(part) for part in month.split("-"))
    quarter = f"{year}Q{(number - 1) // 3 + 1}"
    rows = frame[
        ((frame.frequency == "monthly") & (frame.period == month))
        | ((frame.frequency == "quarterly") & (frame.period == quarter))
    ]
    labels = ui.chain_labels(chains)
    rows = rows.assign(
        chain=[labels.get(code, code) for code in rows.chain_code],
        dataset_name=[dataset_label(code, ui.lang()) for code in rows.dataset],
        text=[cell_text(s, d) for s, d in zip(rows.submission_status, rows.days_late, strict=True)],
    ).sort_values(["chain_sort_order", "dataset"])
    order = list(dict.fromkeys(rows.chain))
    texts = rows.pivot(index="chain", columns="dataset_name", values="text").reindex(order)
    statuses = rows.pivot(index="chain", columns="dataset_name", values="submission_status")
    texts.index.name = _t("chain")
    return texts, statuses.reindex(order)


def render() -> None:
    st.subheader(_t("title"))
    frame = queries.submission_status()
    if frame.empty:
        ui.empty(_t("none"))
        return
    months = sorted(
        {str(p) for p in frame.loc[frame.frequency == "monthly", "period"]}
        | {str(d)[:7] for d in frame.period_start_date}
    )
    # The newest month whose ledgers were due by now: the most telling one.
    due = frame[frame.submission_status != "not_due"]
    default = max((str(d)[:7] for d in due.period_start_date), default=months[-1])
    month = st.selectbox(
        _t("month"), months[::-1], index=months[::-1].index(default), key="submission_month"
    )
    texts, statuses = grid(frame, month, queries.chains())
    if texts.empty:
        ui.empty(_t("none"))
        return
    styled = texts.style.apply(
        lambda column: [COLOURS.get(s, "") for s in statuses[column.name]], axis=0
    )
    st.caption(_t("caption"))
    ui.table(styled)
    st.caption(_t("legend"))

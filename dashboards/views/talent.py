"""人才 Talent: hires by degree, level, channel and chain over time; the scarce-talent
catalogue against hires. Counts only: the marts hold no personal data, and neither does this
page."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import charts, queries, ui
from dashboards.ui import tr

DIMENSIONS = {
    "degree": ("degree_label_zh", "degree", "degree_order"),
    "level": ("talent_level_label_zh", "talent_level", "level_order"),
    "channel": ("hire_channel_label_zh", "hire_channel", "channel_order"),
    "chain": ("chain_name_zh", "chain_name_en", "chain_order"),
}


def _col(zh: str, en: str) -> str:
    return zh if ui.lang() == "zh" else en


def hires_by(hires: pd.DataFrame, dimension: str, lang: str, chain_code: str) -> pd.DataFrame:
    """period, group, count for the stacked bars (chain: the four chains, else one chain)."""
    zh, en, order = DIMENSIONS[dimension]
    rows = (
        hires[hires.chain_code != "ALL"]
        if dimension == "chain"
        else hires[hires.chain_code == chain_code]
    )
    if rows.empty:
        return pd.DataFrame(columns=["period", "group", "count"])
    grouped = (
        rows.assign(group=rows[zh] if lang == "zh" else rows[en])
        .groupby(["quarter", order, "group"], as_index=False)["hire_count"]
        .sum()
        .sort_values([order, "quarter"])
    )
    grouped["period"] = [f"Q{q}" for q in grouped.quarter]
    return grouped.rename(columns={"hire_count": "count"})[["period", "group", "count"]]


def render() -> None:
    years = queries.hire_years()
    lang = ui.lang()
    chains = queries.chains()
    c1, c2, c3, _ = st.columns([1, 1, 1, 1])
    year = int(
        ui.pick(
            tr("year"),
            years or [pd.Timestamp.today().year],
            "year",
            (years or [0])[-1],
            container=c1,
        )
    )
    chain_code = ui.chain_picker(chains, container=c2)
    dimension = ui.pick(
        tr("hires_by"), list(DIMENSIONS), "by", "degree", lambda d: tr(f"dim_{d}"), container=c3
    )
    st.title(tr("talent_title", year=year))
    st.caption(tr("privacy_note"))

    hires = queries.hires(year) if years else pd.DataFrame()
    mine = hires[hires.chain_code == chain_code] if not hires.empty else hires
    if mine.empty:
        ui.empty(tr("no_hires", year=year))
    else:
        m1, m2, m3 = st.columns(3)
        m1.metric(
            tr("hires_total"),
            f"{int(mine.hire_count.sum())} 人" if lang == "zh" else int(mine.hire_count.sum()),
        )
        m2.metric(tr("phd_total"), int(mine.phd_or_above_count.sum()))
        m3.metric(tr("returnee_total"), int(mine.returnee_count.sum()))
        series = hires_by(hires, dimension, lang, chain_code)
        st.plotly_chart(
            charts.make_hires_over_time(
                series, title=tr("hires_title", dim=tr(f"dim_{dimension}")), lang=lang
            ),
            width="stretch",
            key="hires",
        )

    st.subheader(tr("catalogue_fill_title"))
    catalogue = queries.catalogue_fill()
    if chain_code != "ALL":
        catalogue = catalogue[catalogue.chain_code == chain_code]
    if catalogue.empty:
        ui.empty(tr("no_catalogue"))
        return
    per_chain = (
        catalogue.groupby(["chain_order", "chain_name_zh", "chain_name_en"], as_index=False)
        .agg(headcount=("headcount", "sum"), hires=("hire_count", "sum"))
        .sort_values("chain_order")
    )
    per_chain["label"] = per_chain.chain_name_zh if lang == "zh" else per_chain.chain_name_en
    st.plotly_chart(
        charts.make_catalogue_fill(per_chain, title=tr("catalogue_fill_title"), lang=lang),
        width="stretch",
        key="catalogue_fill",
    )
    st.subheader(tr("open_positions"))
    open_rows = catalogue[catalogue.open_headcount.fillna(0) > 0]
    if open_rows.empty:
        st.success(tr("open_positions_none"), icon=":material/check_circle:")
        return
    ui.table(
        pd.DataFrame(
            {
                _col("岗位编号", "Position"): open_rows.position_id,
                _col("产业链", "Chain"): open_rows.chain_name_zh
                if lang == "zh"
                else open_rows.chain_code,
                _col("用人单位", "Employer"): open_rows.employer,
                _col("岗位", "Title"): open_rows.position_title,
                _col("专业方向", "Discipline"): open_rows.discipline,
                _col("学历要求", "Min degree"): open_rows.min_degree_label_zh
                if lang == "zh"
                else open_rows.min_degree,
                _col("需求人数", "Needed"): open_rows.headcount,
                _col("已引进", "Hired"): open_rows.hire_count,
                _col("缺口人数", "Still open"): open_rows.open_headcount,
                _col("发布日期", "Published"): open_rows.published_date.dt.date,
            }
        )
    )


render()

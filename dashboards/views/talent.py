"""人才 Talent: hires by degree, level, channel and chain over time; the scarce-talent
catalogue against hires. Counts only: the marts hold no personal data, and neither does this
page."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import charts, queries, ui
from dashboards.i18n import code_label
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
    """period, group, count for the stacked bars (chain: the four chains, else one chain);
    groups in their code list's order and language (博士 / PhD, never the code), quarters in
    theirs."""
    zh, en, order = DIMENSIONS[dimension]
    rows = (
        hires[hires.chain_code != "ALL"]
        if dimension == "chain"
        else hires[hires.chain_code == chain_code]
    )
    if rows.empty:
        return pd.DataFrame(columns=["period", "group", "count"])
    if dimension == "chain":
        group = rows[zh] if lang == "zh" else rows[en]
    else:
        group = [code_label(c, z, lang) for c, z in zip(rows[en], rows[zh], strict=True)]
    grouped = (
        rows.assign(group=group)
        .groupby(["quarter", order, "group"], as_index=False)["hire_count"]
        .sum()
        .sort_values([order, "quarter"])
    )
    grouped["period"] = [ui.tr("quarter_label", q=int(q)) for q in grouped.quarter]
    return grouped.rename(columns={"hire_count": "count"})[["period", "group", "count"]]


def render() -> None:
    years = queries.hire_years()
    lang = ui.lang()
    chains = queries.chains()
    heading = st.empty()  # the title above the folded filters, filled once they are read
    c1, c2, c3, c4 = ui.filters().columns([1, 1, 1, 1])
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
    # Through a quarter (an overview tile's link brings its quarter): the same year-to-date
    # figures as the overview's talent KPIs; none chosen, the whole year so far.
    through = ui.pick(
        tr("through"),
        ["", "1", "2", "3", "4"],
        "quarter",
        "",
        lambda q: tr("through_year") if not q else tr("through_quarter", q=q),
        container=c4,
    )
    title = tr("talent_title", year=year)
    heading.title(title + (f" · {tr('through_quarter', q=through)}" if through else ""))
    st.caption(tr("privacy_note"))

    hires = queries.hires(year) if years else pd.DataFrame()
    if through and not hires.empty:
        hires = hires[hires.quarter <= int(through)]
    mine = hires[hires.chain_code == chain_code] if not hires.empty else hires
    if mine.empty:
        ui.empty(tr("no_hires", year=year))
    else:
        figures = (
            ("hires_total", mine.hire_count),
            ("phd_total", mine.phd_or_above_count),
            ("returnee_total", mine.returnee_count),
            ("catalogue_hires_total", mine.catalogue_hire_count),
        )
        for column, (label, counts) in zip(st.columns(len(figures)), figures, strict=True):
            total = counts.fillna(0).sum()
            column.metric(tr(label), charts.format_value(total, "人", True, lang))
        series = hires_by(hires, dimension, lang, chain_code)
        ui.chart(
            ui.figure(
                charts.make_hires_over_time,
                series,
                title=tr("hires_title", dim=tr(f"dim_{dimension}").lower()),
                lang=lang,
            ),
            "hires",
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
    # The section's heading names it once; the chart's own title says what is drawn.
    ui.chart(
        ui.figure(
            charts.make_catalogue_fill, per_chain, title=tr("catalogue_fill_chart"), lang=lang
        ),
        "catalogue_fill",
    )
    st.subheader(tr("open_positions"))
    open_rows = catalogue[catalogue.open_headcount.fillna(0) > 0]
    if open_rows.empty:
        st.success(tr("open_positions_none"), icon=":material/check_circle:")
        return
    # What a head acts on first (the position, who needs it, how many are still open), the
    # position's ID last.
    ui.table(
        pd.DataFrame(
            {
                _col("岗位", "Title"): open_rows.position_title,
                _col("用人单位", "Employer"): open_rows.employer,
                _col("缺口人数", "Still open"): open_rows.open_headcount,
                _col("需求人数", "Needed"): open_rows.headcount,
                _col("已引进", "Hired"): open_rows.hire_count,
                _col("学历要求", "Min degree"): [
                    code_label(c, z, lang)
                    for c, z in zip(
                        open_rows.min_degree, open_rows.min_degree_label_zh, strict=True
                    )
                ],
                _col("专业方向", "Discipline"): open_rows.discipline,
                _col("产业链", "Chain"): open_rows.chain_name_zh
                if lang == "zh"
                else open_rows.chain_name_en,
                _col("发布日期", "Published"): open_rows.published_date.dt.date,
                _col("岗位编号", "Position ID"): open_rows.position_id,
            }
        )
    )


render()

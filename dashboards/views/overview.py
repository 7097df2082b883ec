"""总览 Overview: where each KPI stands against its target this year, at a glance."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, queries, ui
from dashboards.ui import tr

HEADLINES = ("phd_hires", "leader_talent_projects")


def _kpi_name(rec) -> str:
    return rec.kpi_name_en if ui.lang() == "en" else rec.kpi_name_zh


def _tile(rec, container) -> None:
    with container.container(border=True):
        st.metric(
            _kpi_name(rec),
            charts.format_value(rec.ytd_actual, rec.unit, bool(rec.is_count)),
            help=rec.description_zh,
        )
        if rec.status == "no_target":
            st.caption(tr("tile_caption_no_target"))
        else:
            caption = tr(
                "tile_caption",
                target=charts.format_value(rec.annual_target, rec.unit, bool(rec.is_count)),
                pct=charts.format_pct(rec.pct_of_target),
            )
            if rec.is_example_target:
                caption += f" · {tr('example_target')}"
            st.caption(caption)
        ui.status_badge(rec.status)


def _headline(rec, year: int, quarter: int, chain_code: str, container) -> None:
    name = _kpi_name(rec)
    with container.container(border=True):
        target = rec.annual_target
        value = charts.format_number(rec.ytd_actual, True)
        shown = (
            f"{value} / {charts.format_number(target, True)} {rec.unit}"
            if rec.status != "no_target"
            else f"{value} {rec.unit}"
        )
        st.metric(name + f"（{year}）" if ui.lang() == "zh" else f"{name} ({year})", shown)
        ui.status_badge(rec.status)
        st.caption(
            tr(
                "projected",
                value=charts.format_number(rec.projected_year_end, False),
                unit=rec.unit,
            )
        )
        monthly = queries.kpi_monthly(year, chain_code, rec.kpi_code)
        fig = charts.make_pace_chart(
            monthly,
            annual_target=None if rec.status == "no_target" else target,
            through_month=quarter * 3,
            title=tr("pace_title", kpi=name, year=year),
            unit=rec.unit,
            lang=ui.lang(),
        )
        st.plotly_chart(fig, width="stretch", key=f"pace_{rec.kpi_code}")


def render() -> None:
    periods = queries.kpi_periods()
    if periods.empty:
        st.title(tr("page_overview"))
        ui.empty(tr("no_kpi_at_all"))
        return
    chains = queries.chains()
    title = st.empty()  # above the pickers, filled once they are read
    controls = st.columns([1, 1, 2])
    year, quarter = ui.period_picker(periods, container=controls[0].container())
    chain_code = ui.chain_picker(chains, container=controls[1])
    period = tr("period", year=year, q=quarter)
    title.title(tr("overview_title", period=period))

    progress = queries.kpi_progress(year, quarter)
    if progress.empty:
        first, last = periods.iloc[0], periods.iloc[-1]
        ui.empty(
            tr(
                "no_kpi_data",
                period=period,
                first=tr("period", year=int(first.year), q=int(first.quarter)),
                last=tr("period", year=int(last.year), q=int(last.quarter)),
            )
        )
        return
    mine = progress[progress.chain_code == chain_code]

    # One line that says it all: how many KPIs in each status.
    counts = mine.status.value_counts()
    parts = [
        f"{charts.status_text(s, ui.lang())} {int(counts.get(s, 0))}"
        for s in ("met", "on_track", "at_risk", "off_track", "no_target")
    ]
    st.markdown(
        f"**{ui.plain(ui.chain_name(chain_code, chains))}** · "
        + tr("status_summary", n=len(mine))
        + " · ".join(parts)
    )

    heads = st.columns(2)
    for i, code in enumerate(HEADLINES):
        rows = mine[mine.kpi_code == code]
        if not rows.empty:
            _headline(rows.iloc[0], year, quarter, chain_code, heads[i])

    # Chain × KPI status for the quarter.
    heat = progress.copy()
    heat["chain_label"] = [ui.chain_name(c, chains) for c in heat.chain_code]
    heat["kpi_label"] = heat.kpi_name_en if ui.lang() == "en" else heat.kpi_name_zh
    heat = heat.sort_values(["kpi_sort_order", "chain_sort_order"])
    fig = charts.make_status_heatmap(
        heat,
        row="kpi_label",
        col="chain_label",
        title=tr("heatmap_title", period=period),
        lang=ui.lang(),
    )
    st.plotly_chart(fig, width="stretch", key="status_heatmap")

    for area in ("talent", "investment"):
        part = mine[mine.area == area].sort_values("kpi_sort_order")
        if part.empty:
            continue
        st.subheader(tr(f"area_{area}"))
        per_row = 4
        recs = list(part.itertuples(index=False))
        for start in range(0, len(recs), per_row):
            cols = st.columns(per_row)
            for rec, col in zip(recs[start : start + per_row], cols, strict=False):
                _tile(rec, col)


render()

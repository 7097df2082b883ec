"""总览 Overview: where each KPI stands against its target this year, at a glance."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, odds, queries, ui
from dashboards.i18n import kpi_help, kpi_name
from dashboards.ui import tr

HEADLINES = ("phd_hires", "leader_talent_projects")

# Where each tile's figure is shown again, equal (dashboard.md, "One figure, one meaning"):
# the page, and which of the tile's year, quarter and chain its URL takes.
TILE_PAGES = {
    "phd_hires": "talent",
    "talent_hires": "talent",
    "returnee_hires": "talent",
    "catalogue_hires": "talent",
    "leads_new": "leads",
    "leads_converted": "leads",
    "projects_signed": "projects",
    "signed_investment_wan": "projects",
    "major_projects_signed": "projects",
    "projects_started": "projects",
    "projects_producing": "projects",
}
# The projects page's dated filter for each project KPI: ?dated=signed&year=…&quarter=….
PROJECT_EVENTS = {
    "projects_signed": "signed",
    "signed_investment_wan": "signed",
    "major_projects_signed": "signed",
    "projects_started": "started",
    "projects_producing": "producing",
}


def tile_link(kpi_code: str, year: int, quarter: int, chain_code: str) -> tuple[str, dict]:
    """The page (views/….py) and query parameters that show a tile's figure again, equal: the
    talent and leads pages through the quarter, the projects page dated by the KPI's event,
    else the chain page's KPI table (every KPI, quarter by quarter)."""
    page = TILE_PAGES.get(kpi_code, "chain")
    params: dict[str, str] = {"year": str(year)}
    if page in ("talent", "leads"):
        params.update(chain=chain_code, quarter=str(quarter))
    elif page == "projects":
        params.update(dated=PROJECT_EVENTS[kpi_code], quarter=str(quarter))
        if chain_code != "ALL":
            params["chains"] = chain_code
        if kpi_code == "major_projects_signed":
            params["major"] = "1"
    else:
        params["chain"] = chain_code
    return f"views/{page}.py", params


def _kpi_name(rec) -> str:
    return kpi_name(rec.kpi_code, rec.kpi_name_zh, rec.kpi_name_en, ui.lang())


def _value(rec, value) -> str:
    return charts.format_value(
        value, rec.unit, bool(rec.is_count), ui.lang(), kpi_code=rec.kpi_code
    )


def _tile(rec, container, year: int, quarter: int, chain_code: str) -> None:
    with container.container(border=True):
        st.metric(
            _kpi_name(rec),
            _value(rec, rec.ytd_actual),
            help=kpi_help(rec.kpi_code, rec.description_zh, ui.lang()),
        )
        if rec.status == "no_target":
            st.caption(tr("tile_caption_no_target"))
        else:
            caption = tr(
                "tile_caption",
                target=_value(rec, rec.annual_target),
                pct=charts.format_pct(rec.pct_of_target),
            )
            if rec.is_example_target:
                caption += f" · {tr('example_target')}"
            st.caption(caption)
            for line in odds.lines(rec, ui.lang()):  # 达成概率 and 还需完成 (docs/forecast.md)
                st.caption(line)
        ui.status_badge(rec.status)
        page, params = tile_link(rec.kpi_code, year, quarter, chain_code)
        st.page_link(
            page,
            label=tr("tile_link", page=tr(f"page_{page.split('/')[-1][:-3]}")),
            icon=":material/arrow_forward:",
            query_params=params,
        )


def _headline(rec, year: int, quarter: int, chain_code: str, container) -> None:
    name = _kpi_name(rec)
    with container.container(border=True):
        target = rec.annual_target
        value = charts.format_number(rec.ytd_actual, bool(rec.is_count))
        shown = (
            f"{value} / {_value(rec, target)}"
            if rec.status != "no_target"
            else _value(rec, rec.ytd_actual)
        )
        st.metric(name + f"（{year}）" if ui.lang() == "zh" else f"{name} ({year})", shown)
        ui.status_badge(rec.status)
        st.caption(
            tr(
                "projected",
                value=charts.format_number(rec.projected_year_end, bool(rec.is_count)),
                unit=ui.unit(rec.unit, rec.projected_year_end, rec.kpi_code),
            )
        )
        monthly = queries.kpi_monthly(year, chain_code, rec.kpi_code)
        fig = ui.figure(
            charts.make_pace_chart,
            monthly,
            annual_target=None if rec.status == "no_target" else target,
            through_month=quarter * 3,
            title=tr("pace_title", kpi=name, year=year),
            unit=rec.unit,
            lang=ui.lang(),
            is_count=bool(rec.is_count),
            kpi_code=rec.kpi_code,
        )
        ui.chart(fig, f"pace_{rec.kpi_code}")


def render() -> None:
    periods = queries.kpi_periods()
    if periods.empty:
        st.title(tr("page_overview"))
        ui.empty(tr("no_kpi_at_all"))
        return
    chains = queries.chains()
    title = st.empty()  # above the pickers, filled once they are read
    controls = ui.filters().columns([1, 1, 2])  # folded away: the figures come first
    year, quarter = ui.period_picker(periods, container=controls[0].container())
    chain_code = ui.chain_picker(chains, container=controls[1])
    period = tr("period", year=year, q=quarter)
    title.title(tr("overview_title", period=period))
    note = ui.period_note(periods, year, quarter)
    if note:
        st.caption(note)

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

    # Chain × KPI status for the quarter: the chart on a wide screen, on a phone a list of
    # status chips per chain, off track and at risk first.
    heat = progress.copy()
    heat["chain_label"] = ui.chain_names(heat.chain_code, chains)
    heat["kpi_label"] = [
        kpi_name(k, z, e, ui.lang())
        for k, z, e in zip(heat.kpi_code, heat.kpi_name_zh, heat.kpi_name_en, strict=True)
    ]
    heat = heat.sort_values(["kpi_sort_order", "chain_sort_order"])
    fig = ui.figure(
        charts.make_status_heatmap,
        heat,
        row="kpi_label",
        col="chain_label",
        title=tr("heatmap_title", period=period),
        lang=ui.lang(),
    )
    ui.responsive_css()
    ui.chart(fig, "status_heatmap", container=ui.wide_only("status"))
    ui.narrow_only("status").html(
        ui.figure(
            charts.status_chips_html,
            heat.sort_values(["chain_sort_order", "kpi_sort_order"]),
            group="chain_label",
            label="kpi_label",
            lang=ui.lang(),
            title=tr("status_list_title", period=period),
        )
    )

    for area in ("talent", "investment"):
        part = mine[mine.area == area].sort_values("kpi_sort_order")
        if part.empty:
            continue
        st.subheader(tr(f"area_{area}"))
        if area == "investment":  # 到位率 beside the signed investment tiles
            ui.funds_rate(queries.funds_in_place(), chain_code)
        per_row = 4
        recs = list(part.itertuples(index=False))
        for start in range(0, len(recs), per_row):
            cols = st.columns(per_row)
            for rec, col in zip(recs[start : start + per_row], cols, strict=False):
                _tile(rec, col, year, quarter, chain_code)


render()

"""产业链 Chain: one chain's KPIs quarter by quarter, its gaps, its pipeline, what is stuck."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import charts, odds, queries, ui
from dashboards.i18n import code_label, kpi_name
from dashboards.ui import tr


def _kpi_section(chain_code: str, chain_label: str, year: int, *, summary: bool = True) -> None:
    st.subheader(tr("chain_kpi_by_quarter"))
    rows = queries.kpi_progress_year(year, chain_code)
    if rows.empty:
        ui.empty(tr("no_kpi_at_all"))
        return
    latest = rows[rows.quarter == rows.quarter.max()]
    counts = latest.status.value_counts()
    parts = [
        f"{charts.status_text(s, ui.lang())} {int(counts.get(s, 0))}"
        for s in ("met", "on_track", "at_risk", "off_track", "no_target")
    ]
    if summary:  # 全区 has its counts in the side-by-side column already
        st.markdown(
            f"**{tr('period', year=year, q=int(latest.quarter.iloc[0]))}** · "
            + tr("status_summary", n=len(latest))
            + " · ".join(parts)
        )
    heat = rows.copy()
    heat["kpi_label"] = [
        kpi_name(k, z, e, ui.lang())
        for k, z, e in zip(heat.kpi_code, heat.kpi_name_zh, heat.kpi_name_en, strict=True)
    ]
    heat["quarter_label"] = [tr("quarter_label", q=int(q)) for q in heat.quarter]
    # KPIs with a target first: those are the ones a head is measured on.
    heat["has_target"] = heat.groupby("kpi_code").status.transform(
        lambda s: (s != "no_target").any()
    )
    heat = heat.sort_values(
        ["has_target", "kpi_sort_order", "quarter"], ascending=[False, True, True]
    )
    fig = ui.figure(
        charts.make_status_heatmap,
        heat,
        row="kpi_label",
        col="quarter_label",
        title=tr("chain_kpi_heatmap_title", chain=chain_label, year=year),
        lang=ui.lang(),
    )
    # The chart on a wide screen; on a phone the same statuses as chips, latest quarter first.
    ui.responsive_css()
    ui.chart(fig, "chain_kpi_heatmap", container=ui.wide_only("chain_status"))
    ui.narrow_only("chain_status").html(
        ui.figure(
            charts.status_chips_html,
            heat.sort_values(["quarter", "kpi_sort_order"], ascending=[False, True]),
            group="quarter_label",
            label="kpi_label",
            lang=ui.lang(),
        )
    )

    def value(v, rec) -> str:
        return charts.format_value(
            v, rec.unit, bool(rec.is_count), ui.lang(), kpi_code=rec.kpi_code
        )

    recs = list(heat.itertuples(index=False))
    with st.expander(tr("chain_kpi_table")):
        table = pd.DataFrame(
            {
                tr("axis_kpi"): heat.kpi_label,
                tr("quarter"): heat.quarter_label,
                tr("ytd"): [value(r.ytd_actual, r) for r in recs],
                tr("target"): [value(r.annual_target, r) for r in recs],
                tr("hover_expected"): [value(r.expected_to_date, r) for r in recs],
                tr("pct_of_target"): [charts.format_pct(v) for v in heat.pct_of_target],
                tr("hover_status"): [charts.status_text(s, ui.lang()) for s in heat.status],
            }
        )
        ui.table(table)


def _gap_section(chain_code: str, chain_label: str) -> None:
    st.subheader(tr("gaps"))
    gaps = queries.gaps(chain_code)
    if gaps.empty:
        ui.empty(tr("no_gaps", chain=chain_label))
        return
    uncovered = int(gaps.is_uncovered.fillna(False).sum())
    if uncovered:
        st.warning(tr("gaps_uncovered", n=uncovered), icon=":material/warning:")
    else:
        st.success(tr("gaps_all_covered"), icon=":material/check_circle:")
    fig = ui.figure(
        charts.make_gap_matrix,
        gaps,
        title=tr("gap_matrix_title", chain=chain_label),
        lang=ui.lang(),
    )
    ui.chart(fig, "gap_matrix")
    only = ui.pick_flag(tr("only_uncovered"), "uncovered")
    shown = gaps[gaps.is_uncovered.fillna(False)] if only else gaps
    lang = ui.lang()
    # The missing link and where it stands first, the gap's ID last.
    ui.table(
        pd.DataFrame(
            {
                "缺失环节" if lang == "zh" else "Missing link": shown.link_name,
                tr("gap_status"): [
                    code_label(s, z, lang)
                    for s, z in zip(shown.status, shown.status_label_zh, strict=True)
                ],
                tr("gap_coverage"): [
                    tr("uncovered_flag") if u else tr("covered_flag")
                    for u in shown.is_uncovered.fillna(False)
                ],
                tr("segment"): [
                    code_label(s, z, lang)
                    for s, z in zip(shown.segment, shown.segment_label_zh, strict=True)
                ],
                "优先级" if lang == "zh" else "Priority": [
                    code_label(c, z, lang)
                    for c, z in zip(shown.priority, shown.priority_label_zh, strict=True)
                ],
                "识别日期" if lang == "zh" else "Identified": shown.identified_date.dt.date,
                "项目" if lang == "zh" else "Projects": shown.project_ids,
                "线索" if lang == "zh" else "Leads": shown.lead_ids,
                "缺口编号" if lang == "zh" else "Gap ID": shown.gap_id,
            }
        )
    )


def stage_counts(projects: pd.DataFrame, stages: pd.DataFrame) -> pd.DataFrame:
    """Projects and planned investment per stage, every stage listed in pipeline order."""
    grouped = projects.groupby("stage").agg(
        count=("project_id", "size"), investment_wan=("planned_investment_wan", "sum")
    )
    out = stages.set_index("code").join(grouped).reset_index()
    out["count"] = out["count"].fillna(0).astype(int)
    out["investment_wan"] = out["investment_wan"].fillna(0.0)
    out["label"] = [
        code_label(c, z, ui.lang()) for c, z in zip(out.code, out.label_zh, strict=True)
    ]
    return out


def _pipeline_section(chain_code: str, chain_label: str) -> None:
    st.subheader(tr("pipeline"))
    projects = queries.projects(chain_code)
    if projects.empty:
        ui.empty(tr("no_projects"))
        return
    stages = stage_counts(projects, queries.code_list("project_stages"))
    fig = ui.figure(
        charts.make_stage_bar, stages, title=tr("pipeline_title", chain=chain_label), lang=ui.lang()
    )
    ui.chart(fig, "stage_bar")
    st.caption(tr("stage_note"))
    ui.funds_rate(queries.funds_in_place(), chain_code)

    st.subheader(tr("stuck"))
    stuck = projects[projects.is_stuck_over_60_days.fillna(False)].sort_values(
        "days_in_stage", ascending=False
    )
    if stuck.empty:
        st.success(tr("stuck_none"), icon=":material/check_circle:")
        return
    lang = ui.lang()
    flags = [
        tr("stuck_90") if over90 else tr("stuck_60")
        for over90 in stuck.is_stuck_over_90_days.fillna(False)
    ]
    # Name, how long, stage and amount first; the project's ID last.
    frame = pd.DataFrame(
        {
            "项目名称" if lang == "zh" else "Name": stuck.project_name.to_numpy(),
            "滞留" if lang == "zh" else "Stuck": flags,
            "滞留天数" if lang == "zh" else "Days in stage": ui.stage_days(stuck),
            tr("stage"): [
                code_label(c, z, lang)
                for c, z in zip(stuck.stage, stuck.stage_label_zh, strict=True)
            ],
            "计划总投资（万元）"
            if lang == "zh"
            else "Planned (CNY 10k)": stuck.planned_investment_wan.to_numpy(),
            "进入阶段日期"
            if lang == "zh"
            else "In stage since": stuck.stage_entered_date.dt.date.to_numpy(),
            "项目编号" if lang == "zh" else "Project ID": stuck.project_id.to_numpy(),
        }
    )
    colour = {tr("stuck_90"): charts.STUCK_COLORS["stuck_90"], tr("stuck_60"): charts.STUCK_COLORS["stuck_60"]}  # fmt: skip
    first = frame.columns[1]
    styled = frame.style.apply(
        lambda col: [
            f"background-color: {colour[v]}; color: {'white' if v == tr('stuck_90') else 'black'}"
            for v in col
        ],
        subset=[first],
    )
    ui.table(styled)


KEY_KPIS = ("phd_hires", "leader_talent_projects", "projects_signed")


def _side_by_side(chains: pd.DataFrame, periods: pd.DataFrame, year: int) -> None:
    """全区: the district total and every chain the user may see, side by side, with their key
    figures for the year's latest quarter (a chain office: the district total and its own)."""
    quarters = sorted(int(q) for q in periods.loc[periods.year == year, "quarter"])
    if not quarters:
        ui.empty(tr("no_kpi_at_all"))
        return
    quarter = quarters[-1]
    st.subheader(tr("chains_side_by_side", period=tr("period", year=year, q=quarter)))
    progress = queries.kpi_progress(year, quarter)
    projects = queries.projects()
    funds = queries.funds_in_place()
    lang = ui.lang()
    columns = st.columns(len(chains))
    for column, code in zip(columns, chains.chain_code, strict=True):
        with column.container(border=True):
            st.markdown(f"**{ui.plain(ui.chain_name(code, chains))}**")
            mine = progress[progress.chain_code == code]
            counts = mine.status.value_counts()
            st.caption(
                " · ".join(
                    f"{charts.status_text(s, lang)} {int(counts.get(s, 0))}"
                    for s in ("met", "on_track", "at_risk", "off_track")
                )
            )
            for kpi in KEY_KPIS:
                rows = mine[mine.kpi_code == kpi]
                if rows.empty:
                    continue
                rec = rows.iloc[0]
                target = charts.format_value(
                    rec.annual_target, rec.unit, bool(rec.is_count), lang, kpi_code=kpi
                )
                shown = (
                    charts.format_value(
                        rec.ytd_actual, rec.unit, bool(rec.is_count), lang, kpi_code=kpi
                    )
                    if rec.status == "no_target"
                    else f"{charts.format_number(rec.ytd_actual, bool(rec.is_count))} / {target}"
                )
                # Five columns side by side: a long KPI name is shortened, in full on hover.
                name = kpi_name(kpi, rec.kpi_name_zh, rec.kpi_name_en, lang)
                short = charts.shorten(name, 11)
                st.metric(short, shown, help=name if short != name else None)
                ui.status_badge(rec.status)
                for line in odds.lines(rec, lang):  # 达成概率 and 还需完成 (docs/forecast.md)
                    st.caption(line)
            if code == "ALL":
                continue  # gaps and projects are per chain: the columns beside say them
            gaps = queries.gaps(code)
            st.metric(tr("uncovered_gaps"), int(gaps.is_uncovered.fillna(False).sum()))
            theirs = projects[projects.chain_code == code]
            st.metric(tr("stuck_projects"), int(theirs.is_stuck_over_60_days.fillna(False).sum()))
            ui.funds_rate(funds, code, caption=False)


def _brief_section(chain_code: str, chain_label: str, periods: pd.DataFrame, year: int) -> None:
    """The chain committee's quarterly brief (kpi brief) for the chosen quarter: made on a
    click (a few seconds), then offered for download; each download is an audit record."""
    from chainkpi.errors import UserError
    from dashboards import signin

    of_year = periods[periods.year == year]
    if of_year.empty:
        return
    quarters = sorted(int(q) for q in of_year.quarter)
    st.subheader(tr("brief_title"))
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    quarter = int(
        ui.pick(
            tr("brief_quarter"),
            quarters,
            "brief_quarter",
            ui.default_quarter(of_year)[1],
            lambda q: tr("quarter_label", q=int(q)),
            container=left,
        )
    )
    period = tr("period", year=year, q=quarter)
    made = f"_brief_{queries.warehouse_info().version}_{chain_code}_{year}_{quarter}"
    if made not in st.session_state and right.button(
        tr("brief_prepare", period=period), icon=":material/picture_as_pdf:", key=f"make{made}"
    ):
        try:
            st.session_state[made] = queries.brief_file(chain_code, year, quarter)
        except UserError as exc:
            right.warning(tr("brief_unavailable", reason=str(exc)))
    if made in st.session_state:
        name, data = st.session_state[made]
        signin.download_button(
            right,
            tr("brief_download", chain=chain_label, period=period),
            data,
            file_name=name,
            mime="application/pdf",
            what="brief",
            key=f"get{made}",
            icon=":material/download:",
            chain=chain_code,
            period=f"{year}Q{quarter}",
        )


def render() -> None:
    chains = queries.chains()
    periods = queries.kpi_periods()
    heading = st.empty()  # the title above the folded filters, filled once they are read
    controls = ui.filters().columns([1, 1, 2])
    # 全区 (ALL) shows the chains side by side; a chain, its own detail.
    chain_code = ui.chain_picker(chains, container=controls[0])
    years = sorted({int(y) for y in periods.year}) or [pd.Timestamp.today().year]
    year = int(ui.pick(tr("year"), years, "year", years[-1], container=controls[1]))
    chain_label = ui.chain_name(chain_code, chains)
    heading.title(tr("chain_title", chain=chain_label, year=year))
    if chain_code == "ALL":
        _side_by_side(chains, periods, year)
        # The district's own KPIs quarter by quarter: the figures the overview's 全区 tiles
        # link to (one figure, one meaning).
        _kpi_section("ALL", chain_label, year, summary=False)
        return

    _kpi_section(chain_code, chain_label, year)
    _brief_section(chain_code, chain_label, periods, year)
    left, right = st.columns(2)
    with left:
        _gap_section(chain_code, chain_label)
    with right:
        _pipeline_section(chain_code, chain_label)


render()

"""项目 Projects: the project ledger, filtered by chain, stage, type and size, with the funnel
储备 → 洽谈 → 签约 → 开工 → 投产 and the rows behind each stage."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import charts, queries, ui
from dashboards.i18n import code_label
from dashboards.ui import tr


def _col(zh: str, en: str) -> str:
    return zh if ui.lang() == "zh" else en


def ledger_frame(rows: pd.DataFrame, chains: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ledger as a head reads it: name, amount, stage and days first, the ID last."""
    lang = ui.lang()
    return pd.DataFrame(
        {
            _col("项目名称", "Name"): rows.project_name,
            _col("计划总投资（万元）", "Planned (CNY 10k)"): rows.planned_investment_wan,
            _col("阶段", "Stage"): [
                code_label(c, z, lang) for c, z in zip(rows.stage, rows.stage_label_zh, strict=True)
            ],
            _col("当前阶段天数", "Days in stage"): ui.stage_days(rows),
            _col("产业链", "Chain"): rows.chain_name_zh
            if lang == "zh" or chains is None
            else ui.chain_names(rows.chain_code, chains),
            _col("类型", "Type"): [
                code_label(c, z, lang)
                for c, z in zip(rows.project_type, rows.project_type_label_zh, strict=True)
            ],
            _col("投资主体", "Investor"): rows.investor,
            _col("签约日期", "Signed"): rows.signed_date.dt.date,
            _col("开工日期", "Started"): rows.started_date.dt.date,
            _col("投产日期", "Producing"): rows.producing_date.dt.date,
            _col("亿元以上", "≥ CNY 100m"): rows.is_major.fillna(False),
            _col("项目编号", "Project ID"): rows.project_id,
        }
    )


DATED = ("signed", "started", "producing")


def _dated(projects: pd.DataFrame, container) -> tuple[pd.DataFrame, str]:
    """The dated filter an overview tile links to (?dated=signed&year=2026&quarter=3): the
    projects whose signing (start, production) date falls in the year, through the quarter —
    the same projects the overview's KPI counts. Returns the rows and a phrase saying so."""
    d1, d2, d3, _ = container.columns([1, 1, 1, 1])
    dated = ui.pick(
        tr("dated"),
        ["", *DATED],
        "dated",
        "",
        lambda e: tr(f"dated_{e or 'any'}"),
        container=d1,
    )
    if not dated:
        return projects, ""
    dates = pd.to_datetime(projects[f"{dated}_date"])
    years = sorted({int(y) for y in dates.dt.year.dropna()}) or [pd.Timestamp.today().year]
    year = int(ui.pick(tr("year"), years, "year", years[-1], container=d2))
    through = ui.pick(
        tr("through"),
        ["", "1", "2", "3", "4"],
        "quarter",
        "",
        lambda q: tr("through_year") if not q else tr("through_quarter", q=q),
        container=d3,
    )
    end = pd.Timestamp(year=year, month=int(through or 4) * 3, day=1) + pd.offsets.MonthEnd(0)
    rows = projects[(dates.dt.year == year) & (dates <= end)]
    event = tr(f"dated_{dated}")
    phrase = tr(
        "dated_shown",
        year=year,
        event=event,
        through=tr("dated_through", q=through) if through else "",
    )
    return rows, phrase


def render() -> None:
    st.title(tr("projects_title"))
    projects = queries.projects()
    if projects.empty:
        ui.empty(tr("no_projects"))
        return
    chains = queries.chains()
    stages = queries.code_list("project_stages")
    types = queries.code_list("project_types")
    lang = ui.lang()
    stage_label = dict(zip(stages.code, stages.label_zh, strict=True))
    type_label = dict(zip(types.code, types.label_zh, strict=True))

    box = ui.filters()  # folded away: the figures come first
    c1, c2, c3, c4 = box.columns([1.2, 1.2, 1, 0.8])
    chosen_chains = ui.chains_picker(chains, container=c1)  # a link's ?chain=SEMI too
    chosen_stages = ui.pick_many(
        tr("stage"),
        list(stages.code),
        "stages",
        lambda c: code_label(c, stage_label[c], lang),
        container=c2,
        aliases=("stage",),
    )
    chosen_types = ui.pick_many(
        tr("project_type"),
        list(types.code),
        "types",
        lambda c: code_label(c, type_label[c], lang),
        container=c3,
    )
    with c4:
        st.write("")
        major = ui.pick_flag(tr("major_only"), "major")
    rows, dated = _dated(projects, box)

    if chosen_chains:
        rows = rows[rows.chain_code.isin(chosen_chains)]
    if chosen_types:
        rows = rows[rows.project_type.isin(chosen_types)]
    if major:
        rows = rows[rows.is_major.fillna(False)]
    # The funnel shows the whole pipeline of the chosen projects; the stage filter narrows
    # the rows below it.
    funnel = charts.project_funnel_counts(rows)
    funnel["label"] = [code_label(c, stage_label[c], lang) for c in funnel.stage]
    # Two counts of one stage side by side: each says which it is (dashboard.md).
    left, right = st.columns([1, 1])
    ui.chart(
        ui.figure(charts.make_funnel, funnel, title=tr("funnel_title"), lang=lang),
        "funnel",
        container=left,
    )
    left.caption(tr("funnel_note"))
    by_stage = rows.groupby("stage").agg(
        count=("project_id", "size"), investment_wan=("planned_investment_wan", "sum")
    )
    bar = stages.set_index("code").join(by_stage).reset_index()
    bar["count"] = bar["count"].fillna(0).astype(int)
    bar["label"] = [code_label(c, z, lang) for c, z in zip(bar.code, bar.label_zh, strict=True)]
    ui.chart(
        ui.figure(charts.make_stage_bar, bar, title=tr("pipeline_title", chain=""), lang=lang),
        "stage_bar",
        container=right,
    )
    right.caption(tr("stage_note"))

    if chosen_stages:
        rows = rows[rows.stage.isin(chosen_stages)]
    drill = ui.pick(
        tr("drill_stage"),
        ["", *stages.code],
        "drill",
        "",
        lambda c: tr("all") if c == "" else code_label(c, stage_label[c], lang),
    )
    if drill:
        rows = rows[rows.stage == drill]
    if rows.empty:
        ui.empty(tr("no_projects"))
        return
    shown = tr(
        "projects_shown",
        n=charts.format_number(len(rows)),
        inv=charts.format_amount(rows.planned_investment_wan.sum(), lang),
    )
    st.markdown(f"{shown} · {dated}" if dated else shown)
    ui.table(ledger_frame(rows, chains))


render()

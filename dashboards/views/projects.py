"""项目 Projects: the project ledger, filtered by chain, stage, type and size, with the funnel
储备 → 洽谈 → 签约 → 开工 → 投产 and the rows behind each stage."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import charts, queries, ui
from dashboards.i18n import code_label
from dashboards.ui import tr

FUNNEL = ("reserve", "negotiating", "signed", "started", "producing")


def _col(zh: str, en: str) -> str:
    return zh if ui.lang() == "zh" else en


def ledger_frame(rows: pd.DataFrame) -> pd.DataFrame:
    lang = ui.lang()
    return pd.DataFrame(
        {
            _col("项目编号", "Project"): rows.project_id,
            _col("项目名称", "Name"): rows.project_name,
            _col("产业链", "Chain"): rows.chain_name_zh if lang == "zh" else rows.chain_code,
            _col("类型", "Type"): [
                code_label(c, z, lang) if isinstance(c, str) else ""
                for c, z in zip(rows.project_type, rows.project_type_label_zh, strict=True)
            ],
            _col("阶段", "Stage"): [
                code_label(c, z, lang) for c, z in zip(rows.stage, rows.stage_label_zh, strict=True)
            ],
            _col("投资主体", "Investor"): rows.investor,
            _col("计划总投资（万元）", "Planned (万元)"): rows.planned_investment_wan,
            _col("亿元以上", "≥ 1亿"): rows.is_major.fillna(False),
            _col("签约日期", "Signed"): rows.signed_date.dt.date,
            _col("开工日期", "Started"): rows.started_date.dt.date,
            _col("投产日期", "Producing"): rows.producing_date.dt.date,
            _col("当前阶段天数", "Days in stage"): rows.days_in_stage,
        }
    )


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

    c1, c2, c3, c4 = st.columns([1.2, 1.2, 1, 0.8])
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

    rows = projects
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
    left, right = st.columns([1, 1])
    left.plotly_chart(
        charts.make_funnel(funnel, title=tr("funnel_title"), lang=lang),
        width="stretch",
        key="funnel",
    )
    by_stage = rows.groupby("stage").agg(
        count=("project_id", "size"), investment_wan=("planned_investment_wan", "sum")
    )
    bar = stages.set_index("code").join(by_stage).reset_index()
    bar["count"] = bar["count"].fillna(0).astype(int)
    bar["label"] = [code_label(c, z, lang) for c, z in zip(bar.code, bar.label_zh, strict=True)]
    right.plotly_chart(
        charts.make_stage_bar(bar, title=tr("pipeline_title", chain=""), lang=lang),
        width="stretch",
        key="stage_bar",
    )

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
    st.markdown(
        tr(
            "projects_shown",
            n=len(rows),
            inv=charts.format_number(rows.planned_investment_wan.sum(), False),
        )
    )
    ui.table(ledger_frame(rows))


render()

"""数据质量 Data quality: what was ingested, what was rejected and why, the last build's dbt
checks, and how fresh each dataset is. Rejected values are masked in the mart already."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import queries, ui
from dashboards.ui import tr

DATASET_ZH = {
    "projects": "项目储备库",
    "chain_gaps": "产业链缺口",
    "leads": "招商线索",
    "talent_catalogue": "人才需求目录",
    "talent_hires": "人才引进",
    "leader_projects": "领军人才项目",
}
DBT_STATUS_ORDER = ("error", "fail", "warn", "pass", "success", "skipped", "no-op")
DBT_STATUS_ZH = {
    "error": "出错",
    "fail": "未通过",
    "warn": "警告",
    "pass": "通过",
    "success": "成功",
    "skipped": "跳过",
    "no-op": "无操作",
}


def _dataset(code: object) -> str:
    if not isinstance(code, str):
        return "—" if ui.lang() == "zh" else "(not recognised)"
    return DATASET_ZH.get(code, code) if ui.lang() == "zh" else code


def _col(zh: str, en: str) -> str:
    return zh if ui.lang() == "zh" else en


def _files() -> None:
    st.subheader(tr("files"))
    files = queries.ingest_files()
    if files.empty:
        ui.empty(tr("no_files"))
        return
    whole = int((files.load_status == "rejected").sum())
    st.markdown(
        tr(
            "files_summary",
            files=len(files),
            loaded=int(files.rows_loaded.fillna(0).sum()),
            rejected=int(files.rows_rejected.fillna(0).sum()),
            whole=whole,
        )
    )
    ui.table(
        pd.DataFrame(
            {
                _col("导入时间", "Ingested at"): files.ingested_at,
                _col("文件", "File"): files.file_name,
                _col("数据集", "Dataset"): [_dataset(d) for d in files.dataset],
                _col("结果", "Outcome"): [
                    (
                        _col("已入库", "loaded")
                        if s == "loaded"
                        else _col("整个文件被拒收", "rejected whole")
                    )
                    for s in files.load_status
                ],
                _col("读取行数", "Rows read"): files.rows_read,
                _col("入库行数", "Rows loaded"): files.rows_loaded,
                _col("拒收行数", "Rows rejected"): files.rows_rejected,
                _col("提示数", "Warnings"): files.warning_count,
                _col("拒收原因", "Why rejected"): files.errors_json.where(
                    files.load_status == "rejected", ""
                ),
            }
        )
    )


def _row_issues(frame: pd.DataFrame, title: str, none: str) -> None:
    st.subheader(title)
    if frame.empty:
        st.success(none, icon=":material/check_circle:")
        return
    ui.table(
        pd.DataFrame(
            {
                _col("文件", "File"): frame.file_name,
                _col("数据集", "Dataset"): [_dataset(d) for d in frame.dataset],
                _col("行号", "Row"): frame.sheet_row_number,
                _col("列", "Column"): frame.column_name,
                _col("值（已脱敏）", "Value (masked)"): frame.cell_value,
                _col("规则", "Rule"): frame.rule_name,
                _col("说明", "Message"): frame.message,
            }
        )
    )


def _dbt() -> None:
    st.subheader(tr("dbt_results"))
    results = queries.dbt_results()
    if results.empty:
        ui.empty(tr("dbt_all_pass"))
        return
    counts = results.status.value_counts()
    ordered = [s for s in DBT_STATUS_ORDER if s in counts] + [
        s for s in counts.index if s not in DBT_STATUS_ORDER
    ]
    cols = st.columns(len(ordered))
    for col, status in zip(cols, ordered, strict=True):
        label = f"{DBT_STATUS_ZH.get(status, status)} {status}" if ui.lang() == "zh" else status
        col.metric(label, int(counts[status]))
    problems = results[results.status.isin(["error", "fail", "warn"])]
    if problems.empty:
        st.success(tr("dbt_all_pass"), icon=":material/check_circle:")
        return
    st.markdown(f"**{tr('dbt_problems')}**")
    ui.table(
        pd.DataFrame(
            {
                _col("类型", "Type"): problems.resource_type,
                _col("检查", "Check"): problems.name,
                _col("结果", "Status"): problems.status,
                _col("失败行数", "Failures"): problems.failures,
                _col("信息", "Message"): problems.message,
            }
        )
    )


def _freshness() -> None:
    st.subheader(tr("freshness"))
    fresh = queries.freshness()
    if fresh.empty:
        ui.empty(tr("no_files"))
        return
    ui.table(
        pd.DataFrame(
            {
                _col("数据集", "Dataset"): [_dataset(d) for d in fresh.dataset],
                _col("最近导入时间", "Last ingested"): fresh.last_ingested_at,
                _col("文件数", "Files"): fresh.file_count,
                _col("入库行数", "Rows loaded"): fresh.rows_loaded,
                _col("最新事件日期", "Latest event date"): pd.to_datetime(
                    fresh.last_event_date
                ).dt.date,
            }
        )
    )
    st.caption(
        _col(
            "人才引进、领军人才项目的最新事件日期取其所在月份的月末。",
            "For hires and leading-talent projects the latest event date is the end of its month.",
        )
    )


def render() -> None:
    st.title(tr("quality_title"))
    _freshness()
    _files()
    try:
        _row_issues(queries.ingest_rejections(), tr("rejections"), tr("rejections_none"))
        _row_issues(queries.ingest_warnings(), tr("warnings"), tr("warnings_none"))
    except queries.NotAllowed:
        ui.empty(tr("analysts_only"))
    _dbt()


render()

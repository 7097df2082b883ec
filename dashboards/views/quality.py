"""数据质量 Data quality: what was ingested and how each file was read, what was rejected and
why, the last build's dbt checks, and how fresh each dataset is. Rejected values are masked in
the mart already. Every text of a ledger (file and sheet names, headers, section headings) is
shown in tables or as plain text (st.text), never as markdown."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dashboards import queries, submission_grid, ui
from dashboards.i18n import (
    CHAIN_SOURCES,
    SHEET_REASONS,
    SKIPPED_ROW_KINDS,
    UNIT_SOURCES,
    dataset_label,
    dbt_check_text,
    dbt_status_label,
    factor_text,
    format_time,
    interpretation_lines,
    named,
    row_span,
)
from dashboards.ui import tr

DBT_STATUS_ORDER = ("error", "fail", "warn", "pass", "success", "skipped", "no-op")


def _dataset(code: object) -> str:
    """A dataset by its name in the page's language (项目储备库 / Project ledger)."""
    return dataset_label(code, ui.lang())


def _time(value: object) -> str:
    """An ingest time (stored in UTC) in Beijing time, saying so."""
    return format_time(value, ui.lang())


def _col(zh: str, en: str) -> str:
    return zh if ui.lang() == "zh" else en


def _interpretation(text: object) -> dict | None:
    """fct_ingest_files.interpretation_json as a dict; None when none was recorded (files
    loaded before it was) or it is not a JSON object."""
    if not isinstance(text, str):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _how_read(text: object) -> str:
    """The files table's "how it was read" cell: the interpretation's lines in one."""
    interpretation = _interpretation(text)
    if interpretation is None:
        return ""
    lines = interpretation_lines(interpretation, ui.lang())
    if not lines:
        return tr("read_as_template")
    return _col("；", "; ").join(line.rstrip("。；;. ") for line in lines)


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
                _col("文件", "File"): files.file_name,
                _col("导入时间", "Ingested at"): [_time(t) for t in files.ingested_at],
                _col("数据集", "Dataset"): [_dataset(d) for d in files.dataset],
                _col("结果", "Outcome"): [
                    (
                        _col("已入库", "Loaded")
                        if s == "loaded"
                        else _col("整个文件被拒收", "Rejected whole")
                    )
                    for s in files.load_status
                ],
                _col("读取行数", "Rows read"): files.rows_read,
                _col("入库行数", "Rows loaded"): files.rows_loaded,
                _col("拒收行数", "Rows rejected"): files.rows_rejected,
                _col("提示数", "Warnings"): files.warning_count,
                _col("拒收原因", "Why rejected"): files.errors_json.where(
                    files.load_status == "rejected", None
                ),
                _col("读取方式", "How it was read"): [
                    _how_read(t) for t in files.interpretation_json
                ],
            }
        )
    )
    _interpretations(files)


def _records(value: object) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _cell(value: object) -> str:
    """A value of the interpretation as table text (a number stays readable, a nested
    value never reaches the page as an object)."""
    return "" if value is None or isinstance(value, (dict, list)) else str(value)


def _interpretations(files: pd.DataFrame) -> None:
    """One file's interpretation in detail: its lines, then its sheets, columns, where the
    chain came from and the sheets skipped, as tables."""
    st.markdown(f"**{tr('interpretation')}**")
    recorded = {
        int(load_id): (name, interpretation)
        for load_id, name, text in zip(
            files.load_id, files.file_name, files.interpretation_json, strict=True
        )
        if (interpretation := _interpretation(text)) is not None
    }
    if not recorded:
        st.caption(tr("interpretation_none"))
        return
    # Labels made now, in this run's language (a format_func read later must not change them).
    labels = {i: _col(f"{name}（{i}）", f"{name} ({i})") for i, (name, _) in recorded.items()}
    load_id = st.selectbox(
        tr("interpretation_file"),
        list(recorded),
        format_func=labels.__getitem__,
        key=f"interpretation_file_{ui.lang()}",
    )
    if load_id is None:
        return
    interpretation = recorded[load_id][1]
    lines = interpretation_lines(interpretation, ui.lang())
    for line in lines or [tr("interpretation_template")]:
        st.text(line)
    sheets = _records(interpretation.get("sheets"))
    if sheets:
        st.caption(tr("interp_sheets"))
        skipped = [s.get("skipped_rows") for s in sheets]
        skipped = [counts if isinstance(counts, dict) else {} for counts in skipped]
        ui.table(
            pd.DataFrame(
                {
                    _col("工作表", "Sheet"): [_cell(s.get("sheet")) for s in sheets],
                    _col("表头行", "Header rows"): [row_span(s.get("header_rows")) for s in sheets],
                    _col("读取行数", "Rows read"): [_cell(s.get("rows_read")) for s in sheets],
                    **{
                        _col(f"跳过的{zh}行", f"{en.capitalize()} rows skipped"): [
                            _cell(counts.get(kind)) or "0" for counts in skipped
                        ]
                        for kind, (zh, en) in SKIPPED_ROW_KINDS.items()
                    },
                }
            )
        )
    columns = [(s, c) for s in sheets for c in _records(s.get("columns"))]
    if columns:
        st.caption(tr("interp_columns"))
        ui.table(
            pd.DataFrame(
                {
                    _col("工作表", "Sheet"): [_cell(s.get("sheet")) for s, _ in columns],
                    _col("表头", "Header"): [_cell(c.get("header")) for _, c in columns],
                    _col("读作列", "Read as column"): [_cell(c.get("column")) for _, c in columns],
                    _col("单位", "Unit"): [_cell(c.get("unit")) for _, c in columns],
                    _col("单位取自", "Unit from"): [
                        named(UNIT_SOURCES, c.get("unit_source"), ui.lang()) for _, c in columns
                    ],
                    _col("折算为万元", "To CNY 10k"): [
                        factor_text(c.get("factor")) for _, c in columns
                    ],
                }
            )
        )
    chains = [(s, c) for s in sheets for c in _records(s.get("chain_from"))]
    if chains:
        st.caption(tr("interp_chain_from"))
        ui.table(
            pd.DataFrame(
                {
                    _col("工作表", "Sheet"): [_cell(s.get("sheet")) for s, _ in chains],
                    _col("来源", "Source"): [
                        named(CHAIN_SOURCES, c.get("source"), ui.lang()) for _, c in chains
                    ],
                    _col("文字", "Text"): [_cell(c.get("text")) for _, c in chains],
                    _col("产业链", "Chain"): [_cell(c.get("chain")) for _, c in chains],
                    _col("行数", "Rows"): [_cell(c.get("rows")) for _, c in chains],
                }
            )
        )
    skipped_sheets = _records(interpretation.get("skipped_sheets"))
    if skipped_sheets:
        st.caption(tr("interp_skipped_sheets"))
        ui.table(
            pd.DataFrame(
                {
                    _col("工作表", "Sheet"): [_cell(s.get("sheet")) for s in skipped_sheets],
                    _col("原因", "Reason"): [
                        named(SHEET_REASONS, s.get("reason"), ui.lang()) for s in skipped_sheets
                    ],
                }
            )
        )


def _row_issues(frame: pd.DataFrame, title: str, none: str) -> None:
    st.subheader(title)
    if frame.empty:
        st.success(none, icon=":material/check_circle:")
        return
    sheets = (
        {_col("工作表", "Sheet"): frame.sheet_name.fillna("")}
        if frame.sheet_name.notna().any()
        else {}  # CSVs and one-sheet workbooks: no sheet to name
    )
    ui.table(
        pd.DataFrame(
            {
                _col("文件", "File"): frame.file_name,
                _col("数据集", "Dataset"): [_dataset(d) for d in frame.dataset],
                **sheets,
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
        col.metric(dbt_status_label(status, ui.lang()), int(counts[status]))
    problems = results[results.status.isin(["error", "fail", "warn"])]
    if problems.empty:
        st.success(tr("dbt_all_pass"), icon=":material/check_circle:")
        return
    if ui.own_chain() != "ALL":  # a check's row counts may be other chains' (issue 20)
        st.caption(
            _col(
                f"{len(problems)} 项检查需要关注，详情请咨询数据分析员。",
                f"{len(problems)} checks need attention; the analysts have the details.",
            )
        )
        return
    # What failed in which dataset, in a head's words; dbt's own names for the analyst.
    st.markdown(f"**{tr('dbt_problems')}**")
    ui.table(
        pd.DataFrame(
            {
                tr("dbt_problem"): [
                    dbt_check_text(n, f, ui.lang())
                    for n, f in zip(problems.name, problems.failures, strict=True)
                ],
                _col("结果", "Outcome"): [dbt_status_label(s, ui.lang()) for s in problems.status],
            }
        )
    )
    with st.expander(tr("dbt_technical")):
        ui.table(
            pd.DataFrame(
                {
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
                _col("最近导入时间", "Last ingested"): [_time(t) for t in fresh.last_ingested_at],
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


def _funds_corrections() -> None:
    """Funds in place that fell (party_service_funds.md): the KPI 实际到位资金 counts a fall as
    it is; here each one is listed, so that its office can say whether it is a correction or
    a typing error. A chain office sees its own chain's projects (queries.fetch)."""
    st.subheader(_col("到位资金调减", "Funds in place lowered"))
    st.caption(
        _col(
            "项目台账中累计到位资金低于该项目上一期台账的记录。“实际到位资金”指标按调减计入"
            "（该季度可能为负），请与报送单位核实是更正还是录入错误。",
            "Projects whose running total of funds in place in a later ledger is below the "
            "previous period's. The KPI funds in place counts the fall as it is (a quarter may "
            "be negative): check with the office whether it is a correction or a typing error.",
        )
    )
    try:
        corrections = queries.funds_corrections()
    except queries.WarehouseError:  # a warehouse built before the mart: the next build has it
        st.caption(_col("下次构建后显示。", "Shown after the next build."))
        return
    if corrections.empty:
        st.success(
            _col("没有到位资金调减的项目。", "No project's funds in place were lowered."),
            icon=":material/check_circle:",
        )
        return

    def period(label: object, end: object) -> str:
        """A ledger's period (2025-06, 2025Q2), or for one loaded before periods were
        recorded the month its period ended."""
        if isinstance(label, str) and label:
            return label
        return "" if pd.isna(end) else pd.Timestamp(end).strftime("%Y-%m")

    ui.table(
        pd.DataFrame(
            {
                _col("项目编号", "Project ID"): corrections.project_id,
                _col("项目名称", "Project"): corrections.project_name,
                _col("产业链", "Chain"): ui.chain_names(corrections.chain_code, queries.chains()),
                _col("上期", "Previous period"): [
                    period(p, e)
                    for p, e in zip(
                        corrections.previous_period,
                        corrections.previous_period_end_date,
                        strict=True,
                    )
                ],
                _col("上期到位资金（万元）", "Previous (10k CNY)"): (
                    corrections.previous_running_total_wan.astype(float)
                ),
                _col("本期", "Period"): [
                    period(p, e)
                    for p, e in zip(corrections.period, corrections.period_end_date, strict=True)
                ],
                _col("本期到位资金（万元）", "Now (10k CNY)"): corrections.running_total_wan.astype(
                    float
                ),
                _col("调减（万元）", "Change (10k CNY)"): corrections.change_wan.astype(float),
                _col("台账文件", "Ledger file"): corrections.source_file,
            }
        )
    )


def render() -> None:
    st.title(tr("quality_title"))
    _freshness()
    submission_grid.render()
    _files()
    _funds_corrections()
    try:
        _row_issues(queries.ingest_rejections(), tr("rejections"), tr("rejections_none"))
        _row_issues(queries.ingest_warnings(), tr("warnings"), tr("warnings_none"))
    except queries.NotAllowed:
        ui.empty(tr("analysts_only"))
    _dbt()


render()

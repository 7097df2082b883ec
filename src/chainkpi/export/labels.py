"""Every word the export shows a reader, in Chinese (the default) and English.

The CSV keeps the contract's column codes in both languages (they are codes, not words);
the workbook's titles, sheet names, headers and status words come from here.
"""

from __future__ import annotations

from chainkpi.ingest.schema import CODE_LISTS, DATASETS

LANGS = ("zh", "en")

# status code -> (Chinese word, English word). The words sit in the coloured cell, so the
# status reads without colour (colour-blind readers, black-and-white print).
STATUS_WORDS: dict[str, tuple[str, str]] = {
    "met": ("达成", "Met"),
    "on_track": ("进度正常", "On track"),
    "at_risk": ("有风险", "At risk"),
    "off_track": ("滞后", "Off track"),
    "no_target": ("未设目标", "No target"),
}
STATUS_ORDER = ("met", "on_track", "at_risk", "off_track", "no_target")

# Cell fill and font colours per status: Excel's own "Good / Neutral / Bad" palette, grey for
# no target. Green for met and on track, amber at risk, red off track (kpis.md).
STATUS_COLOURS: dict[str, tuple[str, str]] = {
    "met": ("#C6EFCE", "#006100"),
    "on_track": ("#C6EFCE", "#006100"),
    "at_risk": ("#FFEB9C", "#9C5700"),
    "off_track": ("#FFC7CE", "#9C0006"),
    "no_target": ("#D9D9D9", "#404040"),
}

_TEXT: dict[str, tuple[str, str]] = {
    # titles and notes
    "report": ("产业链双招双引目标跟踪", "Industrial-chain investment and talent target tracking"),
    "built_at": ("数据仓库构建于", "Warehouse built"),
    "as_of": ("数据截至", "Data as of"),
    "version": ("chainkpi 版本", "chainkpi version"),
    "targets_note": (
        "年度目标均为“不低于”；带 * 的目标为示例目标（演示用），非正式目标。",
        "Annual targets are minimums; targets marked * are demo examples, not official.",
    ),
    "legend": ("状态", "Status"),
    "chain_scope_note": (
        "本导出限于{chain}；“全区”行为全区合计，供对照。台账文件与拒收明细为全区口径，不在本导出中。",
        "This export is limited to {chain}; the district-total rows are kept for context."
        " Ledger files and rejected rows are district-wide and not part of it.",
    ),
    "gaps_note": (
        "截至 {as_of} 仍未补齐（未补、在补）的产业链缺口；“未覆盖”= 既无项目也无线索对接。",
        "Chain gaps still open (open, in progress) as of {as_of}; "
        "'uncovered' = no project and no lead addresses it.",
    ),
    "pipeline_note": (
        "各产业链项目按当前阶段统计（截至 {as_of}）；计划总投资单位万元。",
        "Projects by current stage as of {as_of}; planned investment in 10k CNY (万元).",
    ),
    "projects_note": (
        "项目清单（当前状态，截至 {as_of}）；停滞 = 尚未开工且在当前阶段超过 90 天。",
        "Project list (current state as of {as_of}); stalled = not yet under construction "
        "and more than 90 days in the current stage.",
    ),
    "quality_note": (
        "已导入的台账文件（全区口径）：读取、导入、拒收的行数。",
        "Ledger files ingested (district-wide): rows read, loaded and rejected.",
    ),
    "rejections_note": (
        "被拒收的行按文件和规则汇总（行号为 Excel 中看到的行号；不含单元格内容）。",
        "Rejected rows per file and rule (row numbers as seen in Excel; cell values omitted).",
    ),
    "submissions_note": (
        "各链办按报送计划应报的台账：本季度各月（月报）与本季度（季报）；按时、逾期、缺报、未到期。",
        "Ledgers each chain office owes under the reporting schedule: each month of the "
        "quarter (monthly) and the quarter (quarterly); on time, late, missing, not yet due.",
    ),
    "period": ("期次", "Period"),
    "submission_on_time": ("按时", "On time"),
    "submission_late": ("逾期 {days} 天", "Late by {days} d"),
    "submission_missing": ("缺报", "Missing"),
    "submission_not_due": ("未到期", "Not yet due"),
    "none": ("（无）", "(none)"),
    # sheet names (≤ 31 characters, none of []:*?/\)
    "sheet_summary": ("汇总", "Summary"),
    "sheet_gaps": ("产业链缺口", "Open gaps"),
    "sheet_pipeline": ("项目阶段", "Pipeline"),
    "sheet_projects": ("项目清单", "Projects"),
    "sheet_quality": ("数据质量", "Data quality"),
    "sheet_rejections": ("拒收明细", "Rejections"),
    "sheet_submissions": ("报送情况", "Reporting"),
    # column headers
    "kpi": ("指标", "KPI"),
    "unit": ("单位", "Unit"),
    "chain": ("产业链", "Chain"),
    "quarter_actual": ("本季度完成", "Quarter actual"),
    "ytd_actual": ("年累计完成", "YTD actual"),
    "annual_target": ("年度目标", "Annual target"),
    "expected_to_date": ("应完成进度", "Expected to date"),
    "pct_of_target": ("完成率", "% of target"),
    "projected_year_end": ("全年预计", "Projected year end"),
    "status": ("状态", "Status"),
    "target_note": ("目标来源", "Target source"),
    "official_target": ("正式目标（文件规定）", "official (policy document)"),
    # A target per quarter (kpi_targets.target_period = quarter, party_service_funds.md).
    "per_quarter": ("每季度{target}{unit}", "{target} a quarter"),
    "quarter_targets_note": (
        "标“每季度”的目标须每个季度都达到：年度目标为季度目标 × 4，应完成进度为季度目标 × "
        "已过季度数；已结束的季度有一个未达到即为“滞后”。",
        "A target marked 'a quarter' must be reached in every quarter: the annual target is 4 ×"
        " the quarterly one, expected to date the quarterly target × the quarters so far; one"
        " finished quarter that missed it makes the status Off track.",
    ),
    "example_target": ("示例目标（演示用）*", "example (demo only) *"),
    "gap_id": ("缺口编号", "Gap ID"),
    "segment": ("环节", "Segment"),
    "link_name": ("缺失环节", "Missing link"),
    "priority": ("优先级", "Priority"),
    "identified_date": ("识别日期", "Identified"),
    "gap_status": ("缺口状态", "Gap status"),
    "days_open": ("已开放天数", "Days open"),
    "project_count": ("对接项目数", "Projects"),
    "project_ids": ("对接项目编号", "Project IDs"),
    "lead_count": ("对接线索数", "Leads"),
    "lead_ids": ("线索编号", "Lead IDs"),
    "planned_investment_wan": ("计划总投资（万元）", "Planned investment (10k CNY)"),
    "coverage": ("覆盖情况", "Coverage"),
    "uncovered": ("未覆盖", "Uncovered"),
    "covered": ("已对接", "Addressed"),
    "stage": ("阶段", "Stage"),
    "count": ("项目数", "Projects"),
    "total": ("合计", "Total"),
    "project_id": ("项目编号", "Project ID"),
    "project_name": ("项目名称", "Project name"),
    "project_type": ("项目类型", "Type"),
    "investor": ("投资主体", "Investor"),
    "capital_in_place_wan": ("到位资金（万元）", "Capital in place (10k CNY)"),
    "signed_date": ("签约日期", "Signed"),
    "started_date": ("开工日期", "Started"),
    "producing_date": ("投产日期", "Producing"),
    "days_in_stage": ("当前阶段天数", "Days in stage"),
    "stalled": ("停滞", "Stalled"),
    "yes": ("是", "yes"),
    "file_name": ("文件名", "File"),
    "dataset": ("数据集", "Dataset"),
    "ingested_at": ("导入时间（UTC）", "Ingested at (UTC)"),
    "load_status": ("导入结果", "Result"),
    "rows_read": ("读取行数", "Rows read"),
    "rows_loaded": ("导入行数", "Rows loaded"),
    "rows_rejected": ("拒收行数", "Rows rejected"),
    "warning_count": ("警告数", "Warnings"),
    "column": ("列", "Column"),
    "rule": ("规则", "Rule"),
    "row_count": ("行数", "Rows"),
    "row_numbers": ("行号", "Row numbers"),
    "loaded": ("已导入", "loaded"),
    "rejected": ("整个文件被拒收", "rejected whole"),
    "unknown_dataset": ("未识别", "unrecognised"),
}

_CODE_LIST_OF = {
    "segment": "segment",
    "priority": "priority",
    "gap_status": "gap_status",
    "stage": "stage",
    "project_type": "project_type",
}

_STAGE_EN = {
    "reserve": "Reserve",
    "negotiating": "Negotiating",
    "signed": "Signed",
    "started": "Started",
    "producing": "Producing",
    "dropped": "Dropped",
}


_UNITS_EN = {
    "人": "persons", "个": "count", "条": "leads", "万元": "10k CNY", "次": "times",
    "对": "pairs", "件": "issues",
}  # fmt: skip


def unit(value: str | None, lang: str) -> str:
    """A KPI's unit: 人 / 个 / 条 / 万元 as in the catalogue, or its English word."""
    if value is None:
        return ""
    return _UNITS_EN.get(value, value) if lang == "en" else value


def check_lang(lang: str) -> str:
    from chainkpi.errors import UsageError

    if lang not in LANGS:
        raise UsageError(f"未知语言 {lang!r}，可选 zh 或 en (unknown language; use zh or en)")
    return lang


def text(key: str, lang: str, **fields: object) -> str:
    zh, en = _TEXT[key]
    return (zh if lang == "zh" else en).format(**fields)


def status_word(status: str, lang: str) -> str:
    zh, en = STATUS_WORDS[status]
    return zh if lang == "zh" else en


def code_label(code_list: str, code: str | None, lang: str) -> str:
    """The word for a stored code (上游 / upstream); the code itself when it is unknown."""
    if code is None:
        return ""
    if lang == "en" and code_list == "stage":
        return _STAGE_EN.get(code, code)
    labels = CODE_LISTS[_CODE_LIST_OF[code_list]].get(code)
    if labels is None:
        return code
    return labels[0] if lang == "zh" else labels[1].replace("_", " ")


def period(year: int, quarter: int, lang: str) -> str:
    return f"{year}年第{quarter}季度" if lang == "zh" else f"{year} Q{quarter}"


def title(year: int, quarter: int, lang: str, chain_name: str | None = None) -> str:
    head = f"{period(year, quarter, lang)} {text('report', lang)}"
    return f"{head} — {chain_name}" if chain_name else head


def dataset_name(dataset: str | None, lang: str) -> str:
    if dataset is None:
        return text("unknown_dataset", lang)
    if lang == "en" or dataset not in DATASETS:
        return dataset
    return DATASETS[dataset].name_zh


def column_name(dataset: str | None, column: str | None, lang: str) -> str:
    """The ledger's own header for a column (计划总投资(万元)), or its key in English."""
    if column is None:
        return ""
    if lang == "zh" and dataset in DATASETS:
        for col in DATASETS[dataset].columns:
            if col.key == column:
                return col.header_zh
    return column


def rule_text(rule: str, lang: str) -> str:
    if lang == "en":
        return rule
    from chainkpi.ingest.rules import RULES

    return RULES.get(rule, rule)

"""`kpi template`: the district's import template per dataset (handing_in.md, "Templates").

Built from the same contract and vocabulary the ingest reads (schema.py, the seeds): a code
added to a code list appears in the next template's dropdown without a code change. One
sheet named after the dataset: a title row, the header row in contract order (required
columns marked with a red `*`, which the ingest ignores), a note on every header cell, data
validation on every column (dropdowns from a hidden sheet of code lists, dates, non-negative
amounts, whole counts ≥ 1), one example row marked `示例` that the ingest skips, the header
frozen. XlsxWriter's public API only.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from chainkpi.errors import UsageError
from chainkpi.ingest.schema import (
    AMOUNT,
    BOOL,
    CHAIN,
    CHAIN_NAMES_ZH,
    CODE_LISTS,
    COUNT,
    DATASETS,
    DATE,
    ENUM,
    Column,
    Dataset,
)

EXAMPLE_MARK = "示例"
LISTS_SHEET = "代码表"
DATA_ROWS = 2000  # rows below the example that carry the validations
FIRST_DATA_ROW = 3  # 0-based: title, header, example, then the office's rows

_TYPE_WORDS = {
    DATE: "日期，如 2025-03-15（只有年月时填当月1日）",
    AMOUNT: "金额，单位万元，不小于 0 的数字",
    COUNT: "人数，不小于 1 的整数",
    BOOL: "从下拉选择 是 / 否（空白视为否）",
    CHAIN: "从下拉选择所属产业链",
}
# Rules the GX suites check across columns (expectations/), in the words an office reads.
_CROSS_RULES = {
    ("projects", "signed_date"): "项目阶段为签约、开工或投产时必填",
    ("projects", "started_date"): "项目阶段为开工或投产时必填；不早于签约日期",
    ("projects", "producing_date"): "项目阶段为投产时必填；不早于开工日期",
    ("chain_gaps", "closed_date"): "状态为已补时必填；不早于识别日期",
    ("leads", "converted_date"): "线索状态为已转化时必填；不早于首次接洽日期",
    ("leads", "chain"): "空白表示尚未分配产业链",
    ("talent_hires", "chain"): "空白表示不属于四条产业链",
    ("talent_hires", "talent_level"): "空白视为其他",
    ("mentoring_pairs", "ended_date"): "结对状态为已结束时必填；不早于结对日期",
    ("enterprise_issues", "resolved_date"): "办理状态为已办结或无法办理时必填；不早于受理日期",
    (
        "enterprise_issues",
        "summary",
    ): "诉求内容只对分析员和本链办公室可见；请勿写入个人身份证号、电话",
}
# One example value per column: a row an office can copy, valid as a whole.
_EXAMPLES: dict[str, dict[str, object]] = {
    "projects": {
        "project_name": "年产5GWh储能电池项目", "chain": "NE", "project_type": "build",
        "segment": "midstream", "investor": "某某新能源科技有限公司", "origin": "深圳",
        "channel": "investor_referral", "planned_investment_wan": 120000,
        "capital_in_place_wan": 3000, "stage": "signed", "signed_date": dt.date(2025, 3, 15),
        "head_enterprise": "是",
    },
    "chain_gaps": {
        "chain": "MAT", "segment": "upstream", "link_name": "高纯石英砂", "priority": "high",
        "identified_date": dt.date(2025, 5, 1), "status": "open",
    },
    "leads": {
        "company": "某某半导体有限公司", "chain": "SEMI", "channel": "fund",
        "source_city": "上海", "first_contact_date": dt.date(2025, 1, 10),
        "status": "following", "expected_investment_wan": 5000,
    },
    "talent_catalogue": {
        "chain": "EQUIP", "employer": "某某智能装备有限公司", "position_title": "机器人算法工程师",
        "discipline": "控制工程", "min_degree": "phd", "headcount": 2,
        "published_date": dt.date(2025, 2, 1),
    },
    "talent_hires": {
        "name": "张某", "degree": "phd", "talent_level": "high_level", "chain": "NE",
        "employer": "某某新能源科技有限公司", "hire_date": dt.date(2025, 4, 1),
        "channel": "job_fair", "local_returnee": "否",
    },
    "leader_projects": {
        "title": "高效光伏电池关键技术", "level": "provincial", "chain": "NE",
        "employer": "某某新能源科技有限公司", "approved_date": dt.date(2025, 6, 30),
    },
    "party_activities": {
        "chain": "NE", "activity_type": "committee_meeting", "title": "第三季度产业链党委会议",
        "activity_date": dt.date(2025, 9, 18), "participants": 23, "problems_solved": 4,
    },
    "mentoring_pairs": {
        "chain": "SEMI", "mentor_org": "某某微电子有限公司党委", "mentee_org": "某某电子有限公司党支部",
        "signed_date": dt.date(2025, 3, 1), "has_agreement": "是", "status": "active",
    },
    "enterprise_issues": {
        "chain": "EQUIP", "enterprise": "某某智能装备有限公司", "track": "resources",
        "summary": "新厂房用电增容", "received_date": dt.date(2025, 7, 2), "status": "resolved",
        "resolved_date": dt.date(2025, 8, 15), "satisfaction": "satisfied",
    },
}  # fmt: skip


def template_name(dataset: Dataset) -> str:
    return f"{dataset.name_zh}导入模板.xlsx"


def header_text(column: Column) -> str:
    """The contract's Chinese header as offices write it (full-width brackets)."""
    return column.header_zh.replace("(", "（").replace(")", "）")


def note(dataset: Dataset, column: Column) -> str:
    """The comment on a header cell: type, required or not, and the column's rules."""
    lines = [f"{header_text(column)}（{'必填' if column.required else '选填'}）"]
    if column.type == ENUM:
        labels = "、".join(zh for zh, _ in CODE_LISTS[column.code_list].values())
        lines.append(f"从下拉选择：{labels}")
    elif column.type == COUNT and column.minimum != 1:
        lines.append(f"不小于 {column.minimum} 的整数")
    else:
        lines.append(_TYPE_WORDS.get(column.type, "文本"))
    if column.key == dataset.id_column:
        lines.append("编号：同一文件中不可重复；同一编号再次报送时以新的一行为准")
    if column.refers_to:
        lines.append(f"填写{DATASETS[column.refers_to].name_zh}中已有的编号")
    if column.personal:
        lines.append("个人信息：入库时只保留脱敏形式，原件仅存档")
    extra = _CROSS_RULES.get((dataset.key, column.key))
    if extra:
        lines.append(extra)
    return "\n".join(lines)


def _example(dataset: Dataset, column: Column) -> object:
    if column.key == dataset.id_column:
        return EXAMPLE_MARK
    value = _EXAMPLES[dataset.key].get(column.key)
    if value is None:
        return None
    if column.type == ENUM:
        return CODE_LISTS[column.code_list][value][0]
    if column.type == CHAIN:
        return CHAIN_NAMES_ZH[value]
    return value


def write_template(dataset: Dataset, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / template_name(dataset)
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    try:
        _write(book, dataset)
    finally:
        book.close()
    return path


def _write(book: xlsxwriter.Workbook, dataset: Dataset) -> None:
    book.set_properties({"title": template_name(dataset), "created": dt.datetime(2025, 1, 1)})
    sheet = book.add_worksheet(dataset.name_zh)
    lists = book.add_worksheet(LISTS_SHEET)
    lists.hide()
    title = book.add_format({"bold": True, "font_size": 14, "align": "center"})
    head = book.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center", "text_wrap": True}
    )
    red = book.add_format({"bold": True, "font_color": "#C00000", "bg_color": "#DDEBF7"})
    example = book.add_format({"italic": True, "font_color": "#7F7F7F"})
    example_date = book.add_format(
        {"italic": True, "font_color": "#7F7F7F", "num_format": "yyyy-mm-dd"}
    )
    text = book.add_format({"num_format": "@"})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    columns = dataset.columns
    sheet.merge_range(
        0, 0, 0, len(columns) - 1,
        f"{dataset.name_zh}导入模板（请勿修改表头；带 * 为必填；第3行为示例，导入时跳过）",
        title,
    )  # fmt: skip
    sheet.set_row(1, 36)
    list_column = 0
    last = FIRST_DATA_ROW + DATA_ROWS - 1
    for c, column in enumerate(columns):
        label = header_text(column)
        if column.required:
            sheet.write_rich_string(1, c, red, "*", head, label, head)
        else:
            sheet.write_string(1, c, label, head)
        sheet.write_comment(1, c, note(dataset, column), {"x_scale": 2.2, "y_scale": 1.8})
        width = max(10, min(28, 2 * len(label) + 4))
        sheet.set_column(c, c, width, date if column.type == DATE else text)
        value = _example(dataset, column)
        if isinstance(value, dt.date):
            sheet.write_datetime(2, c, dt.datetime.combine(value, dt.time()), example_date)
        elif isinstance(value, int | float):
            sheet.write_number(2, c, value, example)
        elif value is not None:
            sheet.write_string(2, c, str(value), example)
        options = _validation(column)
        if column.type in (ENUM, CHAIN, BOOL):
            labels = _labels(column)
            name = xl_col_to_name(list_column)
            lists.write_string(0, list_column, header_text(column))
            for r, item in enumerate(labels, start=1):
                lists.write_string(r, list_column, item)
            options = {
                "validate": "list",
                "source": f"={LISTS_SHEET}!${name}$2:${name}${len(labels) + 1}",
                "error_message": f"请从下拉列表中选择：{'、'.join(labels)}"[:255],
            }
            list_column += 1
        if options:
            sheet.data_validation(
                FIRST_DATA_ROW, c, last, c,
                {"error_title": f"{label}填写有误", "input_title": label[:32], **options},
            )  # fmt: skip
    sheet.freeze_panes(2, 0)


def _labels(column: Column) -> list[str]:
    if column.type == CHAIN:
        return list(CHAIN_NAMES_ZH.values())
    if column.type == BOOL:
        return ["是", "否"]
    return [zh for zh, _ in CODE_LISTS[column.code_list].values()]


def _validation(column: Column) -> dict | None:
    if column.type == DATE:
        return {
            "validate": "date",
            "criteria": ">=",
            "value": dt.date(1990, 1, 1),
            "error_message": "请填写日期，如 2025-03-15",
        }
    if column.type == AMOUNT:
        return {
            "validate": "decimal",
            "criteria": ">=",
            "value": 0,
            "error_message": "请填写不小于 0 的数字（单位万元）",
        }
    if column.type == COUNT:
        return {
            "validate": "integer",
            "criteria": ">=",
            "value": column.minimum,
            "error_message": f"请填写不小于 {column.minimum} 的整数",
        }
    return None


def write_templates(which: str, out: Path) -> list[Path]:
    """`which`: an English key of inputs.md, or `all`."""
    if which == "all":
        return [write_template(dataset, out) for dataset in DATASETS.values()]
    if which not in DATASETS:
        raise UsageError(
            f"没有这个数据集 (unknown dataset) {which}：可选 {', '.join(DATASETS)} 或 all"
        )
    return [write_template(DATASETS[which], out)]

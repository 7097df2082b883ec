"""The catalogue of rule codes an ingest report can name, with the sentence an office reads.

The rules themselves live where they are checked: value parsing in `coerce.py` (plain code,
because "is this a real calendar date" is not an expectation GX can state), everything else as
Great Expectations suites in `expectations/`. This table only gives each code its words.
"""

RULES: dict[str, str] = {
    # value types (coerce.py)
    "invalid_date": "日期无法识别，应为 2025-03-15、2025/3/15、2025.3.15 或 2025年3月15日",
    "invalid_amount": "金额无法识别，应为数字（单位万元），如 1200 或 1,200.5",
    "invalid_count": "人数应为整数",
    "invalid_bool": "应填 是/否（或 Y/N、yes/no、true/false、1/0）",
    "too_long": "单元格内容过长",
    # expectations/ (Great Expectations suites)
    "required": "必填项为空",
    "not_in_code_list": "取值不在允许范围内",
    "negative_amount": "金额不能为负数",
    "count_below_one": "人数应为不小于 1 的整数",
    "negative_count": "应为不小于 0 的整数",
    "date_order": "日期先后顺序不对",
    "stage_needs_date": "该项目阶段必须填写对应日期",
    "status_needs_date": "该状态必须填写对应日期",
    "duplicate_key": "同一文件中编号重复（所有重复行均被拒收）",
    # warnings (row kept)
    "unresolved_reference": "引用的编号不存在（已保留该行）",
    # warnings: how a real-shaped ledger was read (real_ledgers.md)
    "unit_assumed": "金额列未注明单位（表头和单位行均无），按万元读取，请核对",
    "month_only_date": "日期只有年月（如 2025.8、2025年8月），按当月1日读取",
    "derived_key": "没有编号列：编号由名称生成",
    "duplicate_column": "重复的列，只读取第一列",
}


def message(rule: str) -> str:
    return RULES.get(rule, rule)

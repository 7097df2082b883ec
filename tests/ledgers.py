"""Write real ledger files the way offices do: csv in UTF-8/BOM/GB18030, xlsx with title rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import xlsxwriter

# One valid row per dataset, keyed by Chinese header. Tests change one cell to break one rule.
VALID: dict[str, dict[str, str]] = {
    "projects": {
        "项目编号": "P001", "项目名称": "储能电池项目", "所属产业链": "新能源", "项目类型": "补链",
        "链条环节": "中游", "对应缺口编号": "", "投资主体": "某某新能源有限公司", "来源地": "深圳",
        "招商方式": "以商招商", "计划总投资（万元）": "12,000", "到位资金（万元）": "300",
        "项目阶段": "签约", "签约日期": "2025-03-15", "开工日期": "", "投产日期": "",
        "是否头部企业": "是", "线索编号": "",
    },
    "chain_gaps": {
        "缺口编号": "G001", "所属产业链": "新材料", "链条环节": "上游", "缺失环节": "高纯石英砂",
        "优先级": "高", "识别日期": "2024-05-01", "状态": "未补", "补齐日期": "",
    },
    "leads": {
        "线索编号": "L001", "企业名称": "某某半导体公司", "所属产业链": "半导体", "招商方式": "基金招商",
        "来源城市": "上海", "首次接洽日期": "2025-01-10", "线索状态": "跟进中", "转化日期": "",
        "转化项目编号": "", "意向投资（万元）": "5000",
    },
    "talent_catalogue": {
        "岗位编号": "T001", "所属产业链": "先进装备制造", "用人单位": "某某装备公司",
        "岗位名称": "机器人算法工程师", "专业方向": "控制工程", "学历要求": "博士", "需求人数": "3",
        "发布日期": "2025-02-01",
    },
    "talent_hires": {
        "引进编号": "H001", "姓名": "欧阳明月", "身份证号": "11010519491231002X",
        "联系电话": "13912345678", "学历": "博士", "人才层次": "高层次", "所属产业链": "新能源",
        "用人单位": "某某新能源有限公司", "引进日期": "2025-04-01", "引才方式": "招聘会",
        "是否回引本土人才": "否", "对应岗位编号": "",
    },
    "leader_projects": {
        "项目编号": "LP001", "项目名称": "高效光伏电池关键技术", "项目级别": "省级",
        "所属产业链": "新能源", "承担单位": "某某新能源有限公司", "立项日期": "2025-06-30",
    },
}  # fmt: skip

KEY_HEADER = {
    "projects": "项目编号",
    "chain_gaps": "缺口编号",
    "leads": "线索编号",
    "talent_catalogue": "岗位编号",
    "talent_hires": "引进编号",
    "leader_projects": "项目编号",
}


def rows_of(
    dataset: str, *changes: dict[str, str], count: int | None = None
) -> list[dict[str, str]]:
    """Valid rows with distinct keys, each updated by the matching change dict."""
    n = count if count is not None else max(1, len(changes))
    rows = []
    for i in range(n):
        row = dict(VALID[dataset])
        row[KEY_HEADER[dataset]] = f"{row[KEY_HEADER[dataset]][:-3]}{i + 1:03d}"
        if i < len(changes):
            row.update(changes[i])
        rows.append(row)
    return rows


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    *,
    encoding: str = "utf-8",
    title: str | None = None,
    headers: list[str] | None = None,
) -> Path:
    headers = headers or list(rows[0])
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    if title:
        writer.writerow([title])
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(
    path: Path,
    rows: list[dict[str, object]],
    *,
    title_rows: list[str] = (),
    blank_rows_after_title: int = 0,
    headers: list[str] | None = None,
) -> Path:
    """A first sheet with title rows (merged across the header), then the header and rows.
    Values that are dates are written as real Excel date cells."""
    headers = headers or list(rows[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(
        str(path),
        {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    sheet = workbook.add_worksheet("台账")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    r = 0
    for title in title_rows:
        sheet.merge_range(r, 0, r, max(1, len(headers) - 1), title)
        r += 1
    r += blank_rows_after_title
    for c, header in enumerate(headers):
        sheet.write_string(r, c, header)
    for row in rows:
        r += 1
        for c, header in enumerate(headers):
            value = row.get(header, "")
            if isinstance(value, dt.datetime | dt.date):
                value = (
                    value
                    if isinstance(value, dt.datetime)
                    else dt.datetime.combine(value, dt.time())
                )
                sheet.write_datetime(r, c, value, date_format)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(r, c, value)
            elif value == "":
                continue
            else:
                sheet.write_string(r, c, str(value))
    workbook.close()
    return path

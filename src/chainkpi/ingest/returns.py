"""`kpi ingest --returns DIR`: a file back to fix (退回修改, handing_in.md).

For every handed-in file with rejected rows or rejected whole, `DIR/{stem}_退回修改.xlsx`:

- `需修改的行`: one row per rejected row — `原行号` (and `工作表` for a workbook of several),
  every column of the dataset as handed in (personal columns masked as in the warehouse),
  then `问题说明`: every broken rule of the row in plain Chinese. The offending cells are
  filled red and carry a comment with the rule.
- `整体问题`: the reasons a file was refused whole, and what to do.

Every value is written as text (XlsxWriter with formulas and URLs off): a ledger cell is
hostile text and stays text.
"""

from __future__ import annotations

import re
from pathlib import Path

import xlsxwriter

from chainkpi.ingest.schema import DATASETS

SUFFIX = "_退回修改.xlsx"
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_WHAT_TO_DO = {
    "不支持的文件格式": "请在 Excel 或 WPS 中“另存为” Excel 工作簿 (.xlsx) 后重新报送。",
    "表头缺少必填列": "请使用区里下发的导入模板（kpi template），或补齐缺少的列后重新报送。",
    "无法从文件名识别数据集": "请按“数据集中文名+期间”命名文件，如 新能源产业链项目储备库2025年9月.xlsx。",
    "单位": "请把金额折算为人民币万元（或在表头注明亿元、元）后重新报送。",
}


def return_name(file_name: str) -> str:
    """The 退回修改 file's name: the original stem, never a path."""
    stem = Path(_UNSAFE.sub("_", file_name)).stem or "ledger"
    return stem[:120] + SUFFIX


def write_returns(reports: list, out: Path) -> list[Path]:
    """One 退回修改 workbook per report with rejected rows or rejected whole."""
    written: list[Path] = []
    for report in reports:
        if report.status == "rejected" or report.returned_rows:
            out.mkdir(parents=True, exist_ok=True)
            written.append(write_return(report, out / return_name(report.file)))
    return written


def write_return(report, path: Path) -> Path:
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    try:
        head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        bad = book.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "border": 1})
        plain = book.add_format({"border": 1})
        wrap = book.add_format({"border": 1, "text_wrap": True})
        if report.returned_rows:
            _rows_sheet(book, report, head, bad, plain, wrap)
        if report.status == "rejected":
            _whole_sheet(book, report, head, wrap)
    finally:
        book.close()
    return path


def _rows_sheet(book, report, head, bad, plain, wrap) -> None:
    dataset = DATASETS[report.dataset]
    sheet = book.add_worksheet("需修改的行")
    with_sheet = any(r.get("sheet") for r in report.returned_rows)
    headers = ["原行号", *(["工作表"] if with_sheet else [])]
    first_column = len(headers)
    headers += [c.header_zh for c in dataset.columns] + ["问题说明"]
    for c, text in enumerate(headers):
        sheet.write_string(0, c, text, head)
    for r, row in enumerate(report.returned_rows, start=1):
        sheet.write_number(r, 0, row["row"], plain)
        if with_sheet:
            sheet.write_string(r, 1, row.get("sheet") or "", plain)
        problems = row["problems"]  # column key -> [messages]
        for c, column in enumerate(dataset.columns, start=first_column):
            value = row["cells"].get(column.key)
            cell_format = bad if column.key in problems else plain
            sheet.write_string(r, c, "" if value is None else str(value), cell_format)
            if column.key in problems:
                sheet.write_comment(r, c, "；".join(problems[column.key]))
        explained = "；".join(
            f"{dataset.column(key).header_zh}：{message}"
            for key, messages in problems.items()
            for message in messages
        )
        sheet.write_string(r, len(headers) - 1, explained, wrap)
    sheet.freeze_panes(1, first_column)
    sheet.set_column(0, len(headers) - 2, 14)
    sheet.set_column(len(headers) - 1, len(headers) - 1, 60)
    sheet.autofilter(0, 0, len(report.returned_rows), len(headers) - 1)


def _whole_sheet(book, report, head, wrap) -> None:
    sheet = book.add_worksheet("整体问题")
    sheet.write_string(0, 0, "问题", head)
    sheet.write_string(0, 1, "怎么办", head)
    for r, error in enumerate(report.errors, start=1):
        sheet.write_string(r, 0, error, wrap)
        todo = next((advice for key, advice in _WHAT_TO_DO.items() if key in error), "")
        sheet.write_string(r, 1, todo or "请核对文件后重新报送。", wrap)
    sheet.set_column(0, 0, 70)
    sheet.set_column(1, 1, 50)

"""Write ledgers the way offices keep them (real_ledgers.md): .xls as WPS saves it (xlwt),
.xlsx with merged cells (openpyxl), GBK csv — from a plain description of rows and merges.

A sheet is its name, its rows (lists of cells: text, numbers, dates; None for empty) and its
merged ranges as (first row, first column, last row, last column), 0-based. A merged range
holds its value in its top-left cell only, as Excel and WPS store it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Sheet:
    name: str
    rows: list[list[object]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    hidden: bool = False


def write_book(path: Path, sheets: list[Sheet]) -> Path:
    """An .xls, .xlsx or .csv (GBK, first sheet only) by the path's suffix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".xls":
        _write_xls(path, sheets)
    elif suffix == ".xlsx":
        _write_xlsx(path, sheets)
    elif suffix == ".csv":
        write_gbk_csv(path, sheets[0].rows)
    else:
        path.write_bytes(b"\xd0\xcf\x11\xe0 not a ledger this tool reads")
    return path


def write_gbk_csv(path: Path, rows: list[list[object]], encoding: str = "gbk") -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _covered(sheet: Sheet) -> set[tuple[int, int]]:
    """Cells covered by a merged range other than its top-left one (left empty)."""
    return {
        (r, c)
        for r0, c0, r1, c1 in sheet.merges
        for r in range(r0, r1 + 1)
        for c in range(c0, c1 + 1)
        if (r, c) != (r0, c0)
    }


def _write_xls(path: Path, sheets: list[Sheet]) -> None:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for sheet in sheets:
        ws = book.add_sheet(sheet.name, cell_overwrite_ok=True)
        if sheet.hidden:
            ws.visibility = 1
        covered = _covered(sheet)
        for r, row in enumerate(sheet.rows):
            for c, value in enumerate(row):
                if value is None or (r, c) in covered:
                    continue
                if isinstance(value, dt.date):
                    ws.write(r, c, value, date_style)
                else:
                    ws.write(r, c, value)
        for r0, c0, r1, c1 in sheet.merges:
            ws.merge(r0, r1, c0, c1)
    book.save(str(path))


def _write_xlsx(path: Path, sheets: list[Sheet]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(sheet.name)
        if sheet.hidden:
            ws.sheet_state = "hidden"
        covered = _covered(sheet)
        for r, row in enumerate(sheet.rows):
            for c, value in enumerate(row):
                if value is None or (r, c) in covered:
                    continue
                cell = ws.cell(row=r + 1, column=c + 1, value=value)
                if isinstance(value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
        for r0, c0, r1, c1 in sheet.merges:
            ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
    book.save(str(path))


# --------------------------------------------------------------------------- the spec's ledger

TITLE = "南澳区新能源产业链“双招双引”项目储备库（2025年9月）"
PREPARER, PREPARER_PHONE = "王小明", "13912345678"
CONTACTS = (("王工", "13800001111"), ("李工", "13800002222"), ("赵工", "13800003333"))
# The header block of the spec's example: two rows, 项目业主单位 over 联系人 | 联系电话.
HEADER_TOP = [
    "序号", "项目名称", "项目类型", "投资方", "总投资", "项目进展", "签约时间", "开工时间",
    "项目业主单位", None, "备注",
]  # fmt: skip
HEADER_BOTTOM = [None] * 8 + ["联系人", "联系电话", None]
WIDTH = len(HEADER_TOP)


def project_rows(month: int = 9) -> list[list[object]]:
    """Three projects as the spec's office writes them (amounts in 亿元)."""
    return [
        [1, "★华普储能电池项目", "建链", "华普储能股份有限公司", 12.5, "在建", "2025.7",
         "2025年8月", *CONTACTS[0], None],
        [2, "锂电 正极材料项目", "延链", "宁远锂电有限公司", "5.4583", "已签约", "2025年8月",
         None, *CONTACTS[1], "重点"],
        [3, "氢能电堆项目", "补链", "氢源科技有限公司", 20,
         "在谈" if month == 9 else "已签约", None if month == 9 else "2025-10-20",
         None, *CONTACTS[2], None],
    ]  # fmt: skip


def spec_ledger(
    unit: str = "单位：亿元",
    month: int = 9,
    rows: list[list[object]] | None = None,
    group_merged: bool = True,
) -> Sheet:
    """The ledger drawn in real_ledgers.md: merged title, unit row, two-row grouped header,
    subtotal, section heading, records, a note and a footer with a name and a phone."""
    rows = project_rows(month) if rows is None else rows
    top = [TITLE, *[None] * (WIDTH - 1)]
    unit_row = ["填报单位：新能源产业链链长办公室", *[None] * (WIDTH - 3), unit, None]
    total = sum(float(r[4]) for r in rows)
    subtotal = ["合计", f"{len(rows)}个", None, None, total, *[None] * (WIDTH - 5)]
    section = ["一、建链延链项目", *[None] * (WIDTH - 1)]
    note = ["注：1.项目进展填写在谈、已签约、在建、已投产。", *[None] * (WIDTH - 1)]
    footer = [
        f"填报人：{PREPARER}    联系电话：{PREPARER_PHONE}    填报日期：2025年10月8日",
        *[None] * (WIDTH - 1),
    ]
    body = [top, unit_row, HEADER_TOP, HEADER_BOTTOM, subtotal, section, *rows, note, footer]
    merges = [(0, 0, 0, WIDTH - 1), (5, 0, 5, WIDTH - 1)]
    if group_merged:  # else the group cell sits over its first sub-column only
        merges.append((2, 8, 2, 9))
    merges += [(2, c, 3, c) for c in (*range(8), 10)]
    merges += [(6 + len(rows), 0, 6 + len(rows), WIDTH - 1), (7 + len(rows), 0, 7 + len(rows), 9)]
    return Sheet("Sheet1", body, merges)

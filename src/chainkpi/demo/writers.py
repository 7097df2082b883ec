"""The writers: a planned file's records turned into cells the way its office types them
(`Style`), then written as CSV or xlsx in the clean shape, or handed to shapes.py for a real
shape (xls, a workbook of sheets, GB18030 CSV in 亿元). They say which rows are the planted
bad ones, as a person would find them (sheet and row, or CSV line)."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import xlsxwriter

from chainkpi.demo import shapes
from chainkpi.demo.district import CATALOGUE_BY_CHAIN, CHAIN_CODES, DISTRICT
from chainkpi.demo.plan import Plan, Style
from chainkpi.demo.words import CONTACTS, PREPARERS
from chainkpi.ingest.schema import (
    AMOUNT,
    BOOL,
    CHAIN,
    CHAIN_NAMES_ZH,
    CHAINS,
    CODE_LISTS,
    COUNT,
    DATASETS,
    DATE,
    ENUM,
    Column,
)

_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


class Raw(str):
    """A cell written exactly as given: how bad rows carry values that break a rule."""


class _Cells:
    """Turns stored values (codes, dates, floats) into cells the way one office types them."""

    def __init__(self, style: Style, rng: random.Random) -> None:
        self.style, self.rng = style, rng
        self.xlsx = style.kind == "xlsx"

    def missing(self) -> str:
        return self.rng.choice(self.style.missing)

    def cell(self, column: Column, value: object) -> object:
        if value is None:
            return self.missing()
        if isinstance(value, Raw):
            return str(value)
        kind = column.type
        if kind == DATE:
            return self.date(value)  # type: ignore[arg-type]
        if kind == AMOUNT:
            return self.amount(value)  # type: ignore[arg-type]
        if kind == COUNT:
            return value if self.xlsx else str(value)
        if kind == BOOL:
            return self.style.bools[0 if value else 1]
        if kind == CHAIN:
            return self.chain(str(value))
        if kind == ENUM:
            chinese, english = CODE_LISTS[column.code_list or ""][str(value)]
            return english if self.rng.random() < self.style.english_enums else chinese
        return value

    def date(self, day: date) -> object:
        style = self.style.dates
        if style == "cell" and self.xlsx:
            return day
        if style == "slash":
            text = f"{day.year}/{day.month}/{day.day}"
        elif style == "cn":
            text = f"{day.year}年{day.month}月{day.day}日"
        elif style == "iso_time":
            text = f"{day.isoformat()} 00:00:00"
        else:
            text = day.isoformat()
        if self.style.fullwidth_digits and self.rng.random() < self.style.fullwidth_digits:
            text = text[:4].translate(_FULLWIDTH) + text[4:]
        return text

    def amount(self, value: float) -> object:
        if self.style.amounts == "number" and self.xlsx:
            return value
        text = f"{value:,.2f}" if self.style.amounts == "thousands" else f"{value:.2f}"
        return text.rstrip("0").rstrip(".")

    def chain(self, code: str) -> str:
        if self.style.chains == "code":
            return code
        if self.style.chains == "alias" and self.rng.random() < 0.25:
            return self.rng.choice((*CHAINS[code], code))
        return CHAIN_NAMES_ZH[code]


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    dataset: str
    format: str
    rows: int
    shape: str | None = None  # the real shape it is laid out in (SHAPES), None: clean
    # The month whose state it holds (`2025-09`): monthly ledgers their month, the year's
    # ledgers and lists as of `as_of` the as-of month. `kpi demo` ingests month by month.
    period: str = ""


@dataclass(frozen=True)
class PlantedRow:
    file: str
    row: int  # as a person sees it: spreadsheet row or CSV line
    rule: str
    sheet: str | None = None  # the worksheet, in a workbook (xlsx, xls); None in a CSV


def _headers(plan: Plan) -> tuple[list[str], list[Column | None]]:
    """Header texts and the columns under them (None for 序号/备注, which are not contract)."""
    columns: list[Column | None] = list(DATASETS[plan.dataset].columns)
    if plan.style.chain_first:
        columns.sort(key=lambda c: c is None or c.key != "chain")  # stable: chain moves first
    if plan.style.extra_columns:
        columns = [None, *columns, None]
    texts = []
    for i, column in enumerate(columns):
        if column is None:
            texts.append("序号" if i == 0 else "备注")
        elif plan.style.english_headers:
            texts.append(column.key)
        elif plan.style.fullwidth_brackets:
            texts.append(column.header_zh.replace("(", "（").replace(")", "）"))
        else:
            texts.append(column.header_zh)
    return texts, columns


def _cells(plan: Plan, seed: int) -> tuple[list[str], list[list[object]]]:
    texts, columns = _headers(plan)
    cells = _Cells(plan.style, random.Random(f"{seed}:file:{plan.name}"))
    rows = []
    for n, record in enumerate(plan.records, start=1):
        row: list[object] = []
        for i, column in enumerate(columns):
            if column is None:
                row.append(n if i == 0 else record.get("_remark", ""))
            else:
                row.append(cells.cell(column, record.get(column.key)))
        rows.append(row)
    return texts, rows


def _header_row(plan: Plan) -> int:
    """1-based row (or CSV line) of the header, as the writers lay the file out."""
    style = plan.style
    if style.kind == "csv":
        return 2 if style.title else 1
    return 1 + int(style.title) + int(style.note) + int(style.blank_row)


def _write_csv(path: Path, plan: Plan, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", encoding=plan.style.encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")  # as Excel saves CSV
        if plan.style.title:
            writer.writerow([plan.title] + [""] * (len(header) - 1))
        writer.writerow(header)
        writer.writerows(rows)


def _write_xlsx(path: Path, plan: Plan, header: list[str], rows: list[list[object]]) -> None:
    workbook = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    # Fixed properties: the creation time otherwise makes every run's bytes differ.
    workbook.set_properties(
        {
            "title": plan.title,
            "author": plan.author,
            "company": DISTRICT,
            "created": datetime.combine(plan.as_of, time(9, 0)),
        }
    )
    sheet = workbook.add_worksheet(DATASETS[plan.dataset].name_zh)
    title = workbook.add_format({"bold": True, "font_size": 14, "align": "center"})
    bold = workbook.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    money = workbook.add_format({"num_format": "#,##0.00"})
    last = len(header) - 1
    r = 0
    if plan.style.title:
        sheet.merge_range(0, 0, 0, last, plan.title, title)
        r += 1
    if plan.style.note:
        sheet.merge_range(
            r, 0, r, last, f"填报单位：{plan.author}　　填报日期：{plan.as_of:%Y年%m月%d日}"
        )
        r += 1
    r += int(plan.style.blank_row)
    sheet.write_row(r, 0, header, bold)
    sheet.freeze_panes(r + 1, 0)
    sheet.set_column(0, last, 14)
    for row in rows:
        r += 1
        for c, value in enumerate(row):
            if value == "" or value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(r, c, value)
            elif isinstance(value, date):
                sheet.write_datetime(r, c, datetime.combine(value, time()), day)
            elif isinstance(value, float):
                sheet.write_number(r, c, value, money)
            else:
                sheet.write_number(r, c, value)  # type: ignore[arg-type]
    workbook.close()


def write(
    out_dir: Path, plan: Plan, seed: int
) -> tuple[WrittenFile, list[PlantedRow], set[tuple[str, str]]]:
    path = out_dir / plan.name
    if plan.shape:
        return _write_shaped(path, plan, seed)
    header, rows = _cells(plan, seed)
    (_write_xlsx if plan.style.kind == "xlsx" else _write_csv)(path, plan, header, rows)
    first = _header_row(plan) + 1
    sheet = DATASETS[plan.dataset].name_zh if plan.style.kind == "xlsx" else None
    planted = [
        PlantedRow(plan.name, first + i, plan.bad[id(record)], sheet)
        for i, record in enumerate(plan.records)
        if id(record) in plan.bad
    ]
    written = WrittenFile(path, plan.dataset, plan.style.label, len(rows), period=plan.period)
    return written, planted, set()


# shape -> the builder of its layout, from (plan, the file's random draws, its preparer).
SHAPES = {
    "wps_projects": shapes.wps_projects,
    "catalogue_by_chain": lambda plan, rng, preparer: shapes.catalogue_by_chain(
        plan, rng, preparer, CATALOGUE_BY_CHAIN
    ),
    "leaders_by_chain": lambda plan, rng, preparer: shapes.leaders_by_chain(
        plan, rng, preparer, CHAIN_CODES
    ),
    "leads_in_yi": shapes.leads_in_yi,
}


def _preparer(author: str) -> tuple[str, str]:
    """Who fills in an office's ledgers: the same person every time."""
    return random.Random(f"preparer:{author}").choice(PREPARERS)


def _write_shaped(
    path: Path, plan: Plan, seed: int
) -> tuple[WrittenFile, list[PlantedRow], set[tuple[str, str]]]:
    rng = random.Random(f"{seed}:file:{plan.name}")
    book = SHAPES[str(plan.shape)](plan, rng, _preparer(plan.author))
    label = shapes.write(path, book, plan.style.encoding)
    workbook = path.suffix.lower() != ".csv"
    planted = [
        PlantedRow(plan.name, sheet.at[id(record)] + 1, plan.bad[id(record)], sheet.name)
        if workbook
        else PlantedRow(plan.name, sheet.at[id(record)] + 1, plan.bad[id(record)])
        for sheet in book.sheets
        for record in plan.records
        if id(record) in plan.bad and id(record) in sheet.at
    ]
    rows = sum(len(sheet.at) for sheet in book.sheets)
    assert rows == len(plan.records), (plan.name, rows, len(plan.records))
    written = WrittenFile(path, plan.dataset, label, rows, plan.shape, plan.period)
    return written, planted, _contacts(book)


def _contacts(book: shapes.Book) -> set[tuple[str, str]]:
    """The people of CONTACTS whose name or phone a layout carries (footers, contact columns)."""
    cells = " ".join(str(v) for sheet in book.sheets for row in sheet.rows for v in row if v)
    return {person for person in CONTACTS if person[0] in cells or person[1] in cells}

"""`target_tracking_{Y}Q{q}.xlsx`: the report that goes up the hierarchy.

Sheets: 汇总 (every KPI × chain: YTD, target, coloured status), one sheet per chain, 产业链缺口
(open gaps), 项目阶段 (chain × stage), 项目清单, 数据质量 (files ingested), 拒收明细 (rejected
rows per file and rule) — the last two in the district's export only, never a chain's. Each
sheet opens with the period and when the warehouse was built, has its header frozen, columns
sized to their content (CJK characters count double), numbers as numbers, dates as dates,
percentages with a % format.

Ledger text is hostile: every text cell is written with write_string (never a formula, a URL
or a number guessed from text), so `=HYPERLINK(…)`, `+1`, `@cmd` and `44030519900101123X` stay
exactly the text they were. The marts hold no personal data in clear and nothing here joins
any: hires appear only as counts.

The two long listings (项目清单, 产业链缺口) are described column by column (`_Column`) and
written cell by cell through XlsxWriter when short, vectorised when long (xlsx_listing: SQL
over the listing's table in the export's in-memory DuckDB, texts always as text too): the
same cells, formats and widths either way.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from chainkpi.export import labels as L
from chainkpi.export import xlsx_listing
from chainkpi.export.csv_export import plain_number
from chainkpi.export.queries import ExportData, Listing, Row

STAGES = ("reserve", "negotiating", "signed", "started", "producing", "dropped")

HEADER_FILL = "#1F4E78"
BORDER_COLOUR = "#BFBFBF"
TOTAL_FILL = "#F2F2F2"
MIN_WIDTH, MAX_WIDTH = 6, 48
FIRST_TABLE_ROW = 4  # title, build line, note, blank; then the header
ROW_HEIGHT = 18  # every row but the title and the header
# A listing this long is written vectorised (xlsx_listing). That costs some 80 ms whatever
# its length (a dozen queries to plan and run), XlsxWriter some 15 µs a cell: shorter
# listings are cheaper cell by cell.
VECTORISE_FROM = 400


def display_width(value: str) -> int:
    """Columns a text takes in Excel: CJK (wide and full-width) characters count as two.
    (The first wide character is U+1100; Python's table calls a few unassigned code points
    below U+0800 wide too, which no text shows: they count one, so that a wide character
    always takes three or four bytes in UTF-8, which xlsx_listing's bound counts on.)"""
    if value.isascii():
        return len(value)
    eaw = unicodedata.east_asian_width
    return sum(2 if ch >= "\u0800" and eaw(ch) in "WF" else 1 for ch in value)


def _number_width(kind: str, low: object, high: object) -> int:
    """Columns the widest of the numbers from low to high takes, shown with thousands
    separators: the longer of the two ends (a minus sign counts)."""

    def shown(number: object) -> int:
        number = float(number) if isinstance(number, Decimal) else number
        return len(f"{number:,.0f}" if kind == "int" else f"{number:,.2f}")

    if low is None:
        return 0
    return max(shown(low), shown(high)) + (1 if kind == "pct" else 0)


def write_text(ws, row: int, col: int, text: str, fmt) -> None:
    """A ledger's text as text: never a formula, URL or number (write_string). XlsxWriter
    takes a text that starts with `<r>` and ends with `</r>` for rich-string XML of its own
    and writes it unescaped (`<r>a & b</r>` then breaks the file): such a text goes as a rich
    string of plain runs (it needs three), which XlsxWriter escapes; the cell holds the same text."""
    if text.startswith("<r>") and text.endswith("</r>"):
        ws.write_rich_string(row, col, text[:1], text[1:3], text[3:], fmt)
    else:
        ws.write_string(row, col, text, fmt)


class _Formats:
    """One xlsxwriter Format per distinct set of properties (the workbook keeps them all)."""

    def __init__(self, workbook: xlsxwriter.Workbook):
        self.workbook = workbook
        self.cache: dict[tuple, object] = {}
        # cell() by its arguments as given: a sheet asks for the same few formats per cell.
        self.cells: dict[tuple, object] = {}

    def get(self, **props: object):
        key = tuple(sorted(props.items()))
        if key not in self.cache:
            self.cache[key] = self.workbook.add_format(props)
        return self.cache[key]

    def cell(self, num_format: str | None = None, **props: object):
        key = (num_format, *props.items())
        found = self.cells.get(key)
        if found is None:
            found = self.cells[key] = self._cell(num_format, **props)
        return found

    def _cell(self, num_format: str | None = None, **props: object):
        base = {"border": 1, "border_color": BORDER_COLOUR, "valign": "vcenter"}
        if num_format:
            base["num_format"] = num_format
        base.update(props)
        return self.get(**base)


@dataclass(frozen=True)
class _Column:
    """A column of a long listing: the field it shows and how."""

    key: str  # the listing's field
    kind: str = "text"  # "text", "date" or one of NUMBER_KINDS
    # The text a value shows as (a code's label, a flag's word); None: the value itself.
    label: Callable[[object], object] | None = None
    # The cell format's properties for a value (text columns); None: `props` for every cell.
    style: Callable[[object], dict] | None = None
    props: dict = field(default_factory=dict)


NUMBER_KINDS = ("int", "amount", "decimal", "pct")
NUM_FORMATS = {
    "int": "#,##0",
    "amount": "#,##0.00",
    "decimal": "#,##0.00",
    "pct": "0.0%",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}


class _Sheet:
    """A worksheet with a title block, a frozen header and columns as wide as their content."""

    def __init__(self, book: _Book, name: str, title: str, note: str | None = None):
        self.book = book
        self.ws: Worksheet = book.workbook.add_worksheet(name)
        self.widths: dict[int, int] = defaultdict(lambda: MIN_WIDTH)
        fmt = book.formats
        self.ws.write_string(0, 0, title, fmt.get(bold=True, font_size=14))
        self.ws.set_row(0, 24)
        self.ws.write_string(1, 0, book.build_line, fmt.get(font_color="#595959", italic=True))
        if note:
            self.ws.write_string(2, 0, note, fmt.get(font_color="#595959"))
        self.ws.hide_gridlines(2)
        self.ws.set_landscape()
        self.ws.set_paper(9)  # A4
        self.ws.fit_to_pages(1, 0)
        self.ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
        self.ws.set_footer("&C&P / &N")

    def _fit(self, col: int, width: int) -> None:
        if width + 2 > self.widths[col]:
            self.widths[col] = min(MAX_WIDTH, width + 2)

    def _full(self, col: int) -> bool:
        """The column is as wide as it may get: no need to measure more of its cells."""
        return self.widths[col] >= MAX_WIDTH

    def header(self, row: int, col: int, label: str, last_col: int | None = None) -> None:
        fmt = self.book.formats.cell(
            bold=True, font_color="#FFFFFF", bg_color=HEADER_FILL, align="center", text_wrap=True
        )
        if last_col is not None and last_col > col:
            self.ws.merge_range(row, col, row, last_col, label, fmt)
            return
        self.ws.write_string(row, col, label, fmt)
        self._fit(col, display_width(label))

    def text(self, row: int, col: int, value: object, **props: object) -> None:
        fmt = self.book.formats.cell(**props)
        if value is None or value == "":
            self.ws.write_blank(row, col, None, fmt)
            return
        value = str(value)
        write_text(self.ws, row, col, value, fmt)
        # A text is at most twice its length wide: measure only one that could widen the column.
        if 2 * len(value) + 2 > self.widths[col] and not self._full(col):
            self._fit(col, display_width(value))

    def number(self, row: int, col: int, value: object, kind: str, **props: object) -> None:
        num_format = props.pop("num_format", NUM_FORMATS[kind])
        fmt = self.book.formats.cell(num_format, **props)
        if value is None:
            self.ws.write_blank(row, col, None, fmt)
            return
        number = float(value) if isinstance(value, Decimal) else value
        self.ws.write_number(row, col, number, fmt)
        shown = f"{number:,.0f}" if kind == "int" else f"{number:,.2f}"
        self._fit(col, len(shown) + (1 if kind == "pct" else 0))

    def date(self, row: int, col: int, value: dt.date | None, **props: object) -> None:
        kind = "datetime" if isinstance(value, dt.datetime) else "date"
        fmt = self.book.formats.cell(NUM_FORMATS[kind], align="center", **props)
        if value is None:
            self.ws.write_blank(row, col, None, fmt)
            return
        if not isinstance(value, dt.datetime):
            value = dt.datetime.combine(value, dt.time())
        self.ws.write_datetime(row, col, value, fmt)
        self._fit(col, len(NUM_FORMATS[kind]))

    def status(self, row: int, col: int, status: str) -> None:
        fill, font = L.STATUS_COLOURS[status]
        fmt = self.book.formats.cell(bg_color=fill, font_color=font, align="center", bold=True)
        word = L.status_word(status, self.book.lang)
        self.ws.write_string(row, col, word, fmt)
        self._fit(col, display_width(word))

    # The long listings: one format per column (or per value, for a flag), the width
    # measured once per column.

    def listing(self, first_row: int, listing: Listing, columns: Sequence[_Column], *,
                blanks: bool) -> None:  # fmt: skip
        """The listing's rows from first_row on, column c of the sheet showing columns[c].
        An empty cell (None, or '' in a text column) is a formatted blank when `blanks`, else
        not written at all (`borders` draws the table's grid over it). A long listing is
        written vectorised (xlsx_listing), a short one cell by cell."""
        if len(listing) < self.book.vectorise_from:
            placed = list(enumerate(listing.rows(), start=first_row))
            for col, column in enumerate(columns):
                self._listing_column(col, column, placed, blanks)
            return
        table = xlsx_listing.ListingTable(listing.con, listing.table)
        by_value = [c.key for c in columns if c.label or c.style]
        measures = table.measure(
            distinct=by_value,
            text_widths=[c.key for c in columns if c.kind == "text" and c.key not in by_value],
            ranges=[c.key for c in columns if c.kind in NUMBER_KINDS],
            present=[c.key for c in columns if c.kind == "date"],
            width=display_width,
            enough=MAX_WIDTH,
        )
        cells = [self._vector_column(col, column, measures) for col, column in enumerate(columns)]
        above = (0, len(columns) - 1)  # the header spans every column of the listing
        sheet_listing = xlsx_listing.SheetListing(
            table, cells, first_row, blanks, row_height=ROW_HEIGHT, above=above
        )
        # XlsxWriter numbers a format as it writes the first cell with it: a blank cell with
        # each, where the listing's rows go in their place (Book.close).
        for row, col, fmt in sheet_listing.anchors():
            self.ws.write_blank(row, col, None, fmt)
        self.book.listings[self.ws] = sheet_listing

    def _column_format(self, column: _Column, value: object):
        props = column.style(value) if column.style else column.props
        if column.kind == "text":
            return self.book.formats.cell(**props)
        if column.kind == "date":
            return self.book.formats.cell(NUM_FORMATS["date"], align="center", **props)
        return self.book.formats.cell(NUM_FORMATS[column.kind], **props)

    def _listing_column(self, col: int, column: _Column, placed: list[tuple[int, Row]],
                        blanks: bool) -> None:  # fmt: skip
        """One column of a short listing, cell by cell through XlsxWriter: placed holds each
        (sheet row, record)."""
        ws, key = self.ws, column.key
        if column.kind == "text":
            texts = set()
            for row, record in placed:
                value = record[key]
                fmt = self._column_format(column, value)
                shown = column.label(value) if column.label else value
                if shown is None or shown == "":
                    if blanks:
                        ws.write_blank(row, col, None, fmt)
                    continue
                shown = str(shown)
                write_text(ws, row, col, shown, fmt)
                texts.add(shown)
            self._fit(col, max(map(display_width, texts), default=0))
            return
        present = []
        for row, record in placed:
            value = record[key]
            fmt = self._column_format(column, value)
            if value is None:
                if blanks:
                    ws.write_blank(row, col, None, fmt)
                continue
            present.append(value)
            if column.kind == "date":
                ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), fmt)
            else:
                ws.write_number(row, col, float(value) if isinstance(value, Decimal) else value,
                                fmt)  # fmt: skip
        if column.kind == "date":
            if present:
                self._fit(col, len(NUM_FORMATS["date"]))
        elif present:
            self._fit(col, _number_width(column.kind, min(present), max(present)))

    def _vector_column(self, col: int, column: _Column,
                       measures: xlsx_listing.Measures) -> xlsx_listing.Column:  # fmt: skip
        """One column of a long listing for xlsx_listing: its format, or one per distinct
        value with the text it shows; its width."""
        key = column.key
        if key in measures.distinct:
            if column.kind != "text":
                raise ValueError(f"labels and formats by value are for text columns ({key})")
            lookup = []
            for value, _ in measures.distinct[key]:
                shown = column.label(value) if column.label else value
                shown = None if shown is None or shown == "" else str(shown)
                lookup.append((value, shown, self._column_format(column, value)))
            shown = {s for _, s, _ in lookup if s is not None}
            self._fit(col, max(map(display_width, shown), default=0))
            return xlsx_listing.Column(col, "text", key, lookup=lookup)
        fmt = self._column_format(column, None)
        if column.kind == "text":
            self._fit(col, measures.text_widths[key])
            return xlsx_listing.Column(col, "text", key, fmt)
        if column.kind == "date":
            if measures.present[key]:
                self._fit(col, len(NUM_FORMATS["date"]))
            return xlsx_listing.Column(col, "date", key, fmt)
        self._fit(col, _number_width(column.kind, *measures.ranges[key]))
        return xlsx_listing.Column(col, "number", key, fmt)

    def borders(self, first_row: int, last_row: int, last_col: int) -> None:
        """The table's grid, empty cells included, as one range format (not one per cell)."""
        self.ws.conditional_format(
            first_row, 0, last_row, last_col,
            {"type": "no_errors",
             "format": self.book.formats.get(border=1, border_color=BORDER_COLOUR)},
        )  # fmt: skip

    def finish(self, header_rows: tuple[int, int], freeze_col: int = 0) -> None:
        """Freeze below the header, size the columns, repeat the header on every page."""
        first, last = header_rows
        self.ws.freeze_panes(last + 1, freeze_col)
        self.ws.repeat_rows(first, last)
        for col, width in self.widths.items():
            self.ws.set_column(col, col, width)
        for row in range(first, last + 1):
            self.ws.set_row(row, 30)
        self.ws.set_default_row(ROW_HEIGHT)


class _Book:
    def __init__(self, path: Path, data: ExportData, year: int, quarter: int, lang: str,
                 vectorise_from: int):  # fmt: skip
        # XlsxWriter writes into memory; close() adds the long listings' rows on the way out.
        self.path, self.buffer = path, io.BytesIO()
        self.workbook = xlsxwriter.Workbook(
            self.buffer,
            {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
             "in_memory": True},
        )  # fmt: skip
        self.formats = _Formats(self.workbook)
        self.vectorise_from = vectorise_from
        self.listings: dict[Worksheet, xlsx_listing.SheetListing] = {}
        self.data = data
        self.year, self.quarter, self.lang = year, quarter, lang
        info = data.build
        self.build_line = (
            f"{L.text('built_at', lang)} {info.built_at:%Y-%m-%d %H:%M:%S} ｜ "
            f"{L.text('as_of', lang)} {info.as_of_date:%Y-%m-%d} ｜ "
            f"{L.text('version', lang)} {info.chainkpi_version}"
        )
        self.chain_names = {c["chain_code"]: self.chain_name(c) for c in data.chains}
        only = [c for c in data.chains if not c["is_district_total"]]
        self.single_chain = only[0] if len(only) == 1 and len(data.chains) <= 2 else None

    def chain_name(self, chain: Row) -> str:
        return str(chain["name_zh"] if self.lang == "zh" else chain["name_en"])

    def title(self) -> str:
        chain = self.chain_name(self.single_chain) if self.single_chain else None
        return L.title(self.year, self.quarter, self.lang, chain)

    def t(self, key: str, **fields: object) -> str:
        return L.text(key, self.lang, **fields)

    def close(self) -> None:
        info = self.data.build
        self.workbook.set_properties(
            {
                "title": self.title(),
                "subject": f"{self.year}Q{self.quarter}",
                "comments": self.build_line,
                "created": info.built_at,
            }
        )
        self.workbook.close()
        sheets = {f"xl/worksheets/sheet{ws.index + 1}.xml": listing
                  for ws, listing in self.listings.items()}  # fmt: skip
        xlsx_listing.write_workbook(self.path, self.buffer.getvalue(), sheets)


def _sheet_name(book: _Book, chain: Row) -> str:
    if book.lang == "zh":
        name = str(chain["name_zh"])
    else:
        name = "District total" if chain["is_district_total"] else str(chain["chain_code"])
    return "".join(ch for ch in name if ch not in "[]:*?/\\")[:31]


def _legend(sheet: _Sheet, row: int) -> None:
    sheet.ws.write_string(row, 0, f"{sheet.book.t('legend')}：" if sheet.book.lang == "zh"
                          else f"{sheet.book.t('legend')}:")  # fmt: skip
    for i, status in enumerate(L.STATUS_ORDER):
        fill, font = L.STATUS_COLOURS[status]
        fmt = sheet.book.formats.cell(bg_color=fill, font_color=font, align="center", bold=True)
        sheet.ws.write_string(row, 1 + i, L.status_word(status, sheet.book.lang), fmt)


def _per_quarter(book: _Book, row: Row) -> str | None:
    """每季度1次 / 1 a quarter for a target that holds for each quarter, else None."""
    if row.get("target_period") != "quarter" or row.get("quarter_target") is None:
        return None
    target = plain_number(row["quarter_target"])
    return book.t("per_quarter", target=target, unit=L.unit(row["unit"], book.lang))


def _target_kind(row: Row, book: _Book) -> tuple[str, str]:
    """Number kind and format of a target: an example target shows a trailing *; a target per
    quarter its quarterly figure after the annual one, 4（每季度1次）: the cell stays the number
    4, the CSV's annual_target."""
    base = "int" if row["is_count"] else "amount"
    num_format = NUM_FORMATS[base]
    per_quarter = _per_quarter(book, row)
    if per_quarter:
        num_format += f'"（{per_quarter}）"' if book.lang == "zh" else f'" ({per_quarter})"'
    if row.get("is_example_target"):
        num_format += '"*"'
    return base, num_format


def _target(sheet: _Sheet, r: int, col: int, row: Row) -> None:
    """A target cell: the annual target, a number, formatted by _target_kind."""
    target_kind, target_format = _target_kind(row, sheet.book)
    sheet.number(r, col, row["annual_target"], target_kind, num_format=target_format)
    per_quarter = _per_quarter(sheet.book, row)
    if per_quarter and row["annual_target"] is not None:
        target = f"{row['annual_target']:,.{0 if target_kind == 'int' else 2}f}"
        shown = (
            f"{target}（{per_quarter}）" if sheet.book.lang == "zh" else f"{target} ({per_quarter})"
        )
        sheet._fit(col, display_width(shown))


def _summary(book: _Book) -> None:
    data = book.data
    note = None
    if book.single_chain:
        note = book.t("chain_scope_note", chain=book.chain_name(book.single_chain))
    sheet = _Sheet(book, book.t("sheet_summary"), book.title(), note)
    _legend(sheet, 3)
    top, sub = FIRST_TABLE_ROW + 1, FIRST_TABLE_ROW + 2
    sheet.header(top, 0, book.t("kpi"))
    sheet.header(top, 1, book.t("unit"))
    fmt = book.formats.cell(bold=True, font_color="#FFFFFF", bg_color=HEADER_FILL,
                            align="center", text_wrap=True)  # fmt: skip
    sheet.ws.merge_range(top, 0, sub, 0, book.t("kpi"), fmt)
    sheet.ws.merge_range(top, 1, sub, 1, book.t("unit"), fmt)
    by_key = {(r["chain_code"], r["kpi_code"]): r for r in data.progress}
    kpis = list(dict.fromkeys(r["kpi_code"] for r in data.progress))
    for i, chain in enumerate(data.chains):
        col = 2 + 3 * i
        sheet.header(top, col, book.chain_names[chain["chain_code"]], last_col=col + 2)
        sheet.header(sub, col, book.t("ytd_actual"))
        sheet.header(sub, col + 1, book.t("annual_target"))
        sheet.header(sub, col + 2, book.t("status"))
    for r, kpi in enumerate(kpis, start=sub + 1):
        first = by_key[(data.chains[0]["chain_code"], kpi)]
        sheet.text(r, 0, first["kpi_name_zh"] if book.lang == "zh" else first["kpi_name_en"])
        sheet.text(r, 1, L.unit(first["unit"], book.lang), align="center")
        for i, chain in enumerate(data.chains):
            row = by_key[(chain["chain_code"], kpi)]
            col = 2 + 3 * i
            kind = "int" if row["is_count"] else "amount"
            sheet.number(r, col, row["ytd_actual"], kind)
            _target(sheet, r, col + 1, row)
            sheet.status(r, col + 2, row["status"])
    footer = sub + 1 + len(kpis) + 1
    sheet.ws.write_string(footer, 0, book.t("targets_note"), book.formats.get(font_color="#595959"))
    if any(_per_quarter(book, row) for row in data.progress):
        sheet.ws.write_string(
            footer + 1, 0, book.t("quarter_targets_note"), book.formats.get(font_color="#595959")
        )
    # Chain names are merged over three columns: give each status column room for them.
    for i, chain in enumerate(data.chains):
        need = display_width(book.chain_names[chain["chain_code"]])
        per = max(0, need - sum(sheet.widths[2 + 3 * i + k] - 2 for k in range(3))) // 3
        for k in range(3):
            sheet._fit(2 + 3 * i + k, sheet.widths[2 + 3 * i + k] - 2 + per)
    sheet.finish((top, sub), freeze_col=2)


def _chain_sheet(book: _Book, chain: Row) -> None:
    rows = [r for r in book.data.progress if r["chain_code"] == chain["chain_code"]]
    title = L.title(book.year, book.quarter, book.lang, book.chain_name(chain))
    sheet = _Sheet(book, _sheet_name(book, chain), title, book.t("targets_note"))
    h = FIRST_TABLE_ROW
    columns = ("kpi", "unit", "quarter_actual", "ytd_actual", "annual_target",
               "expected_to_date", "pct_of_target", "projected_year_end", "status", "target_note")  # fmt: skip
    for c, key in enumerate(columns):
        sheet.header(h, c, book.t(key))
    for r, row in enumerate(rows, start=h + 1):
        kind = "int" if row["is_count"] else "amount"
        sheet.text(r, 0, row["kpi_name_zh"] if book.lang == "zh" else row["kpi_name_en"])
        sheet.text(r, 1, L.unit(row["unit"], book.lang), align="center")
        sheet.number(r, 2, row["quarter_actual"], kind)
        sheet.number(r, 3, row["ytd_actual"], kind)
        _target(sheet, r, 4, row)
        sheet.number(r, 5, row["expected_to_date"], "decimal")
        sheet.number(r, 6, row["pct_of_target"], "pct")
        sheet.number(r, 7, row["projected_year_end"], "decimal")
        sheet.status(r, 8, row["status"])
        note = None
        if row["annual_target"] is not None:
            note = book.t("example_target" if row["is_example_target"] else "official_target")
            per_quarter = _per_quarter(book, row)
            if per_quarter:
                note += f"；{per_quarter}" if book.lang == "zh" else f"; {per_quarter}"
        sheet.text(r, 9, note, font_color="#595959")
    if any(_per_quarter(book, row) for row in rows):
        sheet.ws.write_string(
            h + len(rows) + 2,
            0,
            book.t("quarter_targets_note"),
            book.formats.get(font_color="#595959"),
        )
    sheet.finish((h, h), freeze_col=1)


def _empty_row(sheet: _Sheet, row: int, columns: int) -> None:
    sheet.ws.merge_range(row, 0, row, max(1, columns - 1), sheet.book.t("none"),
                         sheet.book.formats.cell(align="center", font_color="#595959"))  # fmt: skip


def _code_label(book: _Book, code_list: str) -> Callable[[object], str]:
    return lambda code: L.code_label(code_list, code, book.lang)


def _gaps(book: _Book) -> None:
    gaps = book.data.open_gaps
    as_of = f"{book.data.build.as_of_date:%Y-%m-%d}"
    sheet = _Sheet(book, book.t("sheet_gaps"), book.title(), book.t("gaps_note", as_of=as_of))
    h = FIRST_TABLE_ROW
    headers = ("chain", "gap_id", "segment", "link_name", "priority", "identified_date",
               "gap_status", "days_open", "project_count", "project_ids", "lead_count",
               "lead_ids", "planned_investment_wan", "coverage")  # fmt: skip
    for c, key in enumerate(headers):
        sheet.header(h, c, book.t(key))
    red_fill, red_font = L.STATUS_COLOURS["off_track"]
    uncovered = {"bg_color": red_fill, "font_color": red_font, "bold": True, "align": "center"}
    centre = {"align": "center"}
    columns = [
        _Column("chain_code", label=book.chain_names.__getitem__),
        _Column("gap_id"),
        _Column("segment", label=_code_label(book, "segment"), props=centre),
        _Column("link_name"),
        _Column("priority", label=_code_label(book, "priority"), props=centre),
        _Column("identified_date", "date"),
        _Column("status", label=_code_label(book, "gap_status"), props=centre),
        _Column("days_open", "int"),
        _Column("project_count", "int"),
        _Column("project_ids"),
        _Column("lead_count", "int"),
        _Column("lead_ids"),
        _Column("planned_investment_wan", "amount"),
        _Column(
            "is_uncovered",
            label=lambda u: book.t("uncovered" if u else "covered"),
            style=lambda u: uncovered if u else centre,
        ),  # fmt: skip
    ]
    if len(gaps):
        sheet.listing(h + 1, gaps, columns, blanks=True)
    else:
        _empty_row(sheet, h + 1, len(headers))
    sheet.finish((h, h), freeze_col=2)


def _pipeline(book: _Book) -> None:
    as_of = f"{book.data.build.as_of_date:%Y-%m-%d}"
    sheet = _Sheet(
        book, book.t("sheet_pipeline"), book.title(), book.t("pipeline_note", as_of=as_of)
    )
    top, sub = FIRST_TABLE_ROW, FIRST_TABLE_ROW + 1
    fmt = book.formats.cell(bold=True, font_color="#FFFFFF", bg_color=HEADER_FILL,
                            align="center", text_wrap=True)  # fmt: skip
    sheet.ws.merge_range(top, 0, sub, 0, book.t("chain"), fmt)
    groups = [(stage, L.code_label("stage", stage, book.lang)) for stage in STAGES]
    groups.append(("total", book.t("total")))
    for i, (_, label) in enumerate(groups):
        col = 1 + 2 * i
        sheet.header(top, col, label, last_col=col + 1)
        sheet.header(sub, col, book.t("count"))
        sheet.header(sub, col + 1, book.t("planned_investment_wan"))
    cells = {(p["chain_code"], p["stage"]): p for p in book.data.pipeline}
    chains = [c for c in book.data.chains if not c["is_district_total"]]
    totals: dict[str, list] = defaultdict(lambda: [0, Decimal(0)])
    r = sub
    for r, chain in enumerate(chains, start=sub + 1):
        code = chain["chain_code"]
        sheet.text(r, 0, book.chain_names[code])
        row_count, row_sum = 0, Decimal(0)
        for i, stage in enumerate(STAGES):
            cell = cells.get((code, stage))
            count = cell["project_count"] if cell else 0
            amount = (cell["planned_investment_wan"] or Decimal(0)) if cell else Decimal(0)
            sheet.number(r, 1 + 2 * i, count, "int")
            sheet.number(r, 2 + 2 * i, amount, "amount")
            row_count, row_sum = row_count + count, row_sum + amount
            totals[stage][0] += count
            totals[stage][1] += amount
        bold = {"bold": True, "bg_color": TOTAL_FILL}
        sheet.number(r, 1 + 2 * len(STAGES), row_count, "int", **bold)
        sheet.number(r, 2 + 2 * len(STAGES), row_sum, "amount", **bold)
    if len(chains) > 1:
        r += 1
        bold = {"bold": True, "bg_color": TOTAL_FILL}
        label = "全区合计" if book.lang == "zh" else "District total"
        sheet.text(r, 0, label, **bold)
        for i, stage in enumerate(STAGES):
            sheet.number(r, 1 + 2 * i, totals[stage][0], "int", **bold)
            sheet.number(r, 2 + 2 * i, totals[stage][1], "amount", **bold)
        sheet.number(r, 1 + 2 * len(STAGES), sum(t[0] for t in totals.values()), "int", **bold)
        sheet.number(r, 2 + 2 * len(STAGES), sum(t[1] for t in totals.values()), "amount", **bold)
    sheet.finish((top, sub), freeze_col=1)


def _projects(book: _Book) -> None:
    as_of = f"{book.data.build.as_of_date:%Y-%m-%d}"
    sheet = _Sheet(
        book, book.t("sheet_projects"), book.title(), book.t("projects_note", as_of=as_of)
    )
    h = FIRST_TABLE_ROW
    headers = ("chain", "project_id", "project_name", "project_type", "segment", "investor",
               "stage", "planned_investment_wan", "capital_in_place_wan", "signed_date",
               "started_date", "producing_date", "gap_id", "days_in_stage", "stalled")  # fmt: skip
    for c, key in enumerate(headers):
        sheet.header(h, c, book.t(key))
    amber_fill, amber_font = L.STATUS_COLOURS["at_risk"]
    stalled = {"bg_color": amber_fill, "font_color": amber_font, "bold": True, "align": "center"}
    centre = {"align": "center"}
    columns = [
        _Column("chain_code", label=book.chain_names.__getitem__),
        _Column("project_id"),
        _Column("project_name"),
        _Column("project_type", label=_code_label(book, "project_type"), props=centre),
        _Column("segment", label=_code_label(book, "segment"), props=centre),
        _Column("investor"),
        _Column("stage", label=_code_label(book, "stage"), props=centre),
        _Column("planned_investment_wan", "amount"),
        _Column("capital_in_place_wan", "amount"),
        _Column("signed_date", "date"),
        _Column("started_date", "date"),
        _Column("producing_date", "date"),
        _Column("gap_id"),
        _Column("days_in_stage", "int"),
        _Column(
            "is_stuck_over_90_days",
            label=lambda stuck: book.t("yes") if stuck else None,
            props=stalled,
        ),  # fmt: skip
    ]
    projects = book.data.projects
    first = h + 1
    if len(projects):
        sheet.listing(first, projects, columns, blanks=False)
        sheet.borders(first, first + len(projects) - 1, len(columns) - 1)
    else:
        _empty_row(sheet, first, len(columns))
    sheet.ws.autofilter(h, 0, h + max(1, len(projects)), len(columns) - 1)
    sheet.finish((h, h), freeze_col=3)


def _quality(book: _Book) -> None:
    sheet = _Sheet(book, book.t("sheet_quality"), book.title(), book.t("quality_note"))
    h = FIRST_TABLE_ROW
    columns = ("file_name", "dataset", "ingested_at", "load_status", "rows_read",
               "rows_loaded", "rows_rejected", "warning_count")  # fmt: skip
    for c, key in enumerate(columns):
        sheet.header(h, c, book.t(key))
    red_fill, red_font = L.STATUS_COLOURS["off_track"]
    amber_fill, amber_font = L.STATUS_COLOURS["at_risk"]
    files = book.data.files
    for r, f in enumerate(files, start=h + 1):
        sheet.text(r, 0, f["file_name"])
        sheet.text(r, 1, L.dataset_name(f["dataset"], book.lang))
        sheet.date(r, 2, f["ingested_at"])
        if f["load_status"] == "rejected":
            sheet.text(r, 3, book.t("rejected"), bg_color=red_fill, font_color=red_font,
                       bold=True, align="center")  # fmt: skip
        else:
            sheet.text(r, 3, book.t("loaded"), align="center")
        sheet.number(r, 4, f["rows_read"], "int")
        sheet.number(r, 5, f["rows_loaded"], "int")
        flag = {"bg_color": amber_fill, "font_color": amber_font} if f["rows_rejected"] else {}
        sheet.number(r, 6, f["rows_rejected"], "int", **flag)
        sheet.number(r, 7, f["warning_count"], "int")
    if files:
        r = h + 1 + len(files)
        bold = {"bold": True, "bg_color": TOTAL_FILL}
        sheet.text(r, 0, book.t("total"), **bold)
        for c in (1, 2, 3):
            sheet.text(r, c, "", **bold)
        for c, key in ((4, "rows_read"), (5, "rows_loaded"), (6, "rows_rejected"),
                       (7, "warning_count")):  # fmt: skip
            sheet.number(r, c, sum(f[key] or 0 for f in files), "int", **bold)
    else:
        _empty_row(sheet, h + 1, len(columns))
    sheet.finish((h, h), freeze_col=1)


def _rejections(book: _Book) -> None:
    sheet = _Sheet(book, book.t("sheet_rejections"), book.title(), book.t("rejections_note"))
    h = FIRST_TABLE_ROW
    columns = ("file_name", "dataset", "column", "rule", "row_count", "row_numbers")
    for c, key in enumerate(columns):
        sheet.header(h, c, book.t(key))
    rejections = book.data.rejections
    for r, rej in enumerate(rejections, start=h + 1):
        sheet.text(r, 0, rej["file_name"])
        sheet.text(r, 1, L.dataset_name(rej["dataset"], book.lang))
        sheet.text(r, 2, L.column_name(rej["dataset"], rej["column_name"], book.lang))
        sheet.text(r, 3, L.rule_text(rej["rule_name"], book.lang))
        sheet.number(r, 4, rej["row_count"], "int")
        numbers = [str(n) for n in rej["row_numbers"] if n is not None]
        shown = ", ".join(numbers[:30]) + (" …" if len(numbers) > 30 else "")
        sheet.text(r, 5, shown)
    if not rejections:
        _empty_row(sheet, h + 1, len(columns))
    sheet.finish((h, h), freeze_col=1)


def _submissions(book: _Book) -> None:
    """报送情况: a row per chain and period (the quarter's months, then the quarter), a column
    per scheduled dataset; each cell its status in words, coloured as on the dashboard."""
    sheet = _Sheet(book, book.t("sheet_submissions"), book.title(), book.t("submissions_note"))
    h = FIRST_TABLE_ROW
    rows = book.data.submissions
    datasets = book.data.scheduled_datasets
    sheet.header(h, 0, book.t("chain"))
    sheet.header(h, 1, book.t("period"))
    for c, dataset in enumerate(datasets, start=2):
        sheet.header(h, c, L.dataset_name(dataset, book.lang))
    colours = {
        "on_time": L.STATUS_COLOURS["on_track"],
        "late": L.STATUS_COLOURS["at_risk"],
        "missing": L.STATUS_COLOURS["off_track"],
        "not_due": L.STATUS_COLOURS["no_target"],
    }
    lines = list(dict.fromkeys((row["chain_code"], row["period"]) for row in rows))
    cells = {(row["chain_code"], row["period"], row["dataset"]): row for row in rows}
    for r, (chain, period) in enumerate(lines, start=h + 1):
        sheet.text(r, 0, book.chain_names.get(chain, chain))
        sheet.text(r, 1, period)
        for c, dataset in enumerate(datasets, start=2):
            row = cells.get((chain, period, dataset))
            if row is None:
                sheet.text(r, c, "")
                continue
            status = row["submission_status"]
            days = row["days_late"]
            word = book.t(f"submission_{status}", days=days if days is not None else "?")
            fill, font = colours[status]
            sheet.text(r, c, word, bg_color=fill, font_color=font, align="center")
    if not lines:
        _empty_row(sheet, h + 1, 2 + len(datasets))
    sheet.finish((h, h), freeze_col=2)


def write_xlsx(
    path: Path,
    data: ExportData,
    year: int,
    quarter: int,
    lang: str,
    vectorise_from: int = VECTORISE_FROM,
) -> Path:
    """The workbook; listings of vectorise_from rows or more written vectorised."""
    book = _Book(path, data, year, quarter, lang, vectorise_from)
    _summary(book)
    for chain in data.chains:
        _chain_sheet(book, chain)
    _gaps(book)
    _pipeline(book)
    _projects(book)
    _submissions(book)
    if data.files is not None:  # a chain's export has no data-quality sheets
        _quality(book)
    if data.rejections is not None:
        _rejections(book)
    book.close()
    return path

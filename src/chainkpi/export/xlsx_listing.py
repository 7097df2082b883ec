"""The long listings of the workbook (项目清单, 产业链缺口) written vectorised.

XlsxWriter keeps every cell as a Python object and writes its XML in Python, some 15 µs a
cell: five seconds for the project list of a large warehouse. Here XlsxWriter still writes
the whole workbook — every format, width, frozen pane, filter and conditional format, the
title and header rows — but not the listing's cells: one DuckDB query over the listing's
table (queries.read_export copies it into the export's in-memory database) builds their
`<row>` elements, and `write_workbook` adds them to the sheet's XML as it writes the zip.

The rows are the XML XlsxWriter writes for the same cells (the style index XlsxWriter gives
each cell's format, its row spans and heights, numbers printed with `%.16G`, dates as Excel
serials, control characters as `_xHHHH_`, texts cut at 32,767 UTF-16 units), but for two
things:

- texts are inline strings (`t="inlineStr"`), not entries of the shared-string table;
- a text that looks like XlsxWriter's own rich-string XML (`<r>…</r>`) is an inline string
  escaped like any other; the cell-by-cell path writes it as a rich string of plain runs
  (xlsx_export.write_text), since XlsxWriter would write it unescaped. Same text either way.

tests/test_export.py compares the two writers cell by cell.
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
from xlsxwriter.utility import xl_cell_to_rowcol, xl_col_to_name, xl_rowcol_to_cell

# Excel's longest text, in UTF-16 code units; a text of at most half as many characters fits.
STRING_MAX = 32767
# XlsxWriter's row height when a sheet keeps its default (rows then carry no height).
XLSXWRITER_ROW_HEIGHT = 15
# The listings are most of the workbook's bytes (20 MB of XML for 29,000 projects), and
# deflating them at zlib's default level (6, XlsxWriter's) takes longer than building them:
# 0.42 s. Level 3 takes 0.16 s for a file 15 % bigger (2.6 MB instead of 2.25).
LISTING_COMPRESSLEVEL = 3


@dataclass(frozen=True)
class Cells:
    """One column of a listing as the sheet shows it."""

    col: int  # the sheet's column, from 0
    kind: str  # "text", "number" or "date"
    key: str  # the listing's field
    xf: int | None = None  # the style index of every cell of the column, or, for a text
    # column showing a label of the value or formatted by it, per distinct value of the field:
    # (value, the text shown or None for an empty cell, the style index)
    lookup: Sequence[tuple[object, str | None, int]] | None = None


@dataclass(frozen=True)
class Measures:
    """What ListingTable.measure found, by field."""

    distinct: dict[str, list]
    ascii_widest: dict[str, int]
    ranges: dict[str, tuple[object, object]]
    present: dict[str, bool]


@dataclass(frozen=True)
class Rows:
    """A listing's `<row>` elements, for the sheet's `<sheetData>`."""

    xml: bytes
    last_row: int | None  # the last sheet row (from 0) holding a cell; None when none does
    last_col: int | None


def text_element(text: str) -> str:
    """`<t>text</t>` as XlsxWriter writes the text: cut to Excel's length, control characters
    as `_xHHHH_` (and a literal `_xHHHH_` kept as `_x005F_xHHHH_`), whitespace at either end
    kept (xml:space), XML-escaped. SQL writes the texts that need only & < > escaped; this is
    for labels and for the few texts `_hostile_pattern` finds."""
    if len(text) > STRING_MAX // 2 and _utf16_length(text) > STRING_MAX:
        text = _utf16_cut(text, STRING_MAX)
    text = re.sub(r"(_x[0-9a-fA-F]{4}_)", r"_x005F\1", text)
    text = re.sub(r"([\x00-\x08\x0b-\x1f])", lambda m: f"_x{ord(m.group(1)):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    space = ' xml:space="preserve"' if re.search(r"^\s", text) or re.search(r"\s$", text) else ""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<t{space}>{text}</t>"


def _utf16_length(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _utf16_cut(text: str, limit: int) -> str:
    """The longest start of text within limit UTF-16 units, never half a surrogate pair."""
    length = 0
    for index, ch in enumerate(text):
        length += 2 if ord(ch) > 0xFFFF else 1
        if length > limit:
            return text[:index]
    return text


@cache
def _hostile_pattern() -> str:
    """An RE2 pattern for the texts `text_element` must write: control characters and the
    two non-characters, a `_x` that may start `_xHHHH_`, whitespace at either end (Python's
    whitespace, which XlsxWriter tests for xml:space). Any other text needs only & < >
    escaped."""
    spaces = "".join(f"\\x{{{ord(ch):x}}}" for ch in map(chr, range(0x10000)) if ch.isspace())
    return f"[\\x00-\\x08\\x0b-\\x1f\\x{{fffe}}\\x{{ffff}}]|_x|^[{spaces}]|[{spaces}]$"


def _escaped_sql(field: str) -> str:
    return f"replace(replace(replace({field}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"


class ListingTable:
    """A listing's table (with `listing_row`, each row's place in it, from 1) in a DuckDB:
    its columns measured, its rows built."""

    PAGE = 256

    def __init__(self, con: duckdb.DuckDBPyConnection, table: str):
        self.con, self.table = con, table
        self.schema, _, self.name = table.rpartition(".")  # for the small tables it joins
        self.types = dict(
            con.execute(f"select column_name, column_type from (describe {table})").fetchall()
        )

    # --- measuring columns --------------------------------------------------------------

    def measure(
        self,
        *,
        distinct: Sequence[str] = (),
        ascii_widest: Sequence[str] = (),
        ranges: Sequence[str] = (),
        present: Sequence[str] = (),
    ) -> Measures:
        """In one scan: the distinct values (NULL too, in a stable order) of the `distinct`
        fields; the length of the longest ASCII text (its display width) of `ascii_widest`;
        (min, max) of `ranges`; whether `present` has any value."""
        parts = (
            [f'coalesce(list(distinct "{k}") filter (where "{k}" is not null), []), '
             f'bool_or("{k}" is null)'
             for k in distinct]
            + [f'coalesce(max(length("{k}")) filter (where strlen("{k}") = length("{k}")), 0)'
               for k in ascii_widest]
            + [f'min("{k}"), max("{k}")' for k in ranges]
            + [f'count("{k}") > 0' for k in present]
        )  # fmt: skip
        if not parts:
            return Measures({}, {}, {}, {})
        values = iter(
            self.con.execute(f"select {', '.join(parts)} from {self.table}").fetchall()[0]
        )
        found = {}
        for key in distinct:
            listed, has_null = next(values), next(values)
            found[key] = sorted(listed) + ([None] if has_null else [])
        widest = {key: next(values) for key in ascii_widest}
        spans = {key: (next(values), next(values)) for key in ranges}
        any_value = {key: next(values) for key in present}
        return Measures(found, widest, spans, any_value)

    def wide_texts(self, key: str, wider_than: int) -> Iterator[str]:
        """The column's distinct non-ASCII texts that may be wider than wider_than (a text
        shows at most twice its length), longest first; read a page at a time, since the
        caller stops early."""
        for offset in itertools.count(0, self.PAGE):
            page = self.con.execute(
                f"""select distinct "{key}" as text from {self.table}
                    where strlen("{key}") <> length("{key}") and 2 * length("{key}") > ?
                    order by length(text) desc, text limit {self.PAGE} offset {offset}""",
                [wider_than],
            ).fetchall()
            yield from (text for (text,) in page)
            if len(page) < self.PAGE:
                return

    # --- the rows -----------------------------------------------------------------------

    def rows_query(
        self,
        columns: Sequence[Cells],
        first_row: int,
        *,
        blanks: bool,
        row_height: float,
        above: tuple[int, int],
    ) -> str:
        """The query (for `rows`) of the listing's rows from sheet row first_row (from 0) on,
        as XlsxWriter writes them; the small tables it joins are made now. An empty cell
        (NULL, or '' in a text column) is a formatted blank when `blanks`, else left out.
        `above` is the span of columns (first, last) of what XlsxWriter writes above the
        listing (title, header): XlsxWriter gives each block of 16 rows one span, and the
        listing's first rows share a block with the header."""
        columns = sorted(columns, key=lambda c: c.col)
        self._check_types(columns)
        hostile = self._hostile_texts([c.key for c in columns if c.kind == "text" and not c.lookup])
        joins, values = [], []
        for i, column in enumerate(columns):
            field = f'listing."{column.key}"'
            if column.lookup is not None:
                elements = [(value, None if shown is None else text_element(shown), xf)
                            for value, shown, xf in column.lookup]  # fmt: skip
                lookup = self._register(f"lookup_{i}", column.key, elements)
                joins.append(f"left join {lookup} on {field} is not distinct from {lookup}.value")
                values.append(f"{lookup}.element as v{i}, {lookup}.xf::varchar as s{i}")
                continue
            if column.kind == "text":
                element = f"'<t>' || {_escaped_sql(field)} || '</t>'"
                if column.key in hostile:
                    elements = [(text, text_element(text), None) for text in hostile[column.key]]
                    texts = self._register(f"hostile_{i}", column.key, elements)
                    joins.append(f"left join {texts} on {field} = {texts}.value")
                    element = f"coalesce({texts}.element, {element})"
                # v{i} of a text column is its <t> element, NULL for an empty cell.
                values.append(f"case when {field} <> '' then {element} end as v{i}")
            else:
                values.append(f"{field} as v{i}")
        # A cell is written when it has a value, or always when empty cells are blanks.
        written = [
            f"case when v{i} is not null then {c.col} end" if not blanks else str(c.col)
            for i, c in enumerate(columns)
        ]
        height = "" if row_height == XLSXWRITER_ROW_HEIGHT else (
            f' ht="{row_height:.16g}" customHeight="1"'
        )  # fmt: skip
        shares_above = f"block <= {(first_row - 1) // 16}"
        return f"""
            with valued as (
                select listing.listing_row - 1 + {first_row} as sheet_row, {", ".join(values)}
                from {self.table} as listing {" ".join(joins)}
            ),
            -- materialized: read twice below, built once
            placed as materialized (
                select *, (sheet_row + 1)::varchar as r, sheet_row // 16 as block,
                       least({", ".join(written)}) as first_col,
                       greatest({", ".join(written)}) as last_col
                from valued
            ),
            spans as (
                select block,
                       case when {shares_above} then least(min(first_col), {above[0]})
                            else min(first_col) end + 1 as span_first,
                       case when {shares_above} then greatest(max(last_col), {above[1]})
                            else max(last_col) end + 1 as span_last
                from placed group by block
            )
            select encode(coalesce(string_agg(
                       concat('<row r="', sheet_row + 1, '" spans="', span_first, ':', span_last,
                              '"{height}>', {", ".join(_cell_sql(i, c, blanks) for i, c in enumerate(columns))},
                              '</row>'),
                       '' order by sheet_row), '')),
                   max(sheet_row), max(last_col)
            from placed inner join spans using (block)
            where first_col is not null
            """

    def rows(self, query: str) -> Rows:
        """The rows `rows_query` made the query of. It only reads, on a cursor of its own: it
        may run in another thread while the rest of the workbook is written."""
        cursor = self.con.cursor()
        try:
            xml, last_row, last_col = cursor.execute(query).fetchall()[0]
        finally:
            cursor.close()
        return Rows(xml, last_row, last_col)

    def _check_types(self, columns: Sequence[Cells]) -> None:
        """A text shown as it is must be text (XlsxWriter's path would str() anything else,
        SQL would not), a date a DATE (the serial is a number of days)."""
        for column in columns:
            kind = self.types[column.key]
            if column.kind == "text" and column.lookup is None and kind != "VARCHAR":
                raise TypeError(f"{column.key} is {kind}: a text column needs VARCHAR or labels")
            if column.kind == "date" and kind != "DATE":
                raise TypeError(f"{column.key} is {kind}: a date column needs DATE")

    def _hostile_texts(self, keys: Sequence[str]) -> dict[str, list[str]]:
        """The distinct texts of these columns that need more than & < > escaped, by column."""
        if not keys:
            return {}
        pattern = "'" + _hostile_pattern() + "'"  # no quote in it
        found: dict[str, list[str]] = {}
        query = " union all ".join(
            f"""select distinct '{key}', "{key}" from {self.table}
                where length("{key}") > {STRING_MAX // 2} or regexp_matches("{key}", {pattern})"""
            for key in keys
        )
        for key, text in self.con.execute(query).fetchall():
            found.setdefault(key, []).append(text)
        return found

    def _register(self, name: str, key: str, rows: list[tuple]) -> str:
        """A small table (value, element, xf) to join on the listing's field `key`; its name."""
        name = f"{self.schema}.{self.name}_{name}" if self.schema else f"{self.name}_{name}"
        value_type = self.types[key]
        values, elements, xfs = (list(c) for c in zip(*rows, strict=True)) if rows else ([],) * 3
        self.con.execute(
            f"""create or replace table {name} as
                select unnest(?::{value_type}[]) as value, unnest(?::varchar[]) as element,
                       unnest(?::integer[]) as xf""",
            [values, elements, xfs],
        )
        return name


def _cell_sql(i: int, column: Cells, blanks: bool) -> str:
    """SQL for one cell's XML from r, its row number, its value v{i} (a text's is its <t>
    element) and its style index (s{i} when it has one by value); NULL for an empty cell
    left out. (Every piece is text already: a number made text for each cell costs.)"""
    column_ref = f"'<c r=\"{xl_col_to_name(column.col)}', r"
    ref = (
        f"{column_ref}, '\" s=\"', s{i}"
        if column.xf is None
        else f"{column_ref}, '\" s=\"{column.xf}'"
    )
    blank = f"concat({ref}, '\"/>')" if blanks else "null"
    v = f"v{i}"
    if column.kind == "text":
        value = f"""concat({ref}, '" t="inlineStr"><is>', {v}, '</is></c>')"""
    elif column.kind == "number":
        # XlsxWriter's f"{number:.16G}"
        value = f"""concat({ref}, '"><v>', printf('%.16G', {v}::double), '</v></c>')"""
    elif column.kind == "date":
        # XlsxWriter's serial of the date at midnight: days since 1899-12-31, and one more
        # from 1 March 1900 on (Excel's 29 February 1900); 1900-01-01 is 0.
        days = f"({v} - date '1899-12-31')"
        serial = f"case when {v} = date '1900-01-01' then 0 when {days} > 59 then {days} + 1 else {days} end"
        value = f"""concat({ref}, '"><v>', {serial}, '</v></c>')"""
    else:
        raise ValueError(f"unknown cell kind {column.kind!r}")
    return f"case when {v} is null then {blank} else {value} end"


def write_workbook(path: Path, workbook: bytes, listings: dict[str, Rows]) -> None:
    """Write the xlsx file XlsxWriter made (as bytes) to path, adding to each sheet of
    `listings` (by member name, xl/worksheets/sheetN.xml) those rows after its own."""
    if not listings:
        path.write_bytes(workbook)
        return
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            rows = listings.get(info.filename)
            if rows is None:
                target.writestr(info, data)
            else:
                target.writestr(info, _with_rows(data, rows), compresslevel=LISTING_COMPRESSLEVEL)


def _with_rows(sheet: bytes, rows: Rows) -> bytes:
    """The sheet's XML with rows after its own (which all lie above them) and its dimension
    grown to take them in."""
    head, end, tail = sheet.partition(b"</sheetData>")
    if not end:
        raise ValueError("the sheet has no rows of its own to add the listing's after")
    if rows.last_row is None:
        return sheet

    def grown(match: re.Match) -> bytes:
        first, _, last = match.group(1).decode().partition(":")
        last_row, last_col = xl_cell_to_rowcol(last or first)
        last_row, last_col = max(last_row, rows.last_row), max(last_col, rows.last_col)
        return f'<dimension ref="{first}:{xl_rowcol_to_cell(last_row, last_col)}"/>'.encode()

    head, found = re.subn(rb'<dimension ref="([A-Z0-9:]+)"/>', grown, head, count=1)
    if not found:
        raise ValueError("the sheet has no dimension element")
    return b"".join((head, rows.xml, end, tail))

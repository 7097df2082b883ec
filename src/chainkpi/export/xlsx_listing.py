"""The long listings of the workbook (项目清单, 产业链缺口) written vectorised.

XlsxWriter keeps every cell as a Python object and writes its XML in Python: 37 µs a cell
measured here (2 shared cores; its constant_memory mode no faster), over two minutes for the
listings of 2.2 million input rows (demo scale 768: 222,825 projects and 31,500 open gaps,
3.8 million cells), where the whole export takes 4–6 s this way. Here XlsxWriter still writes the whole workbook — every format, width, frozen
pane, filter and conditional format, the title and header rows — but not the listing's cells:
one DuckDB query over the listing's table (queries.read_export copies it into the export's
in-memory database) builds their `<row>` elements, and `write_workbook` puts them in the
sheet's XML as it writes the zip.

A cell's format is a style index (`s="…"`) that XlsxWriter gives each format as it writes the
first cell with it. So the sheet has XlsxWriter write one blank cell per format a listing
column uses (`anchors`), in the listing's own first rows; `write_workbook` reads each anchor's
index from the sheet XlsxWriter wrote, then replaces those rows with the listing's.

The rows are the XML XlsxWriter writes for the same cells (its row spans and heights,
numbers printed with `%.16G`, dates as Excel serials, control characters as `_xHHHH_`, texts
cut at 32,767 UTF-16 units), but for two things:

- texts are inline strings (`t="inlineStr"`), not entries of the shared-string table;
- a text that looks like XlsxWriter's own rich-string XML (`<r>…</r>`) is an inline string
  escaped like any other; the cell-by-cell path writes it as a rich string of plain runs
  (xlsx_export.write_text), since XlsxWriter would write it unescaped. Same text either way.

Column widths are measured here too, linear in the rows: a text column's widest display width
(xlsx_export.display_width) is read off its longest length and, where texts may be wider
than that, off the few texts that may be widest, found by a bound SQL computes for every row
(`_width_bound`).

tests/test_export.py compares the two writers cell by cell.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Sequence
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
# Blocks of 16 sheet rows (a block's rows share their spans) whose XML one query builds.
# Built whole, the project list of 2.2 million input rows (159 MB of XML) took DuckDB from
# 326 MB to 1,470 MB.
BLOCKS_PER_QUERY = 4096


@dataclass(frozen=True)
class Column:
    """One column of a listing as the sheet shows it, for `SheetListing`."""

    col: int  # the sheet's column, from 0
    kind: str  # "text", "number" or "date"
    key: str  # the listing's field
    fmt: object = None  # the (XlsxWriter) format of every cell of the column, or, for a text
    # column showing a label of the value or formatted by it, per distinct value of the field:
    # (value, the text shown or None for an empty cell, the format)
    lookup: Sequence[tuple[object, str | None, object]] | None = None

    def formats(self) -> list:
        """The column's distinct formats, each once, in a stable order."""
        found = [self.fmt] if self.lookup is None else [fmt for _, _, fmt in self.lookup]
        return list({id(fmt): fmt for fmt in found}.values())


@dataclass(frozen=True)
class Measures:
    """What ListingTable.measure found, by field."""

    # Each distinct value (NULL too, last) with the first listing_row holding it.
    distinct: dict[str, list[tuple[object, int]]]
    text_widths: dict[str, int]  # the widest text's display width (0 when none)
    ranges: dict[str, tuple[object, object]]  # (min, max)
    present: dict[str, bool]  # whether any row has a value


@dataclass(frozen=True)
class Rows:
    """A listing's `<row>` elements, for the sheet's `<sheetData>`."""

    xml: list[bytes]  # in order, a part per query
    last_row: int | None  # the last sheet row (from 0) holding a cell; None when none does
    last_col: int | None


@dataclass(frozen=True)
class SheetListing:
    """A listing to put in its sheet's XML, from sheet row first_row (from 0) on. An empty
    cell (NULL, or '' in a text column) is a formatted blank when `blanks`, else left out.
    `above` is the span of columns (first, last) of what XlsxWriter writes above the listing
    (title, header): XlsxWriter gives each block of 16 rows one span, and the listing's first
    rows share a block with the header."""

    table: ListingTable
    columns: Sequence[Column]
    first_row: int
    blanks: bool
    row_height: float
    above: tuple[int, int]

    def anchors(self) -> list[tuple[int, int, object]]:
        """(row, column, format): where XlsxWriter writes a blank cell with each format the
        listing uses (a column's formats one under the other from the listing's first row:
        a column has no more formats than the listing has rows), so that it numbers them."""
        return [(self.first_row + i, column.col, fmt)
                for column in self.columns for i, fmt in enumerate(column.formats())]  # fmt: skip


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


def _width_bound(key: str) -> str:
    """SQL for the most a text may show wide: its length, plus one per wide character, of
    which it has at most one per pair of bytes beyond one a character (a wide character takes
    three or four bytes in UTF-8: see xlsx_export.display_width)."""
    return f'(length("{key}") + (strlen("{key}") - length("{key}")) // 2)'


def _escaped_sql(field: str) -> str:
    return f"replace(replace(replace({field}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"


class ListingTable:
    """A listing's table (with `listing_row`, each row's place in it, from 1) in a DuckDB:
    its columns measured, its rows built."""

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
        text_widths: Sequence[str] = (),
        ranges: Sequence[str] = (),
        present: Sequence[str] = (),
        width: Callable[[str], int] = len,
        enough: int = 0,
    ) -> Measures:
        """In one scan: the widest text of `text_widths` by `width` (a display width, at
        least a text's length and at most its length plus one per pair of bytes its UTF-8
        has beyond one a character; past `enough`, when given, any figure above it will do);
        (min, max) of `ranges`; whether `present` has any value. And, a query each (a GROUP
        BY), the distinct values of the `distinct` fields with the first row holding each."""
        parts = (
            [f'coalesce(max(length("{k}")), 0), coalesce(max({_width_bound(k)}), 0)'
             for k in text_widths]
            + [f'min("{k}"), max("{k}")' for k in ranges]
            + [f'count("{k}") > 0' for k in present]
        )  # fmt: skip
        values = iter(())
        if parts:
            query = f"select {', '.join(parts)} from {self.table}"
            values = iter(self.con.execute(query).fetchall()[0])
        bounds = {key: (next(values), next(values)) for key in text_widths}
        spans = {key: (next(values), next(values)) for key in ranges}
        any_value = {key: next(values) for key in present}
        widths = {key: self._widest(key, *bounds[key], width, enough) for key in text_widths}
        found = {}
        for key in distinct:
            found[key] = self.con.execute(
                f"""select "{key}", min(listing_row) from {self.table}
                    group by "{key}" order by "{key}" nulls last"""
            ).fetchall()
        return Measures(found, widths, spans, any_value)

    def _widest(self, key: str, longest: int, bound: int, width: Callable[[str], int],
                enough: int) -> int:  # fmt: skip
        """The widest text of the column, from the longest's length and the largest bound:
        the texts that may be wider than the longest is long, by bound, widest first, until
        none can be wider than the widest yet (most often the first is: a text of CJK
        characters and ASCII is as wide as its bound). One sort, read as it goes."""
        widest = longest
        if bound <= widest or (enough and widest >= enough):
            return widest
        cursor = self.con.cursor()
        try:
            cursor.execute(
                f"""select text, bound from (
                        select distinct "{key}" as text, {_width_bound(key)} as bound
                        from {self.table} where {_width_bound(key)} > ?
                    ) order by bound desc""",
                [widest],
            )
            while page := cursor.fetchmany(256):
                for text, most in page:
                    if most <= widest or (enough and widest >= enough):
                        return widest
                    widest = max(widest, width(text))
        finally:
            cursor.close()
        return widest

    # --- the rows -----------------------------------------------------------------------

    def rows_query(self, listing: SheetListing, xf: dict[int, int]) -> str:
        """The query (for `rows`) of the listing's rows as XlsxWriter writes them, each
        format's style index xf[id(format)]; the small tables it joins are made now."""
        first_row, blanks, above = listing.first_row, listing.blanks, listing.above
        row_height = listing.row_height
        columns = sorted(listing.columns, key=lambda c: c.col)
        self._check_types(columns)
        hostile = self._hostile_texts([c.key for c in columns if c.kind == "text" and not c.lookup])
        joins, values = [], []
        for i, column in enumerate(columns):
            field = f'listing."{column.key}"'
            if column.lookup is not None:
                elements = [(value, None if shown is None else text_element(shown), xf[id(fmt)])
                            for value, shown, fmt in column.lookup]  # fmt: skip
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
        # The rows of the blocks from $low to before $high.
        sheet_row = f"listing.listing_row - 1 + {first_row}"
        return f"""
            with valued as (
                select {sheet_row} as sheet_row, {", ".join(values)}
                from {self.table} as listing {" ".join(joins)}
                where ({sheet_row}) // 16 >= $low and ({sheet_row}) // 16 < $high
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
                              '"{height}>', {", ".join(_cell_sql(i, c, xf, blanks) for i, c in enumerate(columns))},
                              '</row>'),
                       '' order by sheet_row), '')),
                   max(sheet_row), max(last_col)
            from placed inner join spans using (block)
            where first_col is not null
            """

    def rows(self, query: str, first_row: int) -> Rows:
        """The rows `rows_query` made the query of, from sheet row first_row on: a query per
        BLOCKS_PER_QUERY blocks of 16 rows (it only reads, on a cursor of its own)."""
        (count,) = self.con.execute(f"select count(*) from {self.table}").fetchall()[0]
        parts, last_rows, last_cols = [], [], []
        cursor = self.con.cursor()
        try:
            for low in range(first_row // 16, (first_row + count) // 16 + 1, BLOCKS_PER_QUERY):
                params = {"low": low, "high": low + BLOCKS_PER_QUERY}
                xml, last_row, last_col = cursor.execute(query, params).fetchall()[0]
                parts.append(xml)
                last_rows.append(last_row)
                last_cols.append(last_col)
        finally:
            cursor.close()
        last_row = max((r for r in last_rows if r is not None), default=None)
        last_col = max((c for c in last_cols if c is not None), default=None)
        return Rows(parts, last_row, last_col)

    def _check_types(self, columns: Sequence[Column]) -> None:
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


def _cell_sql(i: int, column: Column, xf: dict[int, int], blanks: bool) -> str:
    """SQL for one cell's XML from r, its row number, its value v{i} (a text's is its <t>
    element) and its style index (s{i} when it has one by value); NULL for an empty cell
    left out. (Every piece is text already: a number made text for each cell costs.)"""
    column_ref = f"'<c r=\"{xl_col_to_name(column.col)}', r"
    ref = (
        f"{column_ref}, '\" s=\"', s{i}"
        if column.lookup is not None
        else f"{column_ref}, '\" s=\"{xf[id(column.fmt)]}'"
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


def write_workbook(path: Path, workbook: bytes, listings: dict[str, SheetListing]) -> None:
    """Write the xlsx file XlsxWriter made (as bytes) to path, each sheet of `listings` (by
    member name, xl/worksheets/sheetN.xml) holding its listing's rows in place of the
    anchors XlsxWriter wrote there."""
    if not listings:
        path.write_bytes(workbook)
        return
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            listing = listings.get(info.filename)
            if listing is None:
                target.writestr(info, data)
            else:
                sheet = _with_listing(data, listing)
                target.writestr(info, sheet, compresslevel=LISTING_COMPRESSLEVEL)


# A row XlsxWriter writes of blank cells with a format: what the anchors' rows are.
_ANCHOR_ROW = rb'<row r="[0-9]+"[^>]*>(?:<c r="[A-Z]+[0-9]+" s="[0-9]+"/>)+</row>'
_ANCHOR_CELL = rb'<c r="([A-Z]+[0-9]+)" s="([0-9]+)"/>'


def _with_listing(sheet: bytes, listing: SheetListing) -> bytes:
    """The sheet's XML with the listing's rows in place of its anchors' (the sheet's last
    rows), each column's style indices those XlsxWriter wrote for the anchors, and its
    dimension taking in the listing's cells."""
    head, end, tail = sheet.partition(b"</sheetData>")
    first = head.find(f'<row r="{listing.first_row + 1}"'.encode())
    if not end or first < 0:
        raise ValueError("the sheet has no anchor rows for the listing's formats")
    head, anchored = head[:first], head[first:]
    if not re.fullmatch(rb"(?:" + _ANCHOR_ROW + rb")+", anchored):
        raise ValueError("the sheet has cells other than the anchors where the listing goes")
    xf_at = {ref.decode(): int(xf) for ref, xf in re.findall(_ANCHOR_CELL, anchored)}
    xf = {id(fmt): xf_at[xl_rowcol_to_cell(row, col)] for row, col, fmt in listing.anchors()}
    rows = listing.table.rows(listing.table.rows_query(listing, xf), listing.first_row)
    last_row = listing.first_row - 1 if rows.last_row is None else rows.last_row

    def dimension(match: re.Match) -> bytes:
        # XlsxWriter's counts the anchors: its last row is theirs, the listing's is the one.
        first, _, last = match.group(1).decode().partition(":")
        _, last_col = xl_cell_to_rowcol(last or first)
        last_col = max(last_col, -1 if rows.last_col is None else rows.last_col)
        return f'<dimension ref="{first}:{xl_rowcol_to_cell(last_row, last_col)}"/>'.encode()

    head, found = re.subn(rb'<dimension ref="([A-Z0-9:]+)"/>', dimension, head, count=1)
    if not found:
        raise ValueError("the sheet has no dimension element")
    return b"".join((head, *rows.xml, end, tail))

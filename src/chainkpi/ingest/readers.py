"""Read a handed-in file into grids of text cells, whatever the office saved it as.

xlsx and xls (Excel 97–2003, what WPS often saves): every sheet, through python-calamine,
which also gives each sheet's merged ranges for both formats (openpyxl reads xlsx only and
needs the whole workbook in memory for them; xlrd's merged cells need formatting_info and
no longer read xlsx) and whether a sheet is visible. csv in UTF-8 (with or without BOM) or
GB18030. Every cell comes out as text or null, column by column (Arrow arrays); the row
numbers are the ones a person sees. Merged ranges come as they are; table.py fills them.

A CSV is parsed by Arrow's reader when the result is certain to be what Python's csv module
gives (every record one line, every line a record, all rows as wide): nearly every file an
office saves. Anything else (a line break inside a cell, blank lines, ragged rows) goes
through Python's csv module, row by row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

SUPPORTED_SUFFIXES = (".xlsx", ".xls", ".csv")
WORKBOOK_SUFFIXES = (".xlsx", ".xls")
UNSUPPORTED_MESSAGE = (
    "不支持的文件格式 {suffix}：只接受 .xlsx、.xls 或 .csv，请在 Excel 或 WPS 中“另存为” "
    "Excel 工作簿 (.xlsx) 后重新报送 (unsupported format: save the file as .xlsx)"
)
MAX_CSV_FIELD = 64 * 1024 * 1024


class UnreadableFile(Exception):
    """The file cannot be read as a ledger at all; the message says why (in Chinese and English)."""


TEXT = pa.large_string()
# Arrow's CSV reader names the columns f0, f1, ...; each is read as text (no type guessing).
_CSV_MAX_COLUMNS = 512
_CSV_READ = pa_csv.ReadOptions(autogenerate_column_names=True, use_threads=False)
_CSV_PARSE = pa_csv.ParseOptions(newlines_in_values=True)
_CSV_CONVERT = pa_csv.ConvertOptions(
    column_types={f"f{i}": TEXT for i in range(_CSV_MAX_COLUMNS)},
    strings_can_be_null=False,
    quoted_strings_can_be_null=False,
)


@dataclass
class Grid:
    """The cells of a file, column by column: `columns[j][i]` is the cell in column j of the
    spreadsheet row (or CSV line) `row_numbers[i]`; text, or null for an empty cell."""

    columns: list[pa.Array]
    row_numbers: np.ndarray
    encoding: str | None = None

    @classmethod
    def from_rows(
        cls, rows: list[list[str | None]], row_numbers: list[int], encoding: str | None = None
    ) -> Grid:
        width = max((len(row) for row in rows), default=0)
        if any(len(row) != width for row in rows):
            rows = [[*row, *([None] * (width - len(row)))] for row in rows]
        columns = [pa.array(column, type=TEXT) for column in zip(*rows, strict=True)]
        return cls(columns, np.asarray(row_numbers, dtype=np.int64), encoding)

    def __len__(self) -> int:
        return len(self.row_numbers)

    def head(self, count: int) -> list[list[str | None]]:
        """The first `count` rows, as lists of cells."""
        tops = [column.slice(0, count).to_pylist() for column in self.columns]
        return (
            [list(row) for row in zip(*tops, strict=True)] if tops else [[]] * min(count, len(self))
        )


@dataclass
class Sheet:
    """One sheet of a file (a CSV is one sheet without a name): its cells and merged ranges,
    each (first row, first column, last row, last column) as 0-based positions in the grid."""

    name: str | None
    grid: Grid
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)


def unsupported(suffix: str) -> UnreadableFile:
    return UnreadableFile(UNSUPPORTED_MESSAGE.format(suffix=suffix or "(无扩展名)"))


def read_sheets(path: Path, data: bytes) -> tuple[list[Sheet], list[dict]]:
    """The visible sheets of a workbook (a CSV's one grid), and the sheets left out, each
    {"sheet", "reason"} (hidden, not a worksheet)."""
    suffix = path.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        return _read_workbook(data, suffix)
    if suffix == ".csv":
        return [Sheet(None, _read_csv(data))], []
    raise unsupported(suffix)


def _cell_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        # A time part after the date is ignored (inputs.md, date).
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, (dt.time, dt.timedelta)):
        # A bare time or duration is not a value any ledger column takes: keep it as text
        # so that the column's rule rejects it with the value shown.
        return str(value)
    return str(value)


# Limits a workbook is read within: a few KB of xlsx can declare a cell at XFD1048576 (a
# 17-billion-cell grid) or expand to gigabytes of XML. Past them the file is refused whole.
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024
MAX_SHEET_CELLS = 30_000_000  # rows × columns of a sheet's grid (a 1M-row, 30-column ledger)
_CELL_REF = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')
_ROW_REF = re.compile(rb'<row\b[^>]*?\br="([0-9]{1,7})"')
_WIDE_OR_DEEP = re.compile(rb'\br="(?:[A-Z]{2,3}[0-9]|[A-Z]{1,3}[0-9]{6})')


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def check_xlsx_limits(data: bytes) -> None:
    """Refuse an xlsx whose unzipped size or whose sheets' grid is past the limits, before
    anything allocates it. A sheet's grid is read off its cell references: only when one
    names a column past Z or a row past 99,999 (a ledger seldom does) is every one read."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        return  # not a zip: calamine says why
    if sum(member.file_size for member in members) > MAX_UNZIPPED_BYTES:
        raise UnreadableFile(
            f"文件解压后超过 {MAX_UNZIPPED_BYTES // 2**20} MB，无法读取：请拆分后报送 (too large unzipped)"
        )
    for member in members:
        if not (member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml")):
            continue
        xml = archive.read(member)
        if not _WIDE_OR_DEEP.search(xml):
            continue
        rows = max((int(m.group(1)) for m in _ROW_REF.finditer(xml)), default=0)
        columns = 0
        for m in _CELL_REF.finditer(xml):
            rows = max(rows, int(m.group(2)))
            columns = max(columns, _column_number(m.group(1)))
        if rows * max(columns, 1) > MAX_SHEET_CELLS:
            raise UnreadableFile(
                f"工作表的范围过大（{rows} 行 × {columns} 列），无法读取：请删去表格之外的"
                "空白单元格或拆分后报送 (sheet grid too large)"
            )


def _read_workbook(data: bytes, suffix: str) -> tuple[list[Sheet], list[dict]]:
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    if not data:
        raise UnreadableFile("文件为空 (empty file)")
    check_xlsx_limits(data)
    sheets: list[Sheet] = []
    left_out: list[dict] = []
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise UnreadableFile("工作簿中没有工作表 (no sheet)")
        for meta in workbook.sheets_metadata:
            if meta.visible != SheetVisibleEnum.Visible:
                left_out.append({"sheet": meta.name, "reason": "hidden"})
                continue
            if meta.typ != SheetTypeEnum.WorkSheet:
                left_out.append({"sheet": meta.name, "reason": "not_a_worksheet"})
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            # skip_empty_area=False keeps row 1 at index 0, so row numbers are the sheet's own.
            values = sheet.to_python(skip_empty_area=False)
            merges = [
                (first[0], first[1], last[0], last[1])
                for first, last in (sheet.merged_cell_ranges or [])
            ]
            sheets.append(Sheet(meta.name, _grid(values), merges))
    except UnreadableFile:
        raise
    except Exception as exc:  # calamine raises several types for broken archives
        if not data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
            # Systems often export a web page or a text table under an .xls name.
            raise UnreadableFile(
                f"文件扩展名为 {suffix}，但内容不是 Excel 工作簿（可能是网页或文本导出）："
                "请用 Excel 或 WPS 打开后“另存为” Excel 工作簿 (.xlsx) 再报送 "
                f"(not an Excel workbook despite its {suffix} name)"
            ) from None
        raise UnreadableFile(
            f"无法读取 Excel 文件 (unreadable {suffix.lstrip('.')}): {type(exc).__name__}"
        ) from None
    if not sheets:
        raise UnreadableFile("工作簿中没有可见的工作表 (no visible sheet)")
    return sheets, left_out


def _grid(values: list[list]) -> Grid:
    """A sheet's cells as a grid (merged ranges reaching past the cells are clipped by
    table.py: what they cover there is empty)."""
    width = max((len(row) for row in values), default=0)
    if any(len(row) != width for row in values):
        values = [[*row, *([""] * (width - len(row)))] for row in values]
    columns = [_xlsx_column(column) for column in zip(*values, strict=True)]
    return Grid(columns, np.arange(1, len(values) + 1, dtype=np.int64))


def _xlsx_column(cells: tuple) -> pa.Array:
    """One column's cells as text: a column of text cells only (most) in one Arrow call,
    empty cells ("") made null; a column holding numbers or dates cell by cell."""
    try:
        array = pa.array(cells, type=TEXT)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array(
            [v if v.__class__ is str and v else _cell_text(v) for v in cells], type=TEXT
        )
    return pc.if_else(pc.equal(array, ""), pa.scalar(None, TEXT), array)


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was in: UTF-8 (BOM or not), else GB18030 (a superset of GBK)."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise UnreadableFile(
            "无法识别文件编码：既不是 UTF-8 也不是 GB18030 (unknown encoding)"
        ) from None


def _read_csv(data: bytes) -> Grid:
    if not data.strip():
        raise UnreadableFile("文件为空 (empty file)")
    text, encoding = decode(data)
    if "\x00" in text:
        raise UnreadableFile("文件含有二进制内容，不是文本 CSV (binary content)")
    return _read_csv_arrow(text, encoding) or _read_csv_rows(text, encoding)


def _read_csv_arrow(text: str, encoding: str) -> Grid | None:
    """The grid by Arrow's CSV reader, or None where it might differ from Python's csv
    module (tests/test_ingest_formats.py compares the two on thousands of generated files)."""
    data = text.encode("utf-8")
    try:
        table = pa_csv.read_csv(
            io.BytesIO(data),
            read_options=_CSV_READ,
            parse_options=_CSV_PARSE,
            convert_options=_CSV_CONVERT,
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # ragged rows, a cell past a block, ...
        return None
    if table.num_columns >= _CSV_MAX_COLUMNS:
        return None
    # As many lines as records: then no record spans lines (a line break inside a quoted
    # cell) and no line is left out (Arrow skips blank lines; Python's csv counts them),
    # since either would leave more lines than records.
    breaks = data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
    lines = breaks + (0 if data.endswith((b"\n", b"\r")) else 1)
    if lines != table.num_rows:
        return None
    empty = pa.scalar(None, TEXT)
    columns = [table.column(i).combine_chunks() for i in range(table.num_columns)]
    columns = [pc.if_else(pc.equal(column, ""), empty, column) for column in columns]
    return Grid(columns, np.arange(1, table.num_rows + 1, dtype=np.int64), encoding)


def _read_csv_rows(text: str, encoding: str) -> Grid:
    """The grid by Python's csv module, record by record (any CSV it can read)."""
    # Offices paste whole paragraphs into cells; a long cell is the row's problem, not the file's.
    csv.field_size_limit(MAX_CSV_FIELD)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[str | None]] = []
    numbers: list[int] = []
    line = 1
    try:
        for record in reader:
            rows.append([cell if cell != "" else None for cell in record])
            numbers.append(line)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise UnreadableFile(f"CSV 格式错误，第 {line} 行 (malformed CSV): {exc}") from None
    return Grid.from_rows(rows, numbers, encoding)

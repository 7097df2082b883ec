"""Read a handed-in file into a grid of text cells, whatever the office saved it as.

xlsx (first sheet) through python-calamine; csv in UTF-8 (with or without BOM) or GB18030.
Every cell comes out as text or None; the row numbers are the ones a person sees.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

SUPPORTED_SUFFIXES = (".xlsx", ".csv")
MAX_CSV_FIELD = 64 * 1024 * 1024


class UnreadableFile(Exception):
    """The file cannot be read as a ledger at all; the message says why (in Chinese and English)."""


@dataclass
class Grid:
    """The cells of a file: `rows[i]` is the spreadsheet row (or CSV line) `row_numbers[i]`."""

    rows: list[list[str | None]]
    row_numbers: list[int]
    encoding: str | None = None


def read_grid(path: Path, data: bytes) -> Grid:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(data)
    if suffix == ".csv":
        return _read_csv(data)
    raise UnreadableFile(
        f"不支持的文件格式 {suffix or '(无扩展名)'}：只接受 .xlsx 或 .csv (unsupported format)"
    )


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


def _read_xlsx(data: bytes) -> Grid:
    from python_calamine import CalamineWorkbook

    if not data:
        raise UnreadableFile("文件为空 (empty file)")
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise UnreadableFile("工作簿中没有工作表 (no sheet)")
        sheet = workbook.get_sheet_by_index(0)
        # skip_empty_area=False keeps row 1 at index 0, so row numbers are the sheet's own.
        values = sheet.to_python(skip_empty_area=False)
    except UnreadableFile:
        raise
    except Exception as exc:  # calamine raises several types for broken archives
        raise UnreadableFile(
            f"无法读取 Excel 文件 (unreadable xlsx): {type(exc).__name__}"
        ) from None
    # Text cells (nearly all) skip the call: _cell_text would return them as they are.
    rows = [[v if v.__class__ is str and v else _cell_text(v) for v in row] for row in values]
    return Grid(rows=rows, row_numbers=list(range(1, len(rows) + 1)))


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
    return Grid(rows=rows, row_numbers=numbers, encoding=encoding)

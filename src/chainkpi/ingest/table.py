"""From the sheets of a file to a table of the dataset's columns, read as an analyst reads a
real ledger (../shared/spec/real_ledgers.md), with every interpretation written down.

For each sheet:

1. every cell trimmed and NFKC-normalised (full-width digits become digits, `（` becomes
   `(`); cells holding only a missing-value token become None;
2. the header block found in the first 15 rows: one row, or two when a group cell sits over
   its sub-columns (`项目业主单位` over `联系人 | 联系电话`). A column is named by its own
   bottom cell (a cell merged down names its column), or by group and sub-cell together
   (`项目业主单位/联系电话`); headers match the contract's, the English keys and the header
   synonyms of seeds/header_synonyms.csv, also with a unit in brackets removed;
3. the unit of each amount column: from its header (`总投资（亿元）`), else from a unit row
   above the header (`单位：亿元`), else 万元 with a warning; a foreign currency or any other
   unit refuses the file;
4. the rows that are not records (subtotals, section headings, notes and footers) skipped
   and counted, never stored: footers hold names and phone numbers;
5. merged cells in the data area give their value to every cell they cover;
6. a row without a chain takes it from the section heading above it, else the sheet's name,
   else the title rows, else the file name — whichever names exactly one chain.

Every visible sheet whose header is found is read; the others are listed. The keys of a
dataset without its ID column are derived later (pipeline.derive_keys), after typing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chainkpi.ingest.readers import TEXT, Grid, Sheet
from chainkpi.ingest.schema import AMOUNT, CHAIN, CHAINS, MISSING_TOKENS, VOCABULARY, Dataset

HEADER_SEARCH_ROWS = 15

# Money units an amount column may be given in, and their factor to 万元.
MONEY_UNITS = {"万元": 1.0, "亿元": 10000.0, "元": 0.0001}
_RMB = re.compile(r"人民币|RMB|CNY", re.IGNORECASE)
_FOREIGN = re.compile(
    r"美元|美金|港元|港币|澳门元|欧元|日元|英镑|澳元|加元|韩元|台币|卢布|外币|"
    r"USD|HKD|EUR|JPY|GBP|AUD|CAD|\$|€|£",
    re.IGNORECASE,
)
# Things that look like a unit of money or of anything else (as opposed to a remark in
# brackets such as `（含土地）`).
_UNIT_LIKE = re.compile(r"^(?:[万亿千百十]*元|[万亿千百]+|人|个|名|项|家|户|次|平方米|亩|%|％)$")
# A unit row: `单位：亿元`, `金额单位：万元`, `（单位：亿元）` — not `填报单位：…` (the word
# before 单位 would be part of another word).
_UNIT_ROW = re.compile(r"(?:^|[^\w])(?:金额|资金|投资|货币|计量)?单位\s*[:：]\s*([^\s;；)）]+)")
_BRACKETS = re.compile(r"[(\[【〔［]([^()\[\]【】〔〕［］]*)[)\]】〕］]")
# Marks offices put in front of a name (`★华普储能电池项目`).
MARKS = "★☆※●○◎◆◇■□▲△▼▽►▶✦✧"
_LEADING_MARKS = f"^[{MARKS}]+\\s*"

# Rows that are not records (real_ledgers.md rule 5).
# (RE2 for Arrow: no look-ahead; 一-龥 is the CJK block.)
_SUBTOTAL = re.compile(r"^(?:合\s*计|小\s*计|总\s*计)(?:$|[^一-龥])|^其\s*中(?:\s*[:：,，]|$)")
_NOTE = re.compile(
    r"^(?:注\s*(?:$|[:：0-9一二三四五六七八九十、.．(（])|注释|说明\s*(?:$|[:：])|备注\s*[:：]|"
    r"填报人|填表人|审核人|负责人|联系人|填报单位|填报日期|填报时间|制表|单位负责人|分管领导|"
    r"统计人|报送单位|报送日期)"
)
_NUMERALS = "一二三四五六七八九十百"
_HEADING = re.compile(
    rf"^(?:(?:[{_NUMERALS}]+\s*[、.．]|\d{{1,2}}\s*、|[(（]\s*(?:[{_NUMERALS}]+|\d{{1,2}})\s*[)）])"
    rf"\s*\S|第[{_NUMERALS}\d]+[部分类批章节])"
)
_HEADING_WORDS = re.compile(r"(?:项目|类|产业链|产业|领域|企业|岗位|人才)(?:[(（].*[)）])?$")

# The example row of the district's template (templates.py): first cell `示例`.
_EXAMPLE = re.compile(r"^示例(?:$|[\s:：(（])")

SKIPPED_KINDS = ("subtotal", "section", "note", "example")
KIND_ZH = {
    "subtotal": "合计/小计",
    "section": "分节标题",
    "note": "注释/落款",
    "example": "模板示例",
}


def normalise_label(text: str | None) -> str:
    """How headers are compared: NFKC, trimmed, case-folded, inner spaces dropped, and the
    `*` templates put on required columns (`*项目编号`) left out."""
    if text is None:
        return ""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold().strip("*")


def without_units(label: str) -> str:
    """A normalised header without its bracketed parts (`总投资(亿元)` → `总投资`)."""
    return _BRACKETS.sub("", label)


def header_lookup(dataset: Dataset) -> dict[str, str]:
    """Every accepted spelling of a header (normalised) -> the column key: the English key,
    the contract's Chinese header (with and without its unit) and the header synonyms."""
    lookup: dict[str, str] = {}
    for alias, key in VOCABULARY.header_synonyms.get(dataset.key, {}).items():
        lookup[normalise_label(alias)] = key
    for alias, key in dataset.aliases.items():
        lookup[normalise_label(alias)] = key
    for column in dataset.columns:
        lookup[normalise_label(column.key)] = column.key
        lookup[without_units(normalise_label(column.header_zh))] = column.key
        lookup[normalise_label(column.header_zh)] = column.key
    return lookup


def match_header(text: str | None, lookup: dict[str, str]) -> str | None:
    label = normalise_label(text)
    if not label:
        return None
    return lookup.get(label) or lookup.get(without_units(label))


class MissingColumns(Exception):
    def __init__(self, missing: list[str]):
        self.missing = missing
        super().__init__(", ".join(missing))


class BadUnit(Exception):
    """An amount column in a foreign currency or a unit that is not money: the file is refused."""


@dataclass
class LedgerTable:
    """The data rows of one file, as normalised text, one column per known key."""

    text: pa.Table  # columns: dataset keys present in the file; text or null
    row_numbers: np.ndarray
    header_row: int
    unknown_columns: list[str] = field(default_factory=list)
    duplicate_columns: list[str] = field(default_factory=list)
    # Which sheet each row is from (index into sheet_names); None for a file of one sheet.
    sheet_index: np.ndarray | None = None
    sheet_names: list[str | None] = field(default_factory=list)
    # Per amount column, each row's factor to 万元 (columns all in 万元 are left out).
    factors: dict[str, np.ndarray] = field(default_factory=dict)
    # Rows whose key is to be derived (their sheet has no ID column); None: no row.
    derive_keys: np.ndarray | None = None
    derived_ids: pa.Array | None = None  # the ID column with the derived keys (pipeline)
    titles: list[str] = field(default_factory=list)  # title rows' texts, for the period
    warnings: list[dict] = field(default_factory=list)
    interpretation: dict = field(default_factory=dict)

    def sheet_of(self, position: int) -> str | None:
        if self.sheet_index is None:
            return None
        return self.sheet_names[int(self.sheet_index[position])]


_MISSING = pa.array(sorted(MISSING_TOKENS), type=TEXT)


def normalise_cells(values: Sequence[str | None] | pa.Array) -> pa.Array:
    """Trim + NFKC, vectorised with Arrow; missing tokens become null."""
    array = values.cast(TEXT) if isinstance(values, pa.Array) else pa.array(values, type=TEXT)
    array = pc.utf8_normalize(array, "NFKC")
    array = pc.utf8_trim_whitespace(array)
    return pc.if_else(pc.is_in(array, value_set=_MISSING), pa.scalar(None, TEXT), array)


def strip_marks(array: pa.Array) -> pa.Array:
    """`★` and similar marks in front of a value dropped (a cell of marks only: null)."""
    marked = pc.match_substring_regex(array, _LEADING_MARKS)
    if not pc.any(marked).as_py():
        return array
    stripped = pc.replace_substring_regex(array, _LEADING_MARKS, "")
    stripped = pc.if_else(pc.equal(stripped, ""), pa.scalar(None, TEXT), stripped)
    return pc.if_else(pc.fill_null(marked, False), stripped, array)


# --------------------------------------------------------------------------- chains in text

_CHAIN_ALIASES = sorted(
    ((alias.casefold(), code) for code, aliases in CHAINS.items() for alias in aliases),
    key=lambda pair: len(pair[0]),
    reverse=True,
)
_CODE_TOKENS = re.compile(r"[A-Za-z]+")


def chains_named(text: str | None, codes_too: bool = True) -> set[str]:
    """The chains a free text names by name or alias (and, with codes_too, by a code standing
    as a word of its own: `talent_catalogue_2026_SEMI`)."""
    if not text:
        return set()
    rest = unicodedata.normalize("NFKC", text).casefold()
    found: set[str] = set()
    for alias, code in _CHAIN_ALIASES:
        if alias in rest:
            found.add(code)
            rest = rest.replace(alias, " ")
    if codes_too:
        found |= {t.upper() for t in _CODE_TOKENS.findall(rest) if t.upper() in CHAINS}
    return found


_LONG_NUMBER = re.compile(r"\d{5,}")


def shown_text(text: str | None, limit: int = 30) -> str | None:
    """A heading or title as the report shows it: up to a bracket after its start (where
    offices put remarks, sometimes a person and a phone), long numbers starred, at most
    `limit` characters."""
    if not text:
        return text
    text = re.sub(r"(?<=.)[(（\[【].*$", "", text)
    text = _LONG_NUMBER.sub(lambda m: "*" * len(m.group()), text)
    return text[:limit]


def _one_chain(text: str | None) -> str | None:
    named = chains_named(text)
    return next(iter(named)) if len(named) == 1 else None


# --------------------------------------------------------------------------- units


def classify_unit(text: str) -> tuple[str, float | None]:
    """('money', factor) for 万元/亿元/元, ('foreign', None) for another currency, ('other',
    None) for another unit, ('none', None) when the text is no unit at all."""
    unit = _RMB.sub("", text).strip()
    if unit in MONEY_UNITS:
        return "money", MONEY_UNITS[unit]
    if _FOREIGN.search(unit):
        return "foreign", None
    if _UNIT_LIKE.match(unit):
        return "other", None
    return "none", None


def _header_unit(header: str) -> str | None:
    """The unit in a header's brackets (`总投资（亿元）` → 亿元), if one is a unit."""
    for content in _BRACKETS.findall(unicodedata.normalize("NFKC", header)):
        for part in re.split(r"[,，;；、/]", content):
            kind, _ = classify_unit(part.strip().removeprefix("单位").lstrip(":："))
            if kind != "none":
                return part.strip().removeprefix("单位").lstrip(":：").strip()
    return None


def _unit_row(rows: list[list[str | None]]) -> tuple[str, int] | None:
    """The unit given by a unit row above the header (`单位：亿元`, `单位：万元/人`), and its
    row index; a `单位：` followed by no unit at all (`单位：新能源链办`) is none."""
    for index, row in enumerate(rows):
        for cell in row:
            for match in _UNIT_ROW.finditer(cell or ""):
                parts = [p for p in re.split(r"[/／、,，:：]", match.group(1)) if p]
                kinds = [classify_unit(p)[0] for p in parts]
                # A money unit (or a currency) first: `单位：个、亿元` gives amounts in 亿元.
                for wanted in (("money", "foreign"), ("other",)):
                    found = [p for p, k in zip(parts, kinds, strict=True) if k in wanted]
                    if found:
                        return found[0], index
    return None


# --------------------------------------------------------------------------- header block


@dataclass
class _Header:
    first: int  # row index of the header's first row
    last: int  # and of its last (first + 1 for a two-row header)
    mapping: dict[int, str]  # column position -> key
    labels: dict[int, str]  # column position -> the header text that named it
    unknown: list[str]
    duplicates: list[str]


def _fill(rows: list[list[str | None]], merges: list[tuple[int, int, int, int]]) -> None:
    """Give each merged range's value to every cell it covers (in place, clipped)."""
    height = len(rows)
    for first_row, first_col, last_row, last_col in merges:
        if first_row >= height or first_col >= len(rows[first_row]):
            continue
        value = rows[first_row][first_col]
        for r in range(first_row, min(last_row, height - 1) + 1):
            row = rows[r]
            for c in range(first_col, min(last_col, len(row) - 1) + 1):
                row[c] = value


def _map_row(
    top: list[str | None], bottom: list[str | None] | None, lookup: dict[str, str]
) -> _Header:
    mapping: dict[int, str] = {}
    labels: dict[int, str] = {}
    unknown: list[str] = []
    duplicates: list[str] = []
    for position, cell in enumerate(top if bottom is None else bottom):
        upper = top[position] if bottom is not None else None
        if bottom is not None and not cell:
            cell, upper = upper, None  # nothing under it: the cell above names the column
        if not cell:
            continue
        candidates = [cell] if not upper or upper == cell else [f"{upper}/{cell}", cell]
        key = next((k for k in map(lambda c: match_header(c, lookup), candidates) if k), None)
        label = (
            candidates[0]
            if key is None
            else next(c for c in candidates if match_header(c, lookup) == key)
        )
        label = "".join(label.split())  # as reported: `项目\n性质` is 项目性质
        if key is None:
            unknown.append(label)
        elif key in mapping.values():
            duplicates.append(label)
        else:
            mapping[position] = key
            labels[position] = label
    return _Header(0, 0, mapping, labels, unknown, duplicates)


def _merged_down(index: int, merges: list[tuple[int, int, int, int]]) -> bool:
    """A cell of row `index` merged down into the next row: the two rows are one header."""
    return any(first == index and last > index for first, _, last, _ in merges)


def _not_a_header(cell: str) -> bool:
    """A cell that reads as a section heading, subtotal or note (`联系人：王某`; a header
    `联系人` has no colon)."""
    note = _NOTE.match(cell) and (":" in cell or "：" in cell or len(cell) > 8)
    return bool(_HEADING.match(cell) or _SUBTOTAL.match(cell) or note)


def _sub_row(index: int, rows: list[list[str | None]], merges, single: _Header) -> bool:
    """Row `index + 1` is the sub-cells of group cells in row `index`: a group merged across
    with cells under it, or (no merges, a CSV) cells only under headers that named nothing."""
    below = rows[index + 1]
    for first_row, first_col, last_row, last_col in merges:
        grouped = first_row == index == last_row and last_col > first_col
        if grouped and any(below[first_col : last_col + 1]):
            return True
    filled = [p for p, cell in enumerate(below) if cell]
    top = rows[index]
    return (
        bool(filled)
        and all(p not in single.mapping for p in filled)
        and any(p < len(top) and top[p] for p in filled)
        and not any(_not_a_header(below[p]) for p in filled)
    )


def find_header(
    rows: list[list[str | None]],
    merges: list[tuple[int, int, int, int]],
    dataset: Dataset,
    optional: set[str],
) -> tuple[_Header | None, list[str]]:
    """The header block in the first rows (merged ranges filled): the first row, or pair of
    rows, that holds every required column but those in `optional`; else None and the
    fewest columns missing."""
    lookup = header_lookup(dataset)
    needed = [k for k in dataset.required if k not in optional]
    best_missing: list[str] | None = None

    def missing_of(header: _Header) -> list[str]:
        return [k for k in needed if k not in header.mapping.values()]

    def single_at(index: int) -> _Header:
        header = _map_row(rows[index], None, lookup)
        header.first = header.last = index
        return header

    for index in range(min(HEADER_SEARCH_ROWS, len(rows))):
        single = single_at(index)
        double = None
        if index + 1 < len(rows):
            double = _map_row(rows[index], rows[index + 1], lookup)
            double.first, double.last = index, index + 1
        single_ok = not missing_of(single)
        double_ok = double is not None and not missing_of(double)
        if double_ok and _merged_down(index, merges):
            return double, []
        if single_ok:
            if double_ok and (
                len(double.mapping) > len(single.mapping) or _sub_row(index, rows, merges, single)
            ):
                return double, []
            return single, []
        # A title above the header reads as a group over it: the header starts lower.
        if double_ok and missing_of(single_at(index + 1)):
            return double, []
        for candidate in (single, double):
            if candidate is not None:
                missing = missing_of(candidate)
                if best_missing is None or len(missing) < len(best_missing):
                    best_missing = missing
    return None, best_missing if best_missing is not None else needed


# --------------------------------------------------------------------------- rows


def _row_kinds(columns: list[pa.Array]) -> tuple[np.ndarray, pa.Array]:
    """Each data row's kind ('' for a record or an empty row, else a SKIPPED_KINDS entry),
    from the cells as handed in (merged ranges not filled), and each row's first cell."""
    rows = len(columns[0]) if columns else 0
    kinds = np.full(rows, "", dtype=object)
    if not rows:
        return kinds, pa.nulls(0, TEXT)
    filled = np.column_stack([c.is_valid().to_numpy(zero_copy_only=False) for c in columns])
    count = filled.sum(axis=1)
    first_position = np.where(count > 0, filled.argmax(axis=1), -1)
    first = pc.coalesce(*columns)
    subtotal = pc.fill_null(pc.match_substring_regex(first, _SUBTOTAL.pattern), False)
    note = pc.fill_null(pc.match_substring_regex(first, _NOTE.pattern), False)
    kinds[subtotal.to_numpy(zero_copy_only=False)] = "subtotal"
    example = pc.fill_null(pc.match_substring_regex(first, _EXAMPLE.pattern), False)
    kinds[example.to_numpy(zero_copy_only=False) & (first_position == 0)] = "example"
    kinds[note.to_numpy(zero_copy_only=False) & (kinds == "")] = "note"
    few = np.flatnonzero((kinds == "") & (count >= 1) & (count <= 2) & (first_position <= 1))
    if len(few):
        texts = first.take(pa.array(few)).to_pylist()
        for position, text in zip(few, texts, strict=True):
            if _HEADING.match(text) or (
                count[position] == 1 and (chains_named(text, False) or _HEADING_WORDS.search(text))
            ):
                kinds[position] = "section"
    return kinds, first


def _fill_data(
    columns: list[pa.Array], merges: list[tuple[int, int, int, int]], start: int
) -> list[pa.Array]:
    """Merged ranges of the data area (rows from `start`) filled into the columns they cover."""
    touched: dict[int, list] = {}
    for first_row, first_col, last_row, last_col in merges:
        if first_row < start or first_col >= len(columns):
            continue
        height = len(columns[first_col])
        if first_row - start >= height:
            continue
        for c in range(first_col, min(last_col, len(columns) - 1) + 1):
            if c not in touched:
                touched[c] = columns[c].to_pylist()
        value = touched[first_col][first_row - start]
        for c in range(first_col, min(last_col, len(columns) - 1) + 1):
            for r in range(first_row - start, min(last_row - start, height - 1) + 1):
                touched[c][r] = value
    return [
        pa.array(touched[c], type=TEXT) if c in touched else column
        for c, column in enumerate(columns)
    ]


# --------------------------------------------------------------------------- one sheet


@dataclass
class _SheetTable:
    text: pa.Table
    row_numbers: np.ndarray
    header: _Header
    factors: dict[str, float]
    interpretation: dict
    warnings: list[dict]
    has_id: bool
    titles: list[str] = field(default_factory=list)  # text above the header (not footers)


def _sheet_table(sheet: Sheet, dataset: Dataset, file_stem: str) -> _SheetTable | list[str]:
    """One sheet as a table of the dataset's columns, or the columns its header lacks."""
    grid: Grid = sheet.grid
    columns = [normalise_cells(column) for column in grid.columns]
    top_count = min(HEADER_SEARCH_ROWS + 1, len(grid))
    top = [[None] * len(columns) for _ in range(top_count)]
    for c, column in enumerate(columns):
        for r, value in enumerate(column.slice(0, top_count).to_pylist()):
            top[r][c] = value
    _fill(top, sheet.merges)
    header, missing = find_header(top, sheet.merges, dataset, {dataset.id_column, "chain"})
    if header is None:
        return missing
    above = top[: header.first]
    keys = set(header.mapping.values())
    start = header.last + 1
    data = [column.slice(start) for column in columns]
    kinds, _ = _row_kinds(data)
    data = _fill_data(data, sheet.merges, start)
    row_numbers = grid.row_numbers[start:]

    text = {key: strip_marks(data[position]) for position, key in sorted(header.mapping.items())}
    record = kinds == ""
    non_empty = np.zeros(len(row_numbers), dtype=bool)
    for column in text.values():
        non_empty |= column.is_valid().to_numpy(zero_copy_only=False)

    interpretation: dict = {
        "sheet": sheet.name,
        "header_rows": [int(grid.row_numbers[header.first]), int(grid.row_numbers[header.last])]
        if header.last > header.first
        else [int(grid.row_numbers[header.first])],
        "columns": [],
        "skipped_rows": {
            kind: int((kinds == kind).sum()) for kind in SKIPPED_KINDS if (kinds == kind).any()
        },
    }
    warnings: list[dict] = []

    # Units of the amount columns.
    factors: dict[str, float] = {}
    unit_row = _unit_row(above)
    for position, key in sorted(header.mapping.items()):
        entry = {"column": key, "header": header.labels[position]}
        if dataset.column(key).type == AMOUNT:
            unit, source = _header_unit(header.labels[position]), "header"
            if (
                unit is None
                and key.endswith("_wan")
                and normalise_label(header.labels[position]) == normalise_label(key)
            ):
                unit, source = "万元", "header"  # the English key says 万元
            if unit is None and unit_row is not None:
                unit, source = unit_row[0], "unit_row"
            if unit is None:
                unit, source = "万元", "default"
                warnings.append(
                    {
                        "row": int(grid.row_numbers[header.first]),
                        "column": key,
                        "value": header.labels[position],
                        "rule": "unit_assumed",
                        "sheet": sheet.name,
                    }
                )
            kind, factor = classify_unit(unit)
            if kind != "money":
                what = "外币" if kind == "foreign" else "不是人民币金额单位"
                raise BadUnit(
                    f"金额列「{header.labels[position]}」的单位「{unit}」{what}，"
                    f"只接受万元、亿元或元，请折算为人民币万元后重新报送 "
                    f"(amount column {key}: unit {unit} is not 万元/亿元/元)"
                )
            factors[key] = factor
            entry |= {"unit": unit, "factor": factor, "unit_source": source}
        interpretation["columns"].append(entry)

    # The title rows' texts (not footers): where a chain and the ledger's period are named.
    titles = [c for c in dict.fromkeys(c for row in above for c in row if c) if not _NOTE.match(c)]

    # Chains of rows that have none.
    if any(c.type == CHAIN for c in dataset.columns):
        chain_text = text.get("chain")
        title = " ".join(titles)
        title_named = chains_named(title, False)
        fallbacks = [
            ("sheet", sheet.name, _one_chain(sheet.name)),
            ("title", title, next(iter(title_named)) if len(title_named) == 1 else None),
            ("file_name", file_stem, _one_chain(file_stem)),
        ]
        section_chain = np.full(len(row_numbers), None, dtype=object)
        section_text = np.full(len(row_numbers), None, dtype=object)
        sections = np.flatnonzero(kinds == "section")
        if len(sections):
            first_cells = pc.coalesce(*data).take(pa.array(sections)).to_pylist()
            current, current_text, previous = None, None, 0
            for position, heading in zip(sections, first_cells, strict=True):
                section_chain[previous:position] = current
                section_text[previous:position] = current_text
                named = chains_named(heading, False)
                if named:
                    current = next(iter(named)) if len(named) == 1 else None
                    current_text = shown_text(heading) if current else None
                previous = position
            section_chain[previous:] = current
            section_text[previous:] = current_text
        missing_chain = (
            np.ones(len(row_numbers), dtype=bool)
            if chain_text is None
            else ~chain_text.is_valid().to_numpy(zero_copy_only=False)
        )
        missing_chain &= record & non_empty
        given = np.full(len(row_numbers), None, dtype=object)
        sources: list[dict] = []
        if missing_chain.any():
            taken = missing_chain & (section_chain != None)  # noqa: E711
            for chain, words in sorted(
                {(section_chain[i], section_text[i]) for i in np.flatnonzero(taken)}
            ):
                rows = taken & (section_chain == chain) & (section_text == words)
                given[rows] = chain
                sources.append(
                    {"source": "section", "text": words, "chain": chain, "rows": int(rows.sum())}
                )
            rest = missing_chain & ~taken
            for source, words, chain in fallbacks:
                if chain and rest.any():
                    given[rest] = chain
                    sources.append(
                        {
                            "source": source,
                            "text": words if source == "sheet" else shown_text(words),
                            "chain": chain,
                            "rows": int(rest.sum()),
                        }
                    )
                    rest &= False
        if chain_text is None and dataset.column("chain").required and not sources:
            return [f"{dataset.column('chain').header_zh} (chain)"]
        if sources:
            filled = pa.array(list(given), type=TEXT)
            text["chain"] = filled if chain_text is None else pc.coalesce(chain_text, filled)
            interpretation["chain_from"] = sources

    keep = record & non_empty
    table = pa.table(text).filter(pa.array(keep)) if text else pa.table({})
    interpretation["rows_read"] = int(keep.sum())
    return _SheetTable(
        text=table,
        row_numbers=row_numbers[keep],
        header=header,
        factors=factors,
        interpretation=interpretation,
        warnings=warnings,
        has_id=dataset.id_column in keys,
        titles=titles,
    )


# --------------------------------------------------------------------------- the file


def build_table(
    sheets: list[Sheet] | Grid,
    dataset: Dataset,
    file_stem: str = "",
    left_out: list[dict] | None = None,
) -> LedgerTable:
    """The file's records from every sheet whose header is found; MissingColumns when none."""
    if isinstance(sheets, Grid):
        sheets = [Sheet(None, sheets)]
    read: list[tuple[Sheet, _SheetTable]] = []
    skipped = list(left_out or [])
    best_missing: list[str] | None = None
    for sheet in sheets:
        result = _sheet_table(sheet, dataset, file_stem)
        if isinstance(result, list):
            empty = all(column.null_count == len(column) for column in sheet.grid.columns)
            skipped.append({"sheet": sheet.name, "reason": "empty" if empty else "no_header"})
            if best_missing is None or len(result) < len(best_missing):
                best_missing = result
        else:
            read.append((sheet, result))
    if not read:
        labels = {c.key: c.header_zh for c in dataset.columns}
        missing = [
            m if "(" in m else f"{labels[m]} ({m})" for m in (best_missing or dataset.required)
        ]
        if len(sheets) > 1:
            missing = [
                f"{len(sheets)} 个工作表均未找到表头; 最接近的表头缺少 " + ", ".join(missing)
            ]
        raise MissingColumns(missing)

    many = len(read) > 1
    tables = [part.text for _, part in read]
    text = pa.concat_tables(tables, promote_options="default") if many else tables[0]
    # Columns every sheet lacks stay absent; text columns only.
    text = text.combine_chunks()
    row_numbers = np.concatenate([part.row_numbers for _, part in read])
    sheet_index = (
        np.concatenate([np.full(part.text.num_rows, i) for i, (_, part) in enumerate(read)])
        if many
        else None
    )
    factors: dict[str, np.ndarray] = {}
    for key in {k for _, part in read for k in part.factors}:
        per_row = np.concatenate(
            [np.full(part.text.num_rows, part.factors.get(key, 1.0)) for _, part in read]
        )
        if (per_row != 1.0).any():
            factors[key] = per_row
    derive = np.concatenate([np.full(part.text.num_rows, not part.has_id) for _, part in read])
    header = read[0][1].header
    interpretation: dict = {"sheets": [part.interpretation for _, part in read]}
    if skipped:
        interpretation["skipped_sheets"] = skipped
    if derive.any():
        interpretation["derived_key"] = {
            "column": dataset.id_column,
            "from": [list(group) for group in dataset.key_from],
            "hashed": dataset.key_hashed,
            "rows": int(derive.sum()),
        }
    unknown = list(dict.fromkeys(u for _, part in read for u in part.header.unknown))
    duplicates = list(dict.fromkeys(d for _, part in read for d in part.header.duplicates))
    return LedgerTable(
        text=text,
        row_numbers=row_numbers,
        header_row=int(read[0][0].grid.row_numbers[header.first]),
        unknown_columns=unknown,
        duplicate_columns=duplicates,
        sheet_index=sheet_index,
        sheet_names=[sheet.name for sheet, _ in read],
        factors=factors,
        derive_keys=derive if derive.any() else None,
        warnings=[w for _, part in read for w in part.warnings],
        interpretation=interpretation,
        titles=[t for _, part in read for t in part.titles],
    )


# --------------------------------------------------------------------------- the report

_SHEET_REASONS = {
    "hidden": "隐藏",
    "empty": "空白",
    "no_header": "未找到表头",
    "not_a_worksheet": "非工作表",
}
_CHAIN_SOURCES = {
    "section": "分节标题",
    "sheet": "工作表名",
    "title": "标题",
    "file_name": "文件名",
}


def describe(table: LedgerTable, dataset: Dataset) -> list[str]:
    """How the file was read, in one or two Chinese lines; none for a file read just as
    inputs.md describes (one sheet, header in its first row, the contract's headers)."""
    from chainkpi.ingest.schema import CHAIN_NAMES_ZH

    info = table.interpretation
    sheets = info.get("sheets", [])
    canonical = {
        key
        for column in dataset.columns
        for key in (
            normalise_label(column.key),
            normalise_label(column.header_zh),
            without_units(normalise_label(column.header_zh)),
        )
    }
    how: list[str] = []
    more: list[str] = []
    many = len(sheets) > 1 or info.get("skipped_sheets")
    for sheet in sheets:
        parts: list[str] = []
        rows = sheet["header_rows"]
        if len(rows) > 1:
            parts.append(f"表头在第{rows[0]}–{rows[-1]}行")
        renamed = [
            f"{c['header']}→{dataset.column(c['column']).header_zh}"
            for c in sheet["columns"]
            if normalise_label(c["header"]) not in canonical
        ]
        if renamed:
            parts.append(
                "按同义词识别表头 " + "、".join(renamed[:6]) + ("等" if len(renamed) > 6 else "")
            )
        for c in sheet["columns"]:
            if c.get("factor", 1.0) != 1.0:
                source = "单位行" if c["unit_source"] == "unit_row" else "表头"
                parts.append(
                    f"「{c['header']}」单位{c['unit']}（取自{source}），×{c['factor']:g} 折为万元"
                )
            elif c.get("unit_source") == "default":
                parts.append(f"「{c['header']}」未注明单位，按万元读取")
        skipped = sheet.get("skipped_rows", {})
        if skipped:
            parts.append(
                "跳过" + "、".join(f"{KIND_ZH[k]}{n}行" for k, n in skipped.items()) + "（不入库）"
            )
        if parts and rows[0] > 1 and len(rows) == 1:
            parts.insert(0, f"表头在第{rows[0]}行")
        if parts or many:
            prefix = (
                f"工作表「{sheet['sheet']}」" if sheet.get("sheet") is not None and many else ""
            )
            how.append(prefix + ("，".join(parts) if parts else f"读取 {sheet['rows_read']} 行"))
        for source in sheet.get("chain_from", []):
            words = f"「{source['text']}」" if source["source"] in ("section", "sheet") else ""
            more.append(
                f"{source['rows']}行的产业链取自{_CHAIN_SOURCES[source['source']]}{words}"
                f"（{CHAIN_NAMES_ZH.get(source['chain'], source['chain'])}）"
            )
    if info.get("skipped_sheets"):
        more.append(
            "略过工作表"
            + "、".join(
                f"「{s['sheet']}」（{_SHEET_REASONS.get(s['reason'], s['reason'])}）"
                for s in info["skipped_sheets"]
            )
        )
    if info.get("derived_key"):
        group = dataset.key_from[0]
        names = "、".join(dataset.column(c).header_zh for c in group)
        more.append(
            f"无「{dataset.column(dataset.id_column).header_zh}」列，编号由{names}"
            + ("的加密散列生成" if dataset.key_hashed else "生成")
        )
    lines = ["；".join(how)] if how else []
    if more:
        lines.append("；".join(more))
    return lines

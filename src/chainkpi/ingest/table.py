"""From a grid of cells to a table of the dataset's columns: header row found, text normalised.

Every cell is trimmed and NFKC-normalised (full-width digits become digits, `（` becomes `(`),
and cells holding only a missing-value token become None.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chainkpi.ingest.readers import TEXT, Grid
from chainkpi.ingest.schema import MISSING_TOKENS, Dataset

HEADER_SEARCH_ROWS = 10


def normalise_label(text: str | None) -> str:
    """How headers are compared: NFKC, trimmed, case-folded, inner spaces dropped."""
    if text is None:
        return ""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def header_lookup(dataset: Dataset) -> dict[str, str]:
    """Every accepted spelling of a header (normalised) -> the column key."""
    lookup: dict[str, str] = {}
    for column in dataset.columns:
        lookup[normalise_label(column.key)] = column.key
        lookup[normalise_label(column.header_zh)] = column.key
    for alias, key in dataset.aliases.items():
        lookup[normalise_label(alias)] = key
    return lookup


class MissingColumns(Exception):
    def __init__(self, missing: list[str]):
        self.missing = missing
        super().__init__(", ".join(missing))


@dataclass
class LedgerTable:
    """The data rows of one file, as normalised text, one column per known key."""

    text: pa.Table  # columns: dataset keys present in the file; text or null
    row_numbers: np.ndarray
    header_row: int
    unknown_columns: list[str] = field(default_factory=list)
    duplicate_columns: list[str] = field(default_factory=list)


def locate_header(grid: Grid, dataset: Dataset) -> tuple[int, dict[int, str], list[str], list[str]]:
    """The header is the first of the first 10 rows that holds every required column."""
    lookup = header_lookup(dataset)
    required = set(dataset.required)
    best_missing: list[str] | None = None
    for index, row in enumerate(grid.head(HEADER_SEARCH_ROWS)):
        mapping: dict[int, str] = {}
        unknown: list[str] = []
        duplicates: list[str] = []
        for position, cell in enumerate(row):
            label = normalise_label(cell)
            if not label:
                continue
            key = lookup.get(label)
            if key is None:
                unknown.append(unicodedata.normalize("NFKC", cell).strip())
            elif key in mapping.values():
                duplicates.append(unicodedata.normalize("NFKC", cell).strip())
            else:
                mapping[position] = key
        missing = [k for k in dataset.required if k not in mapping.values()]
        if not missing:
            return index, mapping, unknown, duplicates
        if best_missing is None or len(missing) < len(best_missing):
            best_missing = missing
    labels = {c.key: c.header_zh for c in dataset.columns}
    raise MissingColumns([f"{labels[k]} ({k})" for k in (best_missing or sorted(required))])


_MISSING = pa.array(sorted(MISSING_TOKENS), type=TEXT)


def normalise_cells(values: Sequence[str | None] | pa.Array) -> pa.Array:
    """Trim + NFKC, vectorised with Arrow; missing tokens become null."""
    array = values.cast(TEXT) if isinstance(values, pa.Array) else pa.array(values, type=TEXT)
    array = pc.utf8_normalize(array, "NFKC")
    array = pc.utf8_trim_whitespace(array)
    return pc.if_else(pc.is_in(array, value_set=_MISSING), pa.scalar(None, TEXT), array)


def build_table(grid: Grid, dataset: Dataset) -> LedgerTable:
    header_index, mapping, unknown, duplicates = locate_header(grid, dataset)
    start = header_index + 1
    text = pa.table(
        {mapping[p]: normalise_cells(grid.columns[p].slice(start)) for p in sorted(mapping)}
    )
    # Rows with nothing in any known column carry no data (blank lines, a signature line in
    # an unknown column). A cell that is only white space or a missing-value token is
    # nothing: normalise_cells makes both null (tests/test_ingest_formats.py checks it for
    # every white-space character Python knows).
    non_empty = np.zeros(text.num_rows, dtype=bool)
    for column in text.columns:
        non_empty |= column.is_valid().to_numpy(zero_copy_only=False)
    return LedgerTable(
        text=text.filter(pa.array(non_empty)).combine_chunks(),
        row_numbers=grid.row_numbers[start:][non_empty],
        header_row=int(grid.row_numbers[header_index]),
        unknown_columns=unknown,
        duplicate_columns=duplicates,
    )

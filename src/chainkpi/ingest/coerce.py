"""Parse normalised text into typed values, vectorised per column.

Each parser returns the typed column and a boolean mask of cells that were present but did
not parse; those cells become a rejection with the parser's rule. Chains and enumerations
are mapped to their codes; an unknown label is kept as written, and the GX suite's
"in code list" expectation rejects it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from chainkpi.ingest.schema import (
    AMOUNT,
    BOOL,
    CHAIN,
    CHAINS,
    CODE_LISTS,
    COUNT,
    DATE,
    ENUM,
    Column,
    Dataset,
)

MAX_TEXT_LENGTH = 2000

_DATE_RE = (
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[\sT]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_AMOUNT_RE = r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$"
_COUNT_RE = r"^[+-]?\d+(?:\.0+)?$"
_TRUE = {"是", "y", "yes", "true", "1"}
_FALSE = {"否", "n", "no", "false", "0"}


def _label_map(code_list: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for code, (zh, en) in CODE_LISTS[code_list].items():
        for label in (code, zh, en):
            mapping[label.casefold()] = code
    return mapping


CHAIN_LABELS: dict[str, str] = {
    label.casefold(): code for code, aliases in CHAINS.items() for label in (code, *aliases)
}


@dataclass
class Parsed:
    values: pd.Series  # typed; None/NaN/NaT where missing or unparseable
    invalid: np.ndarray  # bool mask: present but not parseable
    rule: str | None = None  # the rule an invalid cell breaks


def _parse_dates_by_regex(s: pd.Series) -> pd.Series:
    """The reference parser: Python's re (Unicode digits and spaces) and pandas."""
    parts = s.str.extract(_DATE_RE)
    iso = parts["y"] + "-" + parts["m"].str.zfill(2) + "-" + parts["d"].str.zfill(2)
    # format= makes 2025-02-30 and 2025-13-45 fail instead of rolling over.
    return pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce").astype("datetime64[us]")


# The same pattern with ASCII digits and spaces, for Arrow's RE2: whatever it matches, the
# reference matches with the same groups (its classes are supersets); what it does not match
# goes to the reference parser, so the result is the reference's exactly.
_DATE_RE_ASCII = (
    _DATE_RE.replace(r"[\sT]", r"[\t\n\v\f\r T]")
    .replace(r"\s", r"[\t\n\v\f\r ]")
    .replace(r"\d", "[0-9]")
)
_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def parse_dates(text: pd.Series) -> Parsed:
    s = text.astype("string")
    strings = pa.array(s.to_numpy(dtype=object, na_value=None), type=pa.large_string())
    parts = pc.extract_regex(strings, _DATE_RE_ASCII)
    matched = parts.is_valid().to_numpy(zero_copy_only=False)
    y, m, d = (
        pc.cast(pc.fill_null(pc.struct_field(parts, name), "1"), pa.int64()).to_numpy()
        for name in ("y", "m", "d")
    )
    month = np.clip(m, 1, 12)
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    last_day = _DAYS_IN_MONTH[month - 1] + (leap & (month == 2))
    ok = matched & (m >= 1) & (m <= 12) & (d >= 1) & (d <= last_day)
    first_of_month = ((y - 1970) * 12 + month - 1).astype("datetime64[M]").astype("datetime64[D]")
    days = first_of_month + (np.clip(d, 1, 31) - 1).astype("timedelta64[D]")
    values = pd.Series(
        np.where(ok, days.astype("datetime64[us]"), np.datetime64("NaT", "us")), index=text.index
    )
    rest = (s.notna().to_numpy(dtype=bool)) & ~matched
    if rest.any():
        values[rest] = _parse_dates_by_regex(s[rest])
    invalid = (s.notna() & values.isna()).to_numpy(dtype=bool)
    return Parsed(values, invalid, "invalid_date")


def parse_amounts(text: pd.Series) -> Parsed:
    s = text.astype("string")
    ok = s.str.match(_AMOUNT_RE).fillna(False).astype(bool)
    values = pd.to_numeric(s.where(ok).str.replace(",", "", regex=False), errors="coerce")
    values = values.astype("float64")
    invalid = (s.notna() & ~ok).to_numpy(dtype=bool)
    return Parsed(values, invalid, "invalid_amount")


def parse_counts(text: pd.Series) -> Parsed:
    s = text.astype("string")
    ok = s.str.match(_COUNT_RE).fillna(False).astype(bool)
    values = pd.to_numeric(s.where(ok), errors="coerce").astype("Float64").round().astype("Int64")
    invalid = (s.notna() & ~ok).to_numpy(dtype=bool)
    return Parsed(values, invalid, "invalid_count")


def parse_bools(text: pd.Series) -> Parsed:
    folded = text.astype("string").str.casefold()
    is_true = folded.isin(_TRUE).fillna(False).astype(bool)
    is_false = folded.isin(_FALSE).fillna(False).astype(bool)
    invalid = (folded.notna() & ~is_true & ~is_false).to_numpy(dtype=bool)
    # Missing = false (inputs.md).
    return Parsed(pd.Series(is_true.to_numpy(), index=text.index), invalid, "invalid_bool")


def map_labels(text: pd.Series, labels: dict[str, str], default: str | None = None) -> Parsed:
    """Aliases to codes, case-insensitively; an unknown label stays as written."""
    s = text.astype("string")
    codes = s.str.casefold().map(labels)
    values = codes.fillna(s).astype(object)
    if default is not None:
        values = values.where(s.notna(), default)
    values = values.where(pd.notna(values), None)
    return Parsed(values, np.zeros(len(text), dtype=bool))


def parse_column(column: Column, text: pd.Series) -> Parsed:
    if column.type == DATE:
        return parse_dates(text)
    if column.type == AMOUNT:
        return parse_amounts(text)
    if column.type == COUNT:
        return parse_counts(text)
    if column.type == BOOL:
        return parse_bools(text)
    if column.type == CHAIN:
        return map_labels(text, CHAIN_LABELS)
    if column.type == ENUM:
        return map_labels(text, _label_map(column.code_list), column.default)
    too_long = text.astype("string").str.len().fillna(0).to_numpy() > MAX_TEXT_LENGTH
    return Parsed(text.where(~too_long, None), too_long, "too_long")


def coerce(dataset: Dataset, text: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Parsed]]:
    """The typed frame for every column of the dataset (absent columns all missing)."""
    typed: dict[str, pd.Series] = {}
    parsed: dict[str, Parsed] = {}
    empty = pd.Series([None] * len(text), index=text.index, dtype=object)
    for column in dataset.columns:
        source = text[column.key] if column.key in text.columns else empty
        result = parse_column(column, source)
        typed[column.key] = result.values
        parsed[column.key] = result
    return pd.DataFrame(typed, index=text.index), parsed

"""Parse normalised text into typed values, vectorised per column (Arrow).

Each parser returns the typed column and a boolean mask of cells that were present but did
not parse; those cells become a rejection with the parser's rule. Chains and enumerations
are mapped to their codes; an unknown label is kept as written, and the GX suite's
"in code list" expectation rejects it. Labels and yes/no words are looked up once per
distinct value (Python's casefold, which Arrow does not have), then spread back by index.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from chainkpi.ingest.readers import TEXT as STRING
from chainkpi.ingest.schema import (
    AMOUNT,
    BOOL,
    CHAIN,
    CHAINS,
    CODE_LISTS,
    COUNT,
    DATE,
    ENUM,
    VOCABULARY,
    Column,
    Dataset,
)
from chainkpi.ingest.vocabulary import fold

MAX_TEXT_LENGTH = 2000
# A count is stored as INTEGER: a larger one is not a count anyone means.
MAX_COUNT = 2**31 - 1

_DATE_RE = (
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[\sT]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
# Arrow's RE2: \d is an ASCII digit (after NFKC, full-width digits are ASCII already; other
# scripts' digits are not a number an office means, and are rejected).
_AMOUNT_RE = r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$"
_COUNT_RE = r"^[+-]?\d+(?:\.0+)?(?:人|名|个|位|件|次|项)?$"
# A month without a day (`2025.8`, `2025年8月`, `2025-08`, `202508`): the first of the month.
_MONTH_RE = r"^(?P<y>[0-9]{4})(?:[\t ]*[-/.年][\t ]*(?P<m>[0-9]{1,2})[\t ]*月?|(?P<mm>[0-9]{2}))$"
# A date without separators (`20250815`).
_COMPACT_RE = r"^(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})$"
TIMESTAMP = pa.timestamp("us")
_NULL = pa.scalar(None, STRING)


def _label_map(code_list: str) -> dict[str, str]:
    """Every accepted spelling of a code list's codes (folded) -> code: the code, its two
    labels and its synonyms (seeds/value_synonyms.csv)."""
    mapping: dict[str, str] = {}
    for code, (zh, en) in CODE_LISTS[code_list].items():
        for label in (code, zh, en):
            mapping[fold(label)] = code
    return {**VOCABULARY.synonyms(code_list), **mapping}


CHAIN_LABELS: dict[str, str] = {
    fold(label): code for code, aliases in CHAINS.items() for label in (code, *aliases)
}
_YES_NO: dict[str, bool] = {
    word: code == "true" for word, code in VOCABULARY.synonyms("bool").items()
}
# A value ending in one of these matches its code list without it (`建链项目`, `新能源产业链`;
# `新材料产业` too, which real_ledgers.md does not name but offices write).
_OPTIONAL_SUFFIXES = ("项目", "产业链", "产业")


@dataclass
class Parsed:
    values: pa.Array  # typed; null where missing or unparseable
    invalid: np.ndarray  # bool mask: present but not parseable
    rule: str | None = None  # the rule an invalid cell breaks
    month_only: np.ndarray | None = None  # dates: cells that gave a month only (`2025.8`)
    own_unit: np.ndarray | None = None  # amounts: cells that said their unit (`12.5亿元`)


def _present(text: pa.Array) -> np.ndarray:
    return text.is_valid().to_numpy(zero_copy_only=False)


def _mask(condition: pa.Array) -> np.ndarray:
    """A boolean Arrow array as numpy, null as False."""
    return pc.fill_null(condition, False).to_numpy(zero_copy_only=False)


def _parse_dates_by_regex(s: pd.Series) -> pd.Series:
    """The reference parser: Python's re (Unicode digits and spaces) and pandas. A full date,
    else a compact one (`20250815`), else a month (`2025.8`: its first day)."""
    parts = s.str.extract(_DATE_RE)
    compact = s.str.extract(_COMPACT_RE.replace("[0-9]", r"\d"))
    month = s.str.extract(_MONTH_RE.replace("[0-9]", r"\d").replace(r"[\t ]", r"\s"))
    for column in ("y", "m", "d"):
        parts[column] = parts[column].fillna(compact[column])
    parts["y"] = parts["y"].fillna(month["y"])
    month_day = month["m"].where(month["m"].notna() & (month["m"] != ""), month["mm"])
    parts["d"] = parts["d"].where(parts["m"].notna() | month_day.isna(), "1")
    parts["m"] = parts["m"].fillna(month_day)
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


def _ymd(text: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day of every cell that is a full date, a compact one (`20250815`) or a
    month (`2025.8`, day 1); which matched; and which were a month only."""
    parts = pc.extract_regex(text, _DATE_RE_ASCII)
    matched = parts.is_valid().to_numpy(zero_copy_only=False)
    y, m, d = (
        pc.cast(pc.fill_null(pc.struct_field(parts, name), "1"), pa.int64()).to_numpy()
        for name in ("y", "m", "d")
    )
    month_only = np.zeros(len(text), dtype=bool)
    rest = _present(text) & ~matched
    if rest.any():
        others = text.filter(pa.array(rest))
        compact = pc.extract_regex(others, _COMPACT_RE)
        month = pc.extract_regex(others, _MONTH_RE)
        where = np.flatnonzero(rest)
        c_ok = compact.is_valid().to_numpy(zero_copy_only=False)
        m_ok = month.is_valid().to_numpy(zero_copy_only=False) & ~c_ok
        y, m, d = y.copy(), m.copy(), d.copy()
        for parts, ok, names in (
            (compact, c_ok, ("y", "m", "d")),
            (month, m_ok, ("y", "m", None)),
        ):
            if not ok.any():
                continue
            year = pc.cast(pc.fill_null(pc.struct_field(parts, "y"), "1"), pa.int64()).to_numpy()
            if names[2] is None:
                mon = pc.coalesce(
                    pc.if_else(
                        pc.equal(pc.struct_field(parts, "m"), ""),
                        pa.scalar(None, STRING),
                        pc.struct_field(parts, "m"),
                    ),
                    pc.struct_field(parts, "mm"),
                )
                mon = pc.cast(pc.fill_null(mon, "0"), pa.int64()).to_numpy()
                day = np.ones(len(year), dtype=np.int64)
            else:
                mon = pc.cast(pc.fill_null(pc.struct_field(parts, "m"), "0"), pa.int64()).to_numpy()
                day = pc.cast(pc.fill_null(pc.struct_field(parts, "d"), "0"), pa.int64()).to_numpy()
            y[where[ok]], m[where[ok]], d[where[ok]] = year[ok], mon[ok], day[ok]
            matched[where[ok]] = True
        month_only[where[m_ok]] = True
    return y, m, d, matched, month_only


def parse_dates(text: pa.Array) -> Parsed:
    y, m, d, matched, month_only = _ymd(text)
    month = np.clip(m, 1, 12)
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    last_day = _DAYS_IN_MONTH[month - 1] + (leap & (month == 2))
    ok = matched & (m >= 1) & (m <= 12) & (d >= 1) & (d <= last_day)
    first_of_month = ((y - 1970) * 12 + month - 1).astype("datetime64[M]").astype("datetime64[D]")
    days = (first_of_month + (np.clip(d, 1, 31) - 1).astype("timedelta64[D]")).astype(
        "datetime64[us]"
    )
    values = np.where(ok, days, np.datetime64("NaT", "us"))
    present = _present(text)
    rest = present & ~matched
    if rest.any():  # Unicode digits or spaces: Python's re decides (a few cells, if any)
        others = pd.Series(text.filter(pa.array(rest)).to_pylist(), dtype="string")
        values[rest] = _parse_dates_by_regex(others).to_numpy()
    missing = np.isnat(values)
    return Parsed(
        pa.array(values, type=TIMESTAMP, mask=missing),
        present & missing,
        "invalid_date",
        month_only & ~missing,
    )


# An amount that says its own unit (`12.5亿元`, `1,200万元`): then the column's unit does not
# apply to it. Another unit in a cell (`50万美元`) is no amount.
_UNITS_IN_CELL = {"元": 0.0001, "万元": 1.0, "亿元": 10000.0}  # 元 first: 万元 ends in 元 too
_AMOUNT_WITH_UNIT_RE = _AMOUNT_RE.removesuffix("$") + r"\s*(?:人民币)?(?:万元|亿元|元)$"


def parse_amounts(text: pa.Array) -> Parsed:
    ok = _mask(pc.match_substring_regex(text, _AMOUNT_RE))
    own_unit = None
    values = text
    rest = _present(text) & ~ok
    if rest.any():
        with_unit = rest & _mask(pc.match_substring_regex(text, _AMOUNT_WITH_UNIT_RE))
        if with_unit.any():
            own_unit = with_unit
            ok |= with_unit
            values = pc.replace_substring_regex(text, r"\s*(?:人民币)?(?:万元|亿元|元)$", "")
    digits = pc.replace_substring(pc.if_else(pa.array(ok), values, _NULL), ",", "")
    numbers = pc.cast(digits, pa.float64())
    if own_unit is not None:
        factor = np.ones(len(text))
        for unit, by in _UNITS_IN_CELL.items():
            factor[own_unit & _mask(pc.ends_with(text, unit))] = by
        numbers = pc.round(pc.multiply(numbers, pa.array(factor)), 6)
    return Parsed(numbers, _present(text) & ~ok, "invalid_amount", own_unit=own_unit)


def parse_counts(text: pa.Array) -> Parsed:
    ok = _mask(pc.match_substring_regex(text, _COUNT_RE))
    digits = pc.replace_substring_regex(
        pc.if_else(pa.array(ok), text, _NULL), "[人名个位件次项]$", ""
    )
    numbers = pc.cast(digits, pa.float64())
    ok &= _mask(pc.less_equal(pc.abs(numbers), MAX_COUNT))
    counts = pc.cast(
        pc.round(pc.if_else(pa.array(ok), numbers, pa.scalar(None, pa.float64()))), pa.int64()
    )
    return Parsed(counts, _present(text) & ~ok, "invalid_count")


def _per_distinct(text: pa.Array, compute, type: pa.DataType) -> pa.Array:
    """compute(each distinct value, as Python text) -> value or None, spread back over the
    cells; null where a cell is null."""
    distinct = pc.unique(text).drop_null()
    results = pa.array([compute(value) for value in distinct.to_pylist()], type=type)
    return results.take(pc.index_in(text, value_set=distinct))


def _yes_no(word: str) -> bool | None:
    return _YES_NO.get(fold(word))


def parse_bools(text: pa.Array) -> Parsed:
    words = _per_distinct(text, _yes_no, pa.bool_())
    invalid = _present(text) & words.is_null().to_numpy(zero_copy_only=False)
    # Missing = false (inputs.md).
    return Parsed(pc.fill_null(words, False), invalid, "invalid_bool")


def lookup_label(
    value: str, labels: dict[str, str], prefixes: dict[str, str] | None = None
) -> str | None:
    """The code of one value: its spelling, else without a trailing 项目 / 产业链, else the
    first prefix synonym it starts with (longest first); None when nothing matches."""
    folded = fold(value)
    code = labels.get(folded)
    if code is None:
        for suffix in _OPTIONAL_SUFFIXES:
            if folded.endswith(suffix) and len(folded) > len(suffix):
                code = labels.get(folded.removesuffix(suffix))
                if code is not None:
                    break
    if code is None and prefixes:
        for prefix in sorted(prefixes, key=len, reverse=True):
            if folded.startswith(prefix):
                return prefixes[prefix]
    return code


def map_labels(
    text: pa.Array,
    labels: dict[str, str],
    default: str | None = None,
    prefixes: dict[str, str] | None = None,
) -> Parsed:
    """Aliases and synonyms to codes, case-insensitively; an unknown label stays as written
    (the GX suite's code-list expectation rejects it)."""
    values = _per_distinct(text, lambda v: lookup_label(v, labels, prefixes) or v, STRING)
    if default is not None:
        values = pc.fill_null(values, default)
    return Parsed(values, np.zeros(len(text), dtype=bool))


def parse_column(column: Column, text: pa.Array) -> Parsed:
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
        return map_labels(
            text,
            _label_map(column.code_list),
            column.default,
            VOCABULARY.synonyms(column.code_list, "prefix"),
        )
    too_long = _mask(pc.greater(pc.utf8_length(text), MAX_TEXT_LENGTH))
    return Parsed(pc.if_else(pa.array(too_long), _NULL, text), too_long, "too_long")


def coerce(
    dataset: Dataset, text: pa.Table, factors: dict[str, np.ndarray] | None = None
) -> tuple[pa.Table, dict[str, Parsed]]:
    """The typed table for every column of the dataset (absent columns all missing); amounts
    given in 亿元 or 元 brought to 万元 by each row's factor."""
    typed: dict[str, pa.Array] = {}
    parsed: dict[str, Parsed] = {}
    empty = pa.nulls(text.num_rows, type=STRING)
    for column in dataset.columns:
        source = (
            text.column(column.key).combine_chunks() if column.key in text.column_names else empty
        )
        result = parse_column(column, source)
        if factors and column.key in factors:
            # Rounded to 6 decimals: 8.65 亿元 is 86500 万元, not 86500.00000000001. A cell that
            # said its own unit keeps it.
            factor = factors[column.key]
            if result.own_unit is not None:
                factor = np.where(result.own_unit, 1.0, factor)
            result.values = pc.round(pc.multiply(result.values, pa.array(factor)), 6)
        typed[column.key] = result.values
        parsed[column.key] = result
    return pa.table(typed), parsed

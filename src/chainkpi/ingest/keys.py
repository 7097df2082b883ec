"""Keys of a ledger without its ID column (real_ledgers.md rule 7).

Offices number their rows (`序号`), which is never a key. Without the dataset's ID column the
key is derived from what names the record — the project name, the company, chain and link,
employer and position title — after NFKC with spaces and marks such as `★☆※` removed, so
that the same project in next month's ledger updates the same key. Hires are keyed by a
keyed hash (privacy.py) of the ID number, or of name, employer and hire date when there is
no ID number: never a clear name or ID number in a key.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chainkpi.ingest import privacy
from chainkpi.ingest.schema import Dataset
from chainkpi.ingest.table import MARKS

TEXT = pa.large_string()
_DROPPED = f"[\\s{MARKS}]+"
HASHED_PREFIX = "HR-"
HASHED_LENGTH = 16  # hex digits of the digest kept: 64 bits


def key_text(values: pa.Array) -> pa.Array:
    """A name as a key: NFKC, spaces and marks removed; null when nothing is left."""
    text = pc.utf8_normalize(values.cast(TEXT), "NFKC")
    text = pc.replace_substring_regex(text, _DROPPED, "")
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, TEXT), text)


def _as_text(values: pa.Array) -> pa.Array:
    if pa.types.is_timestamp(values.type) or pa.types.is_date(values.type):
        return pc.strftime(values, "%Y-%m-%d").cast(TEXT)
    return key_text(values)


def _joined(typed: pa.Table, columns: tuple[str, ...]) -> pa.Array:
    """The columns' key texts joined by `|`; null where any is null."""
    parts = [_as_text(typed.column(c).combine_chunks()) for c in columns]
    if len(parts) == 1:
        return parts[0]
    return pc.binary_join_element_wise(*parts, pa.scalar("|", TEXT))


def derive_keys(dataset: Dataset, typed: pa.Table, rows: np.ndarray, secret: bytes) -> pa.Array:
    """The ID column with a derived key on `rows` (the rows whose sheet has no ID column);
    `typed` holds the clear values (before personal columns are masked)."""
    derived = pa.nulls(typed.num_rows, TEXT)
    for columns in dataset.key_from:
        if dataset.key_hashed:
            kind = "hire_key:" + "+".join(columns)
            clear = _joined(typed, columns)
            if columns == ("id_number",):
                clear = privacy.canonical_array("id_number", clear)
            digests = privacy.hash_array(secret, kind, clear)
            candidate = pc.binary_join_element_wise(
                pa.scalar(HASHED_PREFIX, TEXT),
                pc.utf8_slice_codeunits(digests.cast(TEXT), 0, HASHED_LENGTH),
                pa.scalar("", TEXT),
            )
        else:
            candidate = _joined(typed, columns)
        derived = pc.coalesce(derived, candidate)
    current = typed.column(dataset.id_column).combine_chunks().cast(TEXT)
    return pc.if_else(pa.array(rows), derived, current)

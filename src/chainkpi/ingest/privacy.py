"""Personal data (names, ID numbers, phones): masked for display, keyed-hashed for matching.

The clear value never leaves the ingest: the warehouse, the reports, the logs and the GX
results see only `张*`, `3401**********123X`, `138****5678` and an HMAC-SHA256 keyed with a
secret that lives outside the repository (CHAINKPI_SECRET, or the file named by
CHAINKPI_SECRET_FILE, default ~/.config/chainkpi/secret.key, made on first use, mode 0600).
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc


def secret_file() -> Path:
    configured = os.environ.get("CHAINKPI_SECRET_FILE")
    if configured:
        return Path(configured).expanduser()
    return Path("~/.config/chainkpi/secret.key").expanduser()


def load_secret() -> bytes:
    """The hashing key: from the environment, else from the key file, generated on first use."""
    from_env = os.environ.get("CHAINKPI_SECRET")
    if from_env:
        return from_env.encode("utf-8")
    path = secret_file()
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_hex(32).encode("ascii")
    # O_EXCL: two first runs at once agree on one key instead of overwriting each other.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


# Every character that is not alphanumeric (str.isalnum): \w is alphanumerics plus "_".
_NOT_ALNUM = re.compile(r"[\W_]+")


def canonical(kind: str, value: str) -> str:
    """The form that is hashed, so that `138 0013 8000` and `13800138000` match."""
    return _canonical_many(kind, [value])[0]


def mask(kind: str, value: str | None) -> str | None:
    if value is None:
        return None
    return _mask_canonical(kind, value, canonical(kind, value))


def keyed_hash(key: bytes, kind: str, value: str | None) -> str | None:
    if value is None:
        return None
    message = f"{kind}:{canonical(kind, value)}".encode()
    return hmac.digest(key, message, "sha256").hex()


def _canonical_many(kind: str, values: list[str]) -> list[str]:
    """canonical() of many values: ID numbers and phones keep their letters and digits only,
    upper-cased, a phone its last 11 digits after a leading 86. One that is already plain
    ASCII letters and digits (nearly all of them) skips the regular expression."""
    if kind not in ("id_number", "phone"):
        return values
    plain = [
        v.upper() if v.isascii() and v.isalnum() else _NOT_ALNUM.sub("", v).upper() for v in values
    ]
    if kind == "phone":
        plain = [v[2:] if len(v) == 13 and v.startswith("86") else v for v in plain]
    return plain


# Characters an ID number / a phone keeps in clear at its start and end.
_MASK_KEEP = {"id_number": (4, 4), "phone": (3, 4)}


def _mask_canonical(kind: str, clear: str, text: str) -> str:
    """mask() given the value and its canonical form."""
    if kind == "name":
        return clear[:1] + "*" if clear else clear
    keep = _MASK_KEEP.get(kind)
    if keep is None:
        return "*" * len(clear)
    head, tail = keep
    if len(text) > head + tail:
        return text[:head] + "*" * (len(text) - head - tail) + text[-tail:]
    return "*" * len(text)


def canonical_array(kind: str, values: pa.Array) -> pa.Array:
    """canonical() of every value, vectorised: plain ASCII letters and digits (nearly all ID
    numbers and phones) upper-cased by Arrow, the rest by canonical() once per distinct value."""
    if kind not in ("id_number", "phone"):
        return values
    plain = pc.fill_null(pc.and_(pc.string_is_ascii(values), pc.utf8_is_alnum(values)), False)
    others = pc.filter(values, pc.invert(plain)).drop_null()
    if len(others):
        distinct = pc.unique(others)
        fixed = pa.array(_canonical_many(kind, distinct.to_pylist()), type=values.type)
        values = pc.if_else(
            plain, pc.ascii_upper(values), fixed.take(pc.index_in(values, distinct))
        )
    else:
        values = pc.ascii_upper(values)
    if kind == "phone":
        country = pc.and_(pc.equal(pc.utf8_length(values), 13), pc.starts_with(values, "86"))
        values = pc.if_else(country, pc.utf8_slice_codeunits(values, 2), values)
    return values


def _join(*parts: pa.Array | str) -> pa.Array:
    """Texts joined element-wise (a str is the same on every row)."""
    text = pa.large_string()
    return pc.binary_join_element_wise(
        *(pa.scalar(p, text) if isinstance(p, str) else p for p in parts), pa.scalar("", text)
    )


def _stars(counts: pa.Array) -> pa.Array:
    return pc.binary_repeat(
        pa.scalar("*", pa.large_string()), pc.max_element_wise(counts, 0, skip_nulls=False)
    )


def mask_array(kind: str, values: pa.Array) -> pa.Array:
    """mask() of every value, vectorised (Arrow): the same masks, null where missing."""
    values = values.cast(pa.large_string())
    if kind == "name":
        first = _join(pc.utf8_slice_codeunits(values, 0, 1), "*")
        return pc.if_else(pc.greater(pc.utf8_length(values), 0), first, values)
    keep = _MASK_KEEP.get(kind)
    if keep is None:
        return _stars(pc.utf8_length(values))
    head, tail = keep
    text = canonical_array(kind, values)
    length = pc.utf8_length(text)
    middle = _join(
        pc.utf8_slice_codeunits(text, 0, head),
        _stars(pc.subtract(length, head + tail)),
        pc.utf8_slice_codeunits(text, -tail),
    )
    return pc.if_else(pc.greater(length, head + tail), middle, _stars(length))


def hash_array(key: bytes, kind: str, values: pa.Array) -> pa.Array:
    """keyed_hash() of every value: HMAC-SHA256 by the standard library, once per distinct
    value (a column repeats its values: IDs and phones in a hires ledger, names less so),
    spread back over the cells; null where missing."""
    text = canonical_array(kind, values.cast(pa.large_string()))
    distinct = pc.unique(text).drop_null()
    prefix = f"{kind}:"
    digests = pa.array(
        [hmac.digest(key, (prefix + v).encode(), "sha256").hex() for v in distinct.to_pylist()],
        type=pa.large_string(),
    )
    return digests.take(pc.index_in(text, value_set=distinct))

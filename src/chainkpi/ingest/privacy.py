"""Personal data (names, ID numbers, phones): masked for display, keyed-hashed for matching.

The clear value never leaves the ingest: the warehouse, the reports, the logs and the GX
results see only `张*`, `3401**********123X`, `138****5678` and an HMAC-SHA256 keyed with a
secret that lives outside the repository (CHAINKPI_SECRET, or the file named by
CHAINKPI_SECRET_FILE, default ~/.config/chainkpi/secret.key, made on first use, mode 0600).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

import numpy as np
import pandas as pd


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


def _per_distinct(values: pd.Series, compute) -> pd.Series:
    """compute(list of distinct text values) -> list of results, mapped back onto values;
    None where a value is missing (or not text)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = [u for u in uniques if isinstance(u, str)]
    results = iter(compute(texts))
    out = np.empty(len(uniques) + 1, dtype=object)  # the last slot: missing (code -1)
    out[:] = None
    for i, u in enumerate(uniques):
        if isinstance(u, str):
            out[i] = next(results)
    return pd.Series(out[codes], index=values.index, dtype=object)


def mask_series(kind: str, values: pd.Series) -> pd.Series:
    """mask() of every value (each distinct value once)."""

    def compute(texts: list[str]) -> list[str]:
        return [
            _mask_canonical(kind, c, t)
            for c, t in zip(texts, _canonical_many(kind, texts), strict=True)
        ]

    return _per_distinct(values, compute)


def _hmac_states(key: bytes) -> tuple:
    """HMAC-SHA256's inner and outer hash states after the padded key (RFC 2104): each value
    then costs two copies and two updates, about half of a one-shot hmac.digest call."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    return inner, outer


def hash_series(key: bytes, kind: str, values: pd.Series) -> pd.Series:
    """keyed_hash() of every value (each distinct value once): the same digests."""
    inner, outer = _hmac_states(key)
    prefix = f"{kind}:"

    def compute(texts: list[str]) -> list[str]:
        digests = []
        append = digests.append
        for text in _canonical_many(kind, texts):
            state = inner.copy()
            state.update((prefix + text).encode())
            result = outer.copy()
            result.update(state.digest())
            append(result.hexdigest())
        return digests

    return _per_distinct(values, compute)

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
    if kind in ("id_number", "phone"):
        value = _NOT_ALNUM.sub("", value).upper()
        if kind == "phone" and value.startswith("86") and len(value) == 13:
            value = value[2:]
    return value


def mask(kind: str, value: str | None) -> str | None:
    if value is None:
        return None
    if kind == "name":
        return value[:1] + "*" if value else value
    text = canonical(kind, value)
    if kind == "id_number":
        return text[:4] + "*" * (len(text) - 8) + text[-4:] if len(text) > 8 else "*" * len(text)
    if kind == "phone":
        return text[:3] + "*" * (len(text) - 7) + text[-4:] if len(text) > 7 else "*" * len(text)
    return "*" * len(value)


def keyed_hash(key: bytes, kind: str, value: str | None) -> str | None:
    if value is None:
        return None
    message = f"{kind}:{canonical(kind, value)}".encode()
    return hmac.digest(key, message, "sha256").hex()


def mask_series(kind: str, values: pd.Series) -> pd.Series:
    # Names repeat: mask each distinct value once.
    distinct = {v: mask(kind, v) for v in values.dropna().unique() if isinstance(v, str)}
    masked = values.map(distinct).astype(object)
    return masked.where(masked.notna(), None)


def hash_series(key: bytes, kind: str, values: pd.Series) -> pd.Series:
    # Hash each distinct value once: names repeat, and HMAC in Python is the slow part.
    distinct = {v: keyed_hash(key, kind, v) for v in values.dropna().unique()}
    return values.map(distinct).astype(object).where(values.notna(), None)

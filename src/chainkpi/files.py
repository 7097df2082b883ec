"""Writing a file so that no reader ever finds half of it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """write(partial) beside the target, then rename it into place; nothing half-written stays
    (a full disk, an exception in write). The partial file is made by mkstemp: an unguessable
    name, created exclusively (0600), so a link planted in the folder is never followed."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    os.close(fd)
    partial = Path(name)
    try:
        write(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path

"""Archive retention (个人信息保护, issue 20): `kpi archive purge --older-than YEARS` removes
the handed-in files that the archive keeps byte for byte (personal data in clear) once they
are older than the district's limit, with an audit record of each file's name and sha256.

The age of a file is the day it was first handed in (raw.ingest_files.ingested_at). The
warehouse and the raw layer keep what they hold — masked values and keyed hashes, never a
clear personal value — so every KPI stays as it was; only the original bytes go.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass

import duckdb

from chainkpi.errors import UsageError, UserError
from chainkpi.settings import Workspace

_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Purged:
    file_name: str
    sha256: str
    ingested_at: dt.datetime


def _archived(workspace: Workspace) -> list[tuple[str, str, dt.datetime, str]]:
    """(file name, sha256, first handed in, archive path) of every archived file."""
    if not workspace.raw_db.exists():
        return []
    try:
        con = duckdb.connect(str(workspace.raw_db), read_only=True)
    except duckdb.Error:
        raise UserError("正在导入台账，请稍后再清理归档 (an ingest is running)") from None
    try:
        return con.execute(
            "select any_value(file_name), sha256, min(ingested_at), any_value(archive_path) "
            "from raw.ingest_files where coalesce(archive_path, '') <> '' group by sha256"
        ).fetchall()
    finally:
        con.close()


def purge(
    workspace: Workspace, older_than_years: float, *, dry_run: bool = False,
    today: dt.date | None = None,
) -> list[Purged]:  # fmt: skip
    """Remove (or, with dry_run, list) the archived files handed in more than the given years
    before today."""
    if not older_than_years > 0:
        raise UsageError("--older-than 须为正数（年）(a positive number of years)")
    now = (
        dt.datetime.combine(today, dt.time())
        if today
        else dt.datetime.now(dt.UTC).replace(tzinfo=None)  # ingested_at is UTC
    )
    cutoff = now - dt.timedelta(days=365.25 * older_than_years)
    found = []
    for name, sha256, at, _archive_path in _archived(workspace):
        if at is None or at >= cutoff or not _HEX.fullmatch(str(sha256)):
            continue
        # Where archive_file keeps it (the recorded path may name another home: a restore).
        folder = workspace.archive / sha256[:2] / sha256
        if folder.is_dir() and not folder.is_symlink():
            found.append(Purged(name, sha256, at))
            if not dry_run:
                shutil.rmtree(folder)
    return found

"""The audit trail (安全审计, 等保 2.0): who signed in, viewed, exported, handed in, built and
changed users, when — append-only and hash-chained, outside the warehouse.

    audit.record("export", user="analyst", year=2026, quarter=3, chain="NE")
    audit.verify()            # Verdict(ok, records, first_bad, reason)
    audit.records(user=..., since=...)

- One JSON object per line in `$CHAINKPI_HOME/audit/trail.jsonl` (folder 0700, file 0600).
  Each record carries `seq` (1, 2, …), `at` (UTC), `event`, `user`, `details`, `prev` (the
  `hash` of the record before; 64 zeros for the first) and its own `hash`: SHA-256
  (hashlib) of the record's canonical JSON without `hash`. Changing one byte of a record
  breaks its hash; deleting or reordering records breaks `seq` or `prev` of the next one.
  `kpi audit verify` names the first record that does not hold.
- Appends take an exclusive lock on the trail (fcntl), so the dashboard's threads and any
  number of `kpi` processes append one after the other.
- Never dropped: `kpi audit archive --before DATE` moves records older than DATE (at least
  RETENTION_DAYS = 180 days old, 等保's six months) into `audit/archive/`, intact; `verify`
  reads the archive and the trail as one chain.
- No personal data of talents: events carry user names of the dashboard's own users, file
  names and sha256s, filters (chain, period), counts — never a ledger cell. `details` values
  are stored as data (JSON-escaped), so hostile text cannot forge a record.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import getpass
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from chainkpi.errors import UsageError
from chainkpi.settings import Workspace

RETENTION_DAYS = 180
GENESIS = "0" * 64
_FIELDS = ("seq", "at", "event", "user", "details", "prev")


def folder(workspace: Workspace | None = None) -> Path:
    return (workspace or Workspace.from_env()).home / "audit"


def trail_path(workspace: Workspace | None = None) -> Path:
    return folder(workspace) / "trail.jsonl"


def cli_user() -> str:
    """Who runs a `kpi` command: the operating-system account (`os:` + its name)."""
    try:
        return "os:" + getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return f"os:{os.getuid()}"


def _digest(record: dict) -> str:
    body = {key: record.get(key) for key in _FIELDS}
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _last_line(path: Path) -> str | None:
    """The trail's last record, read from the end (the trail grows for years)."""
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        end = position = handle.tell()
        chunk = b""
        while position > 0:
            step = min(4096, position)
            position -= step
            handle.seek(position)
            chunk = handle.read(step) + chunk
            lines = chunk.rstrip(b"\n").split(b"\n")
            if len(lines) > 1 or position == 0:
                last = lines[-1]
                return last.decode("utf-8") if last else None
        return None if end == 0 else chunk.decode("utf-8")


def _head(workspace: Workspace) -> tuple[int, str]:
    """(seq, hash) of the newest record, in the trail or, after an archive, the archive."""
    for path in [trail_path(workspace), *reversed(_archives(workspace))]:
        if path.exists():
            line = _last_line(path)
            if line:
                last = json.loads(line)
                return int(last["seq"]), str(last["hash"])
    return 0, GENESIS


def _archives(workspace: Workspace) -> list[Path]:
    return sorted((folder(workspace) / "archive").glob("trail-*.jsonl"))


@contextlib.contextmanager
def _locked(workspace: Workspace) -> Iterator[None]:
    base = folder(workspace)
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    lock = base / ".lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def record(
    event: str,
    *,
    user: str | None = None,
    workspace: Workspace | None = None,
    at: dt.datetime | None = None,
    **details: object,
) -> dict:
    """Append one record and return it. `details`: JSON-able facts (no ledger cells)."""
    workspace = workspace or Workspace.from_env()
    moment = (at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    with _locked(workspace):
        seq, prev = _head(workspace)
        entry = {
            "seq": seq + 1,
            "at": moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "event": event,
            "user": user or cli_user(),
            "details": json.loads(json.dumps(details, ensure_ascii=False, default=str)),
            "prev": prev,
        }
        entry["hash"] = _digest(entry)
        path = trail_path(workspace)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    return entry


def _lines(workspace: Workspace) -> Iterator[tuple[Path, int, str]]:
    for path in [*_archives(workspace), trail_path(workspace)]:
        if path.exists():
            with path.open(encoding="utf-8", errors="replace") as handle:
                for number, line in enumerate(handle, start=1):
                    yield path, number, line.rstrip("\n")


@dataclass(frozen=True)
class Verdict:
    ok: bool
    records: int
    first_bad: int | None = None  # seq the record should have had
    where: str = ""  # file:line
    reason: str = ""


def verify(workspace: Workspace | None = None) -> Verdict:
    """Walk the chain from the first archived record to the last: every record parses, its
    hash is its content's, its seq follows and its prev is the hash before it."""
    workspace = workspace or Workspace.from_env()
    expected_seq, prev, count = 1, GENESIS, 0
    for path, number, line in _lines(workspace):
        where = f"{path.name}:{number}"

        def bad(
            reason: str, seq: int = expected_seq, where: str = where, count: int = count
        ) -> Verdict:
            return Verdict(False, count, seq, where, reason)

        try:
            entry = json.loads(line)
            if not isinstance(entry, dict):
                raise ValueError
        except ValueError:
            return bad("记录无法解析 (not a JSON record)")
        if entry.get("seq") != expected_seq:
            return bad(
                f"序号应为 {expected_seq}，实为 {entry.get('seq')}：记录被删除、插入或调换 "
                "(a record was removed, inserted or moved)"
            )
        if entry.get("hash") != _digest(entry):
            return bad("记录内容与其哈希不符：记录被修改 (the record was changed)")
        if entry.get("prev") != prev:
            return bad("与上一条记录的哈希链断开 (the chain to the record before is broken)")
        prev, expected_seq, count = entry["hash"], expected_seq + 1, count + 1
    return Verdict(True, count)


def records(
    workspace: Workspace | None = None, *, user: str | None = None, since: dt.date | None = None
) -> list[dict]:
    """Parsed records, oldest first, of a user and from a day if given (archive included)."""
    workspace = workspace or Workspace.from_env()
    found = []
    for _path, _number, line in _lines(workspace):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if user is not None and entry.get("user") != user:
            continue
        if since is not None and str(entry.get("at", ""))[:10] < since.isoformat():
            continue
        found.append(entry)
    return found


def archive(
    before: dt.date, workspace: Workspace | None = None, today: dt.date | None = None
) -> int:
    """Move the records from before `before` into audit/archive/ (intact, never dropped);
    `before` must be at least RETENTION_DAYS ago. Returns how many moved."""
    workspace = workspace or Workspace.from_env()
    today = today or dt.datetime.now(dt.UTC).date()
    if (today - before).days < RETENTION_DAYS:
        raise UsageError(
            f"审计记录至少保留 {RETENTION_DAYS} 天：--before 须不晚于 "
            f"{today - dt.timedelta(days=RETENTION_DAYS)} "
            f"(records are kept at least {RETENTION_DAYS} days)"
        )
    with _locked(workspace):
        path = trail_path(workspace)
        if not path.exists():
            return 0
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        old = [line for line in lines if json.loads(line)["at"][:10] < before.isoformat()]
        if not old:
            return 0
        keep = lines[len(old) :]
        if any(json.loads(line)["at"][:10] < before.isoformat() for line in keep):
            raise UsageError("审计记录时间顺序异常，未归档 (records out of time order)")
        first, last = json.loads(old[0])["seq"], json.loads(old[-1])["seq"]
        target = folder(workspace) / "archive" / f"trail-{first:012d}-{last:012d}.jsonl"
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.writelines(old)
            handle.flush()
            os.fsync(handle.fileno())
        partial = path.with_name(".trail.jsonl.partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.writelines(keep)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
        return len(old)

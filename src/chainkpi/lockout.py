"""Sign-in lockout (等保 身份鉴别): after FAILURES wrong passwords within WINDOW, an account —
and, separately, a client address — is locked for LOCK; the sign-in form then refuses even
the right password, with the same message as a wrong one.

    guard = Lockout.for_workspace()
    guard.locked_until("ne_head", "10.0.0.7")   # None, or when the lock ends (unix seconds)
    guard.attempt("ne_head", "10.0.0.7", ok=False)  # True when this failure locked it
    guard.last_signin("ne_head")                 # unix seconds of the last success, or None

Attempts live beside the sessions, in `$CHAINKPI_HOME/sessions.sqlite3` (0600): never the
password, only the name typed (an unknown name counts against the address only). Settings:
CHAINKPI_LOCKOUT_FAILURES (5), CHAINKPI_LOCKOUT_WINDOW_MINUTES (15),
CHAINKPI_LOCKOUT_MINUTES (15).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from chainkpi.errors import UsageError
from chainkpi.sessions import store_path
from chainkpi.settings import Workspace

_SCHEMA = """
create table if not exists signin_attempts (
    username text not null,      -- as typed (lower-cased); '' when none
    client text not null,        -- the client address as the server saw it; '' when unknown
    at real not null,            -- unix seconds
    ok integer not null          -- 1 signed in, 0 refused
)
"""
_INDEX = "create index if not exists signin_attempts_at on signin_attempts (at)"
# Kept this long for `kpi user list` (last sign-in); the audit trail keeps the history.
_KEEP_SECONDS = 400 * 86400


def _setting(name: str, default: float) -> float:
    configured = os.environ.get(name, "").strip()
    if not configured:
        return default
    try:
        value = float(configured)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise UsageError(f"{name} 应为正数，而不是 {configured!r} (a positive number)")
    return value


@dataclass(frozen=True)
class Lockout:
    path: Path
    failures: int = 5
    window: float = 15 * 60.0  # seconds
    lock: float = 15 * 60.0  # seconds

    @classmethod
    def for_workspace(cls, workspace: Workspace | None = None) -> Lockout:
        return cls(
            store_path(workspace),
            int(_setting("CHAINKPI_LOCKOUT_FAILURES", 5)),
            _setting("CHAINKPI_LOCKOUT_WINDOW_MINUTES", 15) * 60,
            _setting("CHAINKPI_LOCKOUT_MINUTES", 15) * 60,
        )

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        con = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            con.execute(_SCHEMA)
            con.execute(_INDEX)
            yield con
        finally:
            con.close()

    def _locked_by(
        self, con: sqlite3.Connection, column: str, value: str, now: float
    ) -> float | None:
        """When the lock on `column = value` ends: the failures since its last success, within
        the window before the newest failure, reached the limit less than `lock` ago."""
        if not value:
            return None
        rows = con.execute(
            f"select at, ok from signin_attempts where {column} = ? and at > ? order by at desc",  # noqa: S608 - column is one of two literals
            (value, now - self.lock - self.window),
        ).fetchall()
        failures: list[float] = []
        for at, ok in rows:
            if ok:
                break
            failures.append(at)
        for i in range(len(failures) - self.failures + 1):
            newest, oldest = failures[i], failures[i + self.failures - 1]
            if newest - oldest <= self.window and now < newest + self.lock:
                return newest + self.lock
        return None

    def locked_until(self, username: str, client: str, *, now: float | None = None) -> float | None:
        now = time.time() if now is None else now
        with self._connect() as con:
            ends = [
                self._locked_by(con, "username", username.strip().lower(), now),
                self._locked_by(con, "client", client, now),
            ]
        ends = [end for end in ends if end is not None]
        return max(ends) if ends else None

    def attempt(self, username: str, client: str, ok: bool, *, now: float | None = None) -> bool:
        """Record a sign-in attempt; True when this failure locked the account or address."""
        now = time.time() if now is None else now
        with self._connect() as con:
            con.execute("delete from signin_attempts where at < ?", (now - _KEEP_SECONDS,))
            con.execute(
                "insert into signin_attempts (username, client, at, ok) values (?, ?, ?, ?)",
                (username.strip().lower(), client or "", now, int(ok)),
            )
        return not ok and self.locked_until(username, client, now=now) is not None

    def last_signin(self, username: str) -> float | None:
        with self._connect() as con:
            row = con.execute(
                "select max(at) from signin_attempts where username = ? and ok = 1",
                (username.strip().lower(),),
            ).fetchone()
        return row[0] if row else None

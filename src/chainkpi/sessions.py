"""Dashboard sessions that survive a page reload: opaque random tokens, kept server-side as
hashes only.

    store = SessionStore.for_workspace(workspace)
    token = store.create("ne_head")      # after a password check; goes into the cookie
    store.resolve(token)                  # "ne_head" while the session is alive, else None
    store.revoke(token)                   # at sign-out

- A token is `secrets.token_urlsafe(32)` (256 random bits): it says nothing about the user,
  the role or the password, and cannot be guessed. The browser holds it in a cookie; the
  server never stores it, only its SHA-256 (a fast hash is right for a random secret of this
  length: there is nothing to brute-force), so a copy of the store does not let anyone in.
- The store is a SQLite file under `$CHAINKPI_HOME` (`sessions.sqlite3`, mode 0600), not in
  the warehouse: `kpi build` replaces the warehouse and the dashboard reads it read-only.
  SQLite because every Streamlit session is a thread of one server, and `kpi serve` may run
  more than once on a workspace.
- A session ends after `idle_timeout()` without a request (default 30 minutes,
  `CHAINKPI_SESSION_IDLE_MINUTES`), after `MAX_LIFETIME` whatever happens (12 hours), and at
  sign-out. The user name is stored, never the role: the role is read from users.toml when a
  session is resumed, so a changed role or a removed user takes effect at the next reload.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import secrets
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from chainkpi.errors import UsageError
from chainkpi.settings import Workspace

COOKIE_NAME = "chainkpi_session"
DEFAULT_IDLE_MINUTES = 30
MAX_LIFETIME = dt.timedelta(hours=12)
# A session's last-seen time is written at most this often (not at every rerun of a page).
_TOUCH_EVERY_SECONDS = 30

_SCHEMA = """
create table if not exists sessions (
    token_hash text primary key,   -- sha256 hex of the token; the token itself is never stored
    username text not null,
    created_at real not null,      -- unix seconds
    last_seen_at real not null
)
"""


def idle_timeout() -> dt.timedelta:
    """CHAINKPI_SESSION_IDLE_MINUTES (a positive number of minutes), default 30."""
    configured = os.environ.get("CHAINKPI_SESSION_IDLE_MINUTES", "").strip()
    if not configured:
        return dt.timedelta(minutes=DEFAULT_IDLE_MINUTES)
    try:
        minutes = float(configured)
    except ValueError:
        minutes = -1.0
    if not minutes > 0:
        raise UsageError(
            f"CHAINKPI_SESSION_IDLE_MINUTES 应为正数（分钟），而不是 {configured!r} "
            "(idle timeout: a positive number of minutes)"
        )
    return dt.timedelta(minutes=minutes)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def store_path(workspace: Workspace | None = None) -> Path:
    configured = os.environ.get("CHAINKPI_SESSIONS_FILE")
    if configured:
        return Path(configured).expanduser()
    return (workspace or Workspace.from_env()).home / "sessions.sqlite3"


@dataclass(frozen=True)
class SessionStore:
    path: Path
    idle: dt.timedelta = dt.timedelta(minutes=DEFAULT_IDLE_MINUTES)
    max_lifetime: dt.timedelta = MAX_LIFETIME

    @classmethod
    def for_workspace(cls, workspace: Workspace | None = None) -> SessionStore:
        return cls(store_path(workspace), idle_timeout())

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Created 0600 before SQLite opens it (SQLite would follow the umask).
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        con = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            con.execute(_SCHEMA)
            yield con
        finally:
            con.close()

    def create(self, username: str) -> str:
        """A new session for `username`; the token for the cookie (returned once, never kept)."""
        token = secrets.token_urlsafe(32)
        now = time.time()
        with self._connect() as con:
            self._purge(con, now)
            con.execute(
                "insert into sessions (token_hash, username, created_at, last_seen_at) "
                "values (?, ?, ?, ?)",
                (token_hash(token), username, now, now),
            )
        return token

    def resolve(self, token: str | None, *, now: float | None = None) -> str | None:
        """The user name of a live session (and it counts as activity), else None; an expired
        session is deleted on the way."""
        if not token:
            return None
        now = time.time() if now is None else now
        key = token_hash(token)
        with self._connect() as con:
            row = con.execute(
                "select username, created_at, last_seen_at from sessions where token_hash = ?",
                (key,),
            ).fetchone()
            if row is None:
                return None
            username, created_at, last_seen_at = row
            if self._expired(created_at, last_seen_at, now):
                con.execute("delete from sessions where token_hash = ?", (key,))
                return None
            if now - last_seen_at >= min(_TOUCH_EVERY_SECONDS, self.idle.total_seconds() / 4):
                con.execute("update sessions set last_seen_at = ? where token_hash = ?", (now, key))
            return username

    def peek(self, token: str | None) -> tuple[str, float, float] | None:
        """(username, created_at, last_seen_at) of a stored session, alive or not, without
        counting as activity: why a session ended, for the audit trail."""
        if not token:
            return None
        with self._connect() as con:
            row = con.execute(
                "select username, created_at, last_seen_at from sessions where token_hash = ?",
                (token_hash(token),),
            ).fetchone()
        return tuple(row) if row else None

    def revoke(self, token: str | None) -> None:
        if not token:
            return
        with self._connect() as con:
            con.execute("delete from sessions where token_hash = ?", (token_hash(token),))

    def revoke_user(self, username: str) -> int:
        """End every session of `username` (a password change, a user removed); how many."""
        with self._connect() as con:
            return con.execute("delete from sessions where username = ?", (username,)).rowcount

    def _expired(self, created_at: float, last_seen_at: float, now: float) -> bool:
        return (
            now - last_seen_at > self.idle.total_seconds()
            or now - created_at > self.max_lifetime.total_seconds()
        )

    def _purge(self, con: sqlite3.Connection, now: float) -> None:
        con.execute(
            "delete from sessions where ? - last_seen_at > ? or ? - created_at > ?",
            (now, self.idle.total_seconds(), now, self.max_lifetime.total_seconds()),
        )

"""The dashboard's session tokens (chainkpi.sessions): random, opaque, stored only as hashes,
ended by the idle timeout, the maximum lifetime and sign-out."""

from __future__ import annotations

import datetime as dt
import sqlite3
import time

import pytest

from chainkpi import sessions
from chainkpi.errors import UsageError
from chainkpi.sessions import SessionStore


@pytest.fixture
def store(tmp_path) -> SessionStore:
    return SessionStore(tmp_path / "home" / "sessions.sqlite3", dt.timedelta(minutes=30))


def test_a_token_resolves_to_its_user_until_it_is_revoked(store):
    token = store.create("ne_head")
    assert store.resolve(token) == "ne_head"
    store.revoke(token)
    assert store.resolve(token) is None


def test_a_token_is_random_and_says_nothing_about_the_user(store):
    tokens = {store.create("ne_head") for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        assert len(token) >= 43  # 32 random bytes, URL-safe base64
        assert "ne_head" not in token
        assert all(c.isascii() and (c.isalnum() or c in "-_") for c in token)  # no "chain:NE"


def test_the_store_holds_a_hash_of_the_token_never_the_token(store):
    token = store.create("ne_head")
    assert token.encode() not in store.path.read_bytes()
    con = sqlite3.connect(store.path)
    try:
        rows = con.execute("select token_hash, username from sessions").fetchall()
    finally:
        con.close()
    assert rows == [(sessions.token_hash(token), "ne_head")]


def test_the_store_is_readable_by_its_owner_only(store):
    store.create("district")
    assert oct(store.path.stat().st_mode & 0o777) == "0o600"


def test_a_session_ends_after_the_idle_timeout_and_activity_extends_it(store):
    token = store.create("district")
    start = time.time()
    assert store.resolve(token, now=start + 29 * 60) == "district"  # active at minute 29
    assert store.resolve(token, now=start + 58 * 60) == "district"  # 29 minutes after that
    assert store.resolve(token, now=start + 89 * 60) is None  # 31 minutes idle
    assert store.resolve(token, now=start + 90 * 60) is None  # and it stays ended


def test_a_session_ends_after_its_maximum_lifetime_however_active(store):
    token = store.create("district")
    start = time.time()
    minute = 0
    while minute < 12 * 60:
        assert store.resolve(token, now=start + minute * 60) == "district", minute
        minute += 20
    assert store.resolve(token, now=start + 12 * 3600 + 60) is None


def test_unknown_and_empty_tokens_resolve_to_nobody(store):
    store.create("district")
    assert store.resolve("not-a-token-of-this-store") is None
    assert store.resolve("") is None
    assert store.resolve(None) is None


def test_revoking_a_user_ends_all_of_their_sessions(store):
    first, second, other = store.create("a"), store.create("a"), store.create("b")
    assert store.revoke_user("a") == 2
    assert store.resolve(first) is None and store.resolve(second) is None
    assert store.resolve(other) == "b"


def test_the_store_lives_in_the_workspace_not_the_warehouse(workspace):
    store = SessionStore.for_workspace(workspace)
    assert store.path == workspace.home / "sessions.sqlite3"
    assert workspace.warehouse_dir not in store.path.parents


def test_the_idle_timeout_is_configurable(monkeypatch):
    monkeypatch.delenv("CHAINKPI_SESSION_IDLE_MINUTES", raising=False)
    assert sessions.idle_timeout() == dt.timedelta(minutes=30)
    monkeypatch.setenv("CHAINKPI_SESSION_IDLE_MINUTES", "5")
    assert sessions.idle_timeout() == dt.timedelta(minutes=5)
    for wrong in ("0", "-3", "half an hour"):
        monkeypatch.setenv("CHAINKPI_SESSION_IDLE_MINUTES", wrong)
        with pytest.raises(UsageError, match="CHAINKPI_SESSION_IDLE_MINUTES"):
            sessions.idle_timeout()


def test_changing_a_users_password_or_role_ends_their_sessions(workspace):
    from chainkpi import auth

    users = auth.users_file(workspace)
    auth.add_user(users, "wang", "chain:SEMI", "first-password")
    auth.add_user(users, "li", "district", "other-password")
    store = SessionStore.for_workspace(workspace)
    wang, li = store.create("wang"), store.create("li")
    auth.add_user(users, "wang", "chain:SEMI", "second-password")
    assert store.resolve(wang) is None
    assert store.resolve(li) == "li"

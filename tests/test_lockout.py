"""Sign-in lockout (issue 20, 身份鉴别): five failures in 15 minutes lock an account, and an
address, for 15 minutes; the right password is refused meanwhile; a success resets the
count. A real SQLite store in a temporary folder; time passed explicitly."""

from __future__ import annotations

from chainkpi.lockout import Lockout

T0 = 1_800_000_000.0


def test_five_failures_lock_the_account_for_fifteen_minutes(tmp_path):
    guard = Lockout(tmp_path / "s.sqlite3")
    locked = [guard.attempt("ne_head", "10.0.0.1", False, now=T0 + i) for i in range(5)]
    assert locked == [False, False, False, False, True]
    # From another address too: the account is locked.
    assert guard.locked_until("NE_HEAD", "10.0.0.9", now=T0 + 60) == T0 + 4 + 900
    assert guard.locked_until("ne_head", "10.0.0.9", now=T0 + 4 + 901) is None


def test_failures_spread_over_more_than_the_window_do_not_lock(tmp_path):
    guard = Lockout(tmp_path / "s.sqlite3")
    for i in range(5):
        guard.attempt("ne_head", "10.0.0.1", False, now=T0 + i * 300)  # 20 minutes in all
    assert guard.locked_until("ne_head", "10.0.0.2", now=T0 + 1201) is None


def test_a_success_resets_the_count(tmp_path):
    guard = Lockout(tmp_path / "s.sqlite3")
    for i in range(4):
        guard.attempt("ne_head", "10.0.0.1", False, now=T0 + i)
    guard.attempt("ne_head", "10.0.0.1", True, now=T0 + 10)
    assert not guard.attempt("ne_head", "10.0.0.1", False, now=T0 + 11)
    assert guard.last_signin("ne_head") == T0 + 10


def test_one_address_trying_many_names_is_locked(tmp_path):
    guard = Lockout(tmp_path / "s.sqlite3")
    for i in range(5):
        guard.attempt(f"name{i}", "203.0.113.5", False, now=T0 + i)
    assert guard.locked_until("someone_else", "203.0.113.5", now=T0 + 10) is not None
    assert guard.locked_until("someone_else", "198.51.100.1", now=T0 + 10) is None


def test_settings_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINKPI_SESSIONS_FILE", str(tmp_path / "s.sqlite3"))
    monkeypatch.setenv("CHAINKPI_LOCKOUT_FAILURES", "2")
    monkeypatch.setenv("CHAINKPI_LOCKOUT_MINUTES", "0.05")
    guard = Lockout.for_workspace()
    assert guard.failures == 2 and guard.lock == 3.0
    guard.attempt("a", "", False, now=T0)
    assert guard.attempt("a", "", False, now=T0 + 1)
    assert guard.locked_until("a", "", now=T0 + 4.1) is None

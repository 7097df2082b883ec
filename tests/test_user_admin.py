"""User administration of issue 20 (身份鉴别): the password policy of `kpi user add`, disable,
enable and remove (a disabled or removed user's sessions end), `kpi user list` with lock state
and last sign-in, every change in the audit trail. The CLI as a user runs it, real files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from chainkpi import audit, auth
from chainkpi.lockout import Lockout
from chainkpi.sessions import SessionStore
from chainkpi.settings import Workspace

KPI = str(Path(sys.executable).with_name("kpi"))


def _kpi(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "CHAINKPI_HOME": str(home)}
    env.pop("CHAINKPI_USERS_FILE", None)
    env.pop("CHAINKPI_SESSIONS_FILE", None)
    return subprocess.run([KPI, *args], env=env, input=stdin, capture_output=True, text=True)


@pytest.mark.parametrize(
    ("password", "broken"),
    [
        ("Short1!", "至少 10 个字符"),
        ("alllowercaseletters", "至少三类"),
        ("Wang-Zhuren-2026", "不得包含用户名"),
        ("密" * 25 + "Aa1", "最多 72 字节"),
    ],
)
def test_a_password_against_the_policy_is_refused_saying_why(tmp_path, password, broken):
    done = _kpi(tmp_path, "user", "add", "zhuren", "--role", "district", "--password-stdin",
                stdin=password.replace("Zhuren", "zhuren") + "\n")  # fmt: skip
    assert done.returncode == 2
    assert broken in done.stderr
    assert not (tmp_path / "users.toml").exists()


def test_disable_enable_remove_end_sessions_and_are_audited(tmp_path):
    home = tmp_path
    done = _kpi(home, "user", "add", "wang", "--role", "chain:SEMI", "--password-stdin",
                stdin="Semi-Head-2026\n")  # fmt: skip
    assert done.returncode == 0, done.stderr
    users = home / "users.toml"
    store = SessionStore(home / "sessions.sqlite3")
    token = store.create("wang")
    assert _kpi(home, "user", "disable", "wang").returncode == 0
    assert store.resolve(token) is None
    assert auth.load_users(users) == {}
    assert auth.authenticate(auth.load_users(users), "wang", "Semi-Head-2026") is None
    assert "wang" in auth.load_users(users, include_disabled=True)
    listed = _kpi(home, "user", "list").stdout
    assert "wang" in listed and "disabled" in listed
    assert _kpi(home, "user", "enable", "wang").returncode == 0
    assert auth.authenticate(auth.load_users(users), "wang", "Semi-Head-2026") is not None
    token = store.create("wang")
    assert _kpi(home, "user", "remove", "wang").returncode == 0
    assert store.resolve(token) is None
    assert "wang" not in auth.load_users(users, include_disabled=True)
    events = [r["event"] for r in audit.records(Workspace(home))]
    assert events == ["user_add", "user_disable", "user_enable", "user_remove"]
    assert audit.verify(Workspace(home)).ok
    assert _kpi(home, "user", "remove", "wang").returncode == 2


def test_the_list_shows_lock_state_and_last_sign_in(tmp_path):
    home = tmp_path
    for name in ("li", "wang"):
        _kpi(home, "user", "add", name, "--role", "district", "--password-stdin",
             stdin="Good-Password-7\n")  # fmt: skip
    guard = Lockout(home / "sessions.sqlite3")
    guard.attempt("li", "10.0.0.1", True)
    for _ in range(5):
        guard.attempt("wang", "10.0.0.1", False)
    lines = {line.split("\t")[0]: line for line in _kpi(home, "user", "list").stdout.splitlines()}
    assert "active" in lines["li"] and "UTC" in lines["li"]
    assert "locked" in lines["wang"]
    assert "Good-Password" not in "".join(lines.values())

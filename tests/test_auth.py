"""Dashboard users: bcrypt hashes only, roles checked, scopes that filter chains."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from chainkpi import auth
from chainkpi.errors import UsageError

KPI = str(Path(sys.executable).with_name("kpi"))


def test_user_add_stores_a_salted_hash_never_the_password(workspace):
    done = subprocess.run(
        [KPI, "user", "add", "wang", "--role", "chain:SEMI", "--name", "王主任", "--password-stdin"],
        input="s3cret-password\n", capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    path = auth.users_file(workspace)
    text = path.read_text(encoding="utf-8")
    assert "s3cret-password" not in text and "$2b$" in text
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    users = auth.load_users(path)
    assert auth.authenticate(users, "wang", "s3cret-password").scope.chain == "SEMI"
    assert auth.authenticate(users, "wang", "wrong-password") is None
    assert auth.authenticate(users, "nobody", "s3cret-password") is None
    # The same password twice gives two hashes (salted).
    auth.add_user(path, "li", "district", "s3cret-password")
    hashes = [u.password_hash for u in auth.load_users(path).values()]
    assert hashes[0] != hashes[1]


@pytest.mark.parametrize(
    ("username", "role", "password"),
    [("a.b", "district", "longenough"), ("ok", "chain:XX", "longenough"), ("ok", "superuser", "longenough"),
     ("ok", "analyst", "short")],
)  # fmt: skip
def test_bad_users_are_refused(tmp_path, username, role, password):
    with pytest.raises(UsageError):
        auth.add_user(tmp_path / "users.toml", username, role, password)


def test_an_entry_with_an_unknown_role_grants_nothing(tmp_path):
    path = tmp_path / "users.toml"
    path.write_text(
        '[users.x]\nrole = "superuser"\npassword_hash = "$2b$12$abc"\n', encoding="utf-8"
    )
    assert auth.load_users(path) == {}


def test_scopes():
    assert auth.Scope("chain:NE").chains == ("ALL", "NE")
    assert auth.Scope("district").chains == ("ALL", "NE", "SEMI", "EQUIP", "MAT")
    assert auth.Scope("analyst").sees_rejected_rows
    assert not auth.Scope("district").sees_rejected_rows
    assert not auth.Scope("chain:NE").sees_rejected_rows

"""A small published warehouse for the dashboard tests: the hand-made ledgers of test_build
through the real ingest and the real dbt build, made once per test session (the first test
module that asks builds it; later ones find it)."""

from __future__ import annotations

import os
from pathlib import Path

from chainkpi.settings import Workspace

SECRET = "test-secret"
# The dashboard requires sign-in: tests sign in as these users (the AppTests by setting the
# server-side session, the browser test through the form).
TEST_USERS = {
    "tester": ("analyst", "test-password-1"),
    "ne_tester": ("chain:NE", "test-password-2"),
}


def sign_in(at, role: str = "analyst", username: str = "tester"):
    """Put a signed-in user into an AppTest's session (what the sign-in form does)."""
    from dashboards.signin import USER_KEY

    at.session_state[USER_KEY] = {"username": username, "role": role, "display_name": username}
    return at


def add_test_users(home: Path) -> None:
    from chainkpi import auth

    path = Path(home) / "users.toml"
    if not path.exists():
        for username, (role, password) in TEST_USERS.items():
            auth.add_user(path, username, role, password)


def dashboard_workspace(tmp_path_factory) -> Path:
    """CHAINKPI_HOME of the shared small warehouse (built on first use)."""
    from chainkpi.ingest.pipeline import ingest
    from chainkpi.publish import build
    from tests.test_build import AS_OF, hand_made_ledgers

    home = tmp_path_factory.getbasetemp() / "dashboard_home"
    workspace = Workspace(home)
    if workspace.published_db.exists():
        return home
    add_test_users(home)
    saved = {k: os.environ.get(k) for k in ("CHAINKPI_HOME", "CHAINKPI_SECRET")}
    os.environ.update(CHAINKPI_HOME=str(home), CHAINKPI_SECRET=SECRET)
    try:
        workspace.ensure()
        hand_made_ledgers(workspace.inbox)
        assert ingest(None, workspace).exit_code == 0
        assert build(workspace, as_of=AS_OF).published
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return home

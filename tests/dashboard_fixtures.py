"""Signing in for the dashboard tests: the test users (added to conftest's shared warehouse,
`home`) and what the sign-in form does to an AppTest's session."""

from __future__ import annotations

from pathlib import Path

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

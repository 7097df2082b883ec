"""Sign-in: who is looking, and so what they may read.

Users and roles live in `$CHAINKPI_HOME/users.toml` (chainkpi.auth; `kpi user add`), with
passwords only as bcrypt hashes. A district with an identity provider can use Streamlit's
OIDC sign-in instead (`st.login`): configure `[auth]` in `.streamlit/secrets.toml` and give
each user an `email = "…"` in users.toml, which maps the signed-in address to a role.

The signed-in user lives in the server-side session (the browser cannot set it); the
queries read its scope from here and filter where the data is read (dashboards/queries.py).
"""

from __future__ import annotations

import streamlit as st

from chainkpi import auth

USER_KEY = "chainkpi_user"


class NotSignedIn(Exception):
    pass


def current_user() -> dict | None:
    return st.session_state.get(USER_KEY)


def current_scope() -> auth.Scope:
    user = current_user()
    if not user:
        raise NotSignedIn
    return auth.Scope(user["role"])


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _sign_in_with_oidc(users: dict[str, auth.User], tr) -> None:
    if not st.user.is_logged_in:
        st.title(tr("signin_title"))
        st.button(tr("signin_oidc"), on_click=st.login, type="primary")
        st.stop()
    email = (st.user.get("email") or "").lower()
    match = next((u for u in users.values() if u.email and u.email.lower() == email), None)
    if match is None:
        st.error(tr("signin_oidc_unknown", email=email))
        st.button(tr("signout"), on_click=st.logout)
        st.stop()
    st.session_state[USER_KEY] = {
        "username": match.username,
        "role": match.role,
        "display_name": match.display_name,
    }


def require_user(tr) -> dict:
    """The signed-in user, or a sign-in form and st.stop()."""
    user = current_user()
    if user:
        return user
    path = auth.users_file()
    users = auth.load_users(path)
    if not users:
        st.title(tr("signin_title"))
        st.warning(tr("signin_no_users", path=path))
        st.stop()
    if _oidc_configured():
        _sign_in_with_oidc(users, tr)
        return current_user()
    st.title(tr("signin_title"))
    with st.form("signin"):
        username = st.text_input(tr("signin_username"))
        password = st.text_input(tr("signin_password"), type="password")
        submitted = st.form_submit_button(tr("signin_button"), type="primary")
    if submitted:
        found = auth.authenticate(users, username, password)
        if found:
            st.session_state[USER_KEY] = {
                "username": found.username,
                "role": found.role,
                "display_name": found.display_name,
            }
            st.rerun()
        st.error(tr("signin_failed"))
    st.stop()


def sign_out() -> None:
    st.session_state.pop(USER_KEY, None)
    # Cached results are keyed by role, so nothing needs clearing for the next user; the
    # session's own widget state goes with the sign-out.
    for key in list(st.session_state.keys()):
        del st.session_state[key]

"""Sign-in: who is looking, and so what they may read.

Users and roles live in `$CHAINKPI_HOME/users.toml` (chainkpi.auth; `kpi user add`), with
passwords only as bcrypt hashes. A district with an identity provider can use Streamlit's
OIDC sign-in instead (`st.login`): configure `[auth]` in `.streamlit/secrets.toml` and give
each user an `email = "…"` in users.toml, which maps the signed-in address to a role.

The signed-in user lives in the server-side session (the browser cannot set it); the
queries read its scope from here and filter where the data is read (dashboards/queries.py).

A page reload starts a new Streamlit session. So that it does not sign the user out, a
password sign-in also opens a session in chainkpi.sessions (a random token, stored hashed
under $CHAINKPI_HOME) and hands the token to the browser as the cookie `chainkpi_session`;
the next session finds it in `st.context.cookies` and resumes. Every run checks the token is
still alive (idle timeout, sign-out) and reads the user's role afresh from users.toml.

Streamlit's script API sends no HTTP response of its own, so the cookie is written by a
three-line script in the page (`st.html(..., unsafe_allow_javascript=True)`): SameSite=Strict,
Secure over HTTPS, a session cookie (gone when the browser closes) — but not HttpOnly, which
only a server's Set-Cookie header can give. SECURITY.md says what follows from that.
"""

from __future__ import annotations

import re

import streamlit as st

from chainkpi import auth, sessions

USER_KEY = "chainkpi_user"
TOKEN_KEY = "_chainkpi_session_token"  # the session's token, server-side memory only
NOTE_KEY = "_chainkpi_signin_note"  # a one-line note for the sign-in form (session ended)
FORGET_KEY = "_chainkpi_forget_cookie"  # have the browser drop the cookie at the next form
DEAD_KEY = "_chainkpi_dead_cookie"  # this session's cookie was tried and is not alive
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


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


def _record(user: auth.User) -> dict:
    return {"username": user.username, "role": user.role, "display_name": user.display_name}


def _cookie_token() -> str | None:
    """The session cookie the browser sent when this Streamlit session connected."""
    try:
        token = st.context.cookies.get(sessions.COOKIE_NAME)
    except Exception:  # no browser behind this session (AppTest, bare mode)
        return None
    return token if isinstance(token, str) and _TOKEN_SHAPE.match(token) else None


def resume(tr) -> dict | None:
    """The signed-in user of this run, or None. Call once per run, before the page.

    - A session signed in here with a token: the token must still be alive (not idle past the
      timeout, not revoked by a sign-out elsewhere) and the user still in users.toml; its role
      is read afresh. Otherwise the session ends with a one-line note.
    - A new session (a reload, a bookmarked link) with a live cookie resumes that sign-in.
    - A user set without a token (OIDC, or a test putting a user into the session) stands.
    """
    user = current_user()
    token = st.session_state.get(TOKEN_KEY)
    if user is not None and token is None:
        return user
    if token is None:
        token = _cookie_token()
        if token is None or token == st.session_state.get(DEAD_KEY):
            return None
    store = sessions.SessionStore.for_workspace()
    username = store.resolve(token)
    found = auth.load_users(auth.users_file()).get(username) if username else None
    if found is None:
        if username:
            store.revoke(token)  # the user was removed from users.toml
        _clear_session()
        st.session_state[FORGET_KEY] = True
        st.session_state[DEAD_KEY] = _cookie_token()
        st.session_state[NOTE_KEY] = tr(
            "session_ended", minutes=f"{store.idle.total_seconds() / 60:g}"
        )
        return None
    record = _record(found)
    st.session_state[USER_KEY] = record
    st.session_state[TOKEN_KEY] = token
    return record


def keep_cookie() -> None:
    """Hand this session's token to the browser, unless the browser already sent it."""
    token = st.session_state.get(TOKEN_KEY)
    if token and token != _cookie_token():
        _cookie_script(token)


def _cookie_script(token: str | None) -> None:
    path = "/" + (st.get_option("server.baseUrlPath") or "").strip("/")
    # The token is URL-safe base64 (checked): nothing in it can end the string or the cookie.
    value = token if token and _TOKEN_SHAPE.match(token) else ""
    lifetime = "" if value else "; Max-Age=0"
    st.sidebar.html(
        "<script>document.cookie = "
        f"'{sessions.COOKIE_NAME}={value}; Path={path}; SameSite=Strict{lifetime}'"
        " + (location.protocol === 'https:' ? '; Secure' : '');</script>",
        unsafe_allow_javascript=True,
    )


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
    st.session_state[USER_KEY] = _record(match)


def require_user(tr) -> dict:
    """The signed-in user, or a sign-in form and st.stop().

    The page the URL asked for (and its filters) stays in the URL meanwhile: app.py has
    resolved it already, and shows it once the form has signed the user in."""
    user = current_user()
    if user:
        return user
    if st.session_state.pop(FORGET_KEY, False):
        _cookie_script(None)
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
    note = st.session_state.get(NOTE_KEY)
    if note:
        st.caption(note)
    with st.form("signin"):
        username = st.text_input(tr("signin_username"))
        password = st.text_input(tr("signin_password"), type="password")
        submitted = st.form_submit_button(tr("signin_button"), type="primary")
    if submitted:
        found = auth.authenticate(users, username, password)
        if found:
            token = sessions.SessionStore.for_workspace().create(found.username)
            st.session_state.pop(NOTE_KEY, None)
            st.session_state[USER_KEY] = _record(found)
            st.session_state[TOKEN_KEY] = token
            st.rerun()
        st.error(tr("signin_failed"))
    st.stop()


def _clear_session() -> None:
    # Cached results are keyed by role, so nothing needs clearing for the next user; the
    # session's own widget and filter state goes with the sign-in.
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def sign_out() -> None:
    """Revoke the session's token (a reload, or the cookie replayed, no longer signs in),
    forget everything of the session, and have the browser drop the cookie."""
    sessions.SessionStore.for_workspace().revoke(st.session_state.get(TOKEN_KEY))
    _clear_session()
    st.session_state[FORGET_KEY] = True
    st.session_state[DEAD_KEY] = _cookie_token()  # revoked too, if it was this session's

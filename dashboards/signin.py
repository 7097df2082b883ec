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

等保 身份鉴别 and 安全审计 (issue 20): the form locks an account, and a client address, after
repeated failures (chainkpi.lockout), with the one message of a wrong password for an unknown
user, a wrong password and a locked account alike. Sign-in, failure, lockout, sign-out, a
session ended by the store (idle, lifetime, revoked, user removed or disabled), a role
changed under a live session, each page view with its filters and each download go to the
audit trail (chainkpi.audit), under the dashboard user's name and the client address.

A temporary password (`kpi user add` sets one: `must_change = true` in users.toml) signs the
user in to one thing only: the 修改密码 form (require_password_change). No page runs and no
query answers (current_scope refuses) until the user has chosen a password of their own that
holds the policy of `kpi user add`; then the flag is cleared and `password_changed` recorded.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import time

import streamlit as st

from chainkpi import audit, auth, sessions
from chainkpi.errors import UsageError
from chainkpi.lockout import Lockout

USER_KEY = "chainkpi_user"
TOKEN_KEY = "_chainkpi_session_token"  # the session's token, server-side memory only
NOTE_KEY = "_chainkpi_signin_note"  # a one-line note for the sign-in form (session ended)
FORGET_KEY = "_chainkpi_forget_cookie"  # have the browser drop the cookie at the next form
DEAD_KEY = "_chainkpi_dead_cookie"  # this session's cookie was tried and is not alive
OIDC_KEY = "_chainkpi_oidc"  # signed in by st.login: re-mapped from users.toml every run
VIEW_KEY = "_chainkpi_last_view"  # (page, filters) last written to the audit trail
UNKNOWN_USER = "(unknown)"  # the audit's user for a name not in users.toml (never the text typed)
# The roles of separated duties (等保 访问控制) see one page each and no data.
DUTY_PAGES = {
    "admin": ("users", "page_users", ":material/group:"),
    "auditor": ("audit", "page_audit", ":material/policy:"),
}
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
_ADDRESS = re.compile(r"[0-9A-Fa-f:.]{2,64}")  # an IPv4 or IPv6 address's characters


class NotSignedIn(Exception):
    pass


def current_user() -> dict | None:
    return st.session_state.get(USER_KEY)


def current_scope() -> auth.Scope:
    user = current_user()
    if not user or user.get("must_change"):  # a temporary password reads no data
        raise NotSignedIn
    return auth.Scope(user["role"])


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def client_address() -> str:
    """The client's address as far as the server can tell, '' when it cannot.

    `st.context.ip_address` is the connection's peer; Streamlit gives None when that is this
    machine (127.0.0.1, ::1): a local browser, or the district's reverse proxy, which then
    says who its client is in X-Real-IP or as the last X-Forwarded-For entry (the one the
    proxy appended). Those headers are read only from a local peer: from anyone else they
    could be forged. '' (a local browser) locks accounts only, never an address."""
    try:
        peer = st.context.ip_address
    except Exception:  # no browser behind this session (AppTest, bare mode)
        return ""
    if isinstance(peer, str) and peer:
        return peer if _ADDRESS.fullmatch(peer) else ""
    try:
        headers = st.context.headers
        real = (headers.get("X-Real-IP") or "").strip()
        forwarded = headers.get_all("X-Forwarded-For") or []
    except Exception:
        return ""
    last = forwarded[-1].split(",")[-1].strip() if forwarded else ""
    found = real or last
    return found if _ADDRESS.fullmatch(found) else ""


def _audit(event: str, user: str | None, **details: object) -> None:
    """One record of the dashboard's in the audit trail, with the client address."""
    audit.record(event, user=user or UNKNOWN_USER, client=client_address(), **details)


def _record(user: auth.User) -> dict:
    record = {"username": user.username, "role": user.role, "display_name": user.display_name}
    if user.must_change:
        record["must_change"] = True
    return record


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
        if st.session_state.get(OIDC_KEY):
            return _recheck_oidc(user, tr)
        return user
    if token is None:
        token = _cookie_token()
        if token is None or token == st.session_state.get(DEAD_KEY):
            return None
    store = sessions.SessionStore.for_workspace()
    stored = store.peek(token)  # before resolve(), which deletes an expired session
    username = store.resolve(token)
    found = _users_or_stop(tr).get(username) if username else None
    if found is None:
        if username:
            store.revoke(token)  # the user was removed from users.toml, or disabled
        who = username or (stored[0] if stored else None) or (user or {}).get("username")
        _audit("session_end", who, reason=_why_ended(store, stored, username))
        _clear_session()
        st.session_state[FORGET_KEY] = True
        st.session_state[DEAD_KEY] = _cookie_token()
        st.session_state[NOTE_KEY] = tr(
            "session_ended", minutes=f"{store.idle.total_seconds() / 60:g}"
        )
        return None
    record = _record(found)
    if user is not None and user.get("role") != found.role:
        _audit("role_changed", found.username, before=user.get("role"), after=found.role)
        _forget_page_state()
    st.session_state[USER_KEY] = record
    st.session_state[TOKEN_KEY] = token
    return record


def _users_or_stop(tr) -> dict[str, auth.User]:
    """users.toml's users; if the file cannot be read, one line for the visitor — no path,
    no exception, no traceback (those go to the server's log for the administrator)."""
    try:
        return auth.load_users(auth.users_file())
    except UsageError as exc:
        logging.getLogger("chainkpi.signin").error("%s", exc)
        st.title(tr("signin_title"))
        st.error(tr("signin_unavailable"))
        st.stop()
        raise  # st.stop() raised already; for the type checker


def _why_ended(
    store: sessions.SessionStore, stored: tuple[str, float, float] | None, username: str | None
) -> str:
    """Why a session's token no longer signs its user in, in the audit's words."""
    if username:  # alive in the store, but the user is gone from users.toml or disabled
        every = auth.load_users(auth.users_file(), include_disabled=True)
        return "user_disabled" if username in every else "user_removed"
    if stored is None:  # signed out, ended by `kpi user …`, or never issued
        return "revoked"
    _name, created_at, last_seen_at = stored
    now = time.time()
    if now - last_seen_at > store.idle.total_seconds():
        return "idle_timeout"
    if now - created_at > store.max_lifetime.total_seconds():
        return "lifetime"
    return "revoked"


def _forget_page_state() -> None:
    """A new role: the pages' remembered filters were the old scope's."""
    for key in list(st.session_state.keys()):
        if key.startswith(("_keep_", "_owner_")) or key == VIEW_KEY:
            del st.session_state[key]


def _recheck_oidc(user: dict, tr) -> dict | None:
    """An OIDC session: the address must still map to a user of users.toml, role afresh."""
    users = auth.load_users(auth.users_file())
    email = (user.get("email") or "").lower()
    match = next((u for u in users.values() if u.email and u.email.lower() == email), None)
    if match is None:
        _audit("session_end", user.get("username"), reason="user_removed")
        _clear_session()
        st.session_state[NOTE_KEY] = tr("session_ended", minutes="—")
        return None
    record = {**_record(match), "email": match.email}
    if record["role"] != user.get("role"):
        _audit("role_changed", match.username, before=user.get("role"), after=match.role)
        _forget_page_state()
    st.session_state[USER_KEY] = record
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
    if not st.session_state.get(OIDC_KEY):
        _audit("signin", match.username, method="oidc", role=match.role)
    st.session_state[USER_KEY] = {**_record(match), "email": match.email}
    st.session_state[OIDC_KEY] = True


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
    users = _users_or_stop(tr)
    if not users:
        st.title(tr("signin_title"))
        logging.getLogger("chainkpi.signin").warning("no dashboard users in %s", path)
        st.warning(tr("signin_no_users"))  # no path for a visitor: it is in the server's log
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
        if _check_password(users, username, password):
            st.rerun()
        # One message whatever failed: an unknown name, a wrong password, a locked account.
        st.error(tr("signin_failed"))
    st.stop()


def _check_password(users: dict[str, auth.User], username: str, password: str) -> bool:
    """The form's submission: signs the user in (True), or records why not (False)."""
    name = username.strip()
    client = client_address()
    guard = Lockout.for_workspace()
    locked_until = guard.locked_until(name, client)
    # The hash is checked even when locked, so the answer takes as long either way.
    found = auth.authenticate(users, name, password)
    every = auth.load_users(auth.users_file(), include_disabled=True)
    who = name if name in every else None  # never the text typed for an unknown name
    if locked_until is not None:
        _audit("signin_failed", who, reason="locked", right_password=found is not None)
        return False
    if found is None:
        reason = (
            "unknown_user"
            if who is None
            else ("disabled" if every[who].disabled else "wrong_password")
        )
        locked = guard.attempt(name, client, ok=False)
        _audit("signin_failed", who, reason=reason)
        if locked:
            # The account's live sessions end too (issue 20: the token is revoked at lockout).
            ended = sessions.SessionStore.for_workspace().revoke_user(who) if who else 0
            ends = dt.datetime.fromtimestamp(guard.locked_until(name, client) or 0, dt.UTC)
            until = ends.strftime("%Y-%m-%dT%H:%M:%SZ")
            _audit("lockout", who, until=until, failures=guard.failures, sessions_ended=ended)
        return False
    guard.attempt(name, client, ok=True)
    token = sessions.SessionStore.for_workspace().create(found.username)
    _audit("signin", found.username, method="password", role=found.role)
    st.session_state.pop(NOTE_KEY, None)
    st.session_state[USER_KEY] = _record(found)
    st.session_state[TOKEN_KEY] = token
    return True


# ------------------------------------------------------- a temporary password (身份鉴别)

CHANGE_TEXT = {
    "title": ("修改密码", "Change your password"),
    "why": (
        "您的密码是管理员设置的临时密码，须先修改为只有您知道的新密码，才能查看数据。",
        "Your password is a temporary one set by the administrator: choose a password of your "
        "own before you can see any data.",
    ),
    "rule": (
        "新密码：至少 10 个字符，包含小写字母、大写字母、数字、其他符号中的至少三类，不得包含用户名，不得与当前密码相同。",
        "New password: at least 10 characters, three of lower case, upper case, digits and "
        "other symbols, not containing your user name, not the current password.",
    ),
    "current": ("当前密码", "Current password"),
    "new": ("新密码", "New password"),
    "again": ("再次输入新密码", "New password again"),
    "button": ("修改密码", "Change password"),
    "differ": ("两次输入的新密码不一致", "The two new passwords differ"),
    "refused": ("新密码不符合要求：{problems}", "The new password is refused: {problems}"),
    "wrong": ("当前密码不正确", "The current password is wrong"),
}
# auth's policy sentences (Chinese) in English, for the English form.
_PROBLEMS_EN = {
    f"至少 {auth.MIN_POLICY_LENGTH} 个字符": f"at least {auth.MIN_POLICY_LENGTH} characters",
    "须包含小写字母、大写字母、数字、其他符号中的至少三类": (
        "three of lower case, upper case, digits and other symbols"
    ),
    "不得包含用户名": "must not contain the user name",
    f"最多 {auth.MAX_PASSWORD_BYTES} 字节": f"at most {auth.MAX_PASSWORD_BYTES} bytes",
    "不得与当前密码相同": "must differ from the current password",
}


def _change_text(key: str, **values: object) -> str:
    from dashboards import ui  # ui imports this module: read the language at run time

    zh, en = CHANGE_TEXT[key]
    found = en if ui.lang() == "en" else zh
    return found.format(**values) if values else found


def require_password_change(tr) -> None:
    """A user signed in with a temporary password sees the 修改密码 form and nothing else
    (st.stop()) until the password is changed; every page, whatever the URL, stops here."""
    user = current_user()
    if not user or not user.get("must_change"):
        return
    st.title(_change_text("title"))
    st.info(_change_text("why"))
    st.caption(_change_text("rule"))
    with st.form("change_password"):
        current = st.text_input(_change_text("current"), type="password")
        new = st.text_input(_change_text("new"), type="password")
        again = st.text_input(_change_text("again"), type="password")
        submitted = st.form_submit_button(_change_text("button"), type="primary")
    if submitted:
        error = _change_password(user["username"], current, new, again)
        if error is None:
            st.rerun()
        if current_user() is None:  # locked out by wrong current passwords: signed out
            st.rerun()
        st.error(error)
    st.button(tr("signout"), on_click=sign_out)
    st.stop()


def _change_password(username: str, current: str, new: str, again: str) -> str | None:
    """The form's submission: None when changed, else the message to show."""
    if new != again:
        return _change_text("differ")
    try:
        auth.change_password(auth.users_file(), username, current, new)
    except auth.PasswordRejected as exc:
        if exc.problems == [auth.WRONG_CURRENT]:
            _wrong_current_password(username)
            return _change_text("wrong")
        english = [_PROBLEMS_EN.get(p, p) for p in exc.problems]
        from dashboards import ui

        problems = "; ".join(english) if ui.lang() == "en" else "；".join(exc.problems)
        _audit("password_change_failed", username, reason="policy")
        return _change_text("refused", problems=problems)
    # The temporary password's other sessions end; this one goes on under a new token.
    store = sessions.SessionStore.for_workspace()
    store.revoke_user(username)
    _audit("password_changed", username)
    st.session_state[TOKEN_KEY] = store.create(username)
    record = dict(current_user() or {})
    record.pop("must_change", None)
    st.session_state[USER_KEY] = record
    return None


def _wrong_current_password(username: str) -> None:
    """A wrong current password counts as a failed sign-in: the lockout applies, and a lock
    ends the account's sessions, this one included."""
    client = client_address()
    guard = Lockout.for_workspace()
    _audit("password_change_failed", username, reason="wrong_password")
    if guard.attempt(username, client, ok=False):
        ended = sessions.SessionStore.for_workspace().revoke_user(username)
        ends = dt.datetime.fromtimestamp(guard.locked_until(username, client) or 0, dt.UTC)
        until = ends.strftime("%Y-%m-%dT%H:%M:%SZ")
        _audit("lockout", username, until=until, failures=guard.failures, sessions_ended=ended)
        _clear_session()
        st.session_state[FORGET_KEY] = True
        st.session_state[DEAD_KEY] = _cookie_token()


def _clear_session() -> None:
    # Cached results are keyed by role, so nothing needs clearing for the next user; the
    # session's own widget and filter state goes with the sign-in.
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def sign_out() -> None:
    """Revoke the session's token (a reload, or the cookie replayed, no longer signs in),
    forget everything of the session, and have the browser drop the cookie."""
    user = current_user()
    sessions.SessionStore.for_workspace().revoke(st.session_state.get(TOKEN_KEY))
    if user:
        _audit("signout", user.get("username"))
    _clear_session()
    st.session_state[FORGET_KEY] = True
    st.session_state[DEAD_KEY] = _cookie_token()  # revoked too, if it was this session's


# ------------------------------------------------------------------ the audit of use (安全审计)

_FILTER_KEYS = 12  # at most this many URL parameters in a view's record, each cut to 100


def record_view(page: str) -> None:
    """A record of the page this run showed and its filters (the URL's parameters: every
    picker mirrors itself there) — once per page opened or filter changed, not per rerun."""
    user = current_user()
    if not user:
        return
    try:
        params = st.query_params.to_dict()
    except Exception:
        params = {}
    filters = {
        str(key)[:40]: str(value)[:100]
        for key, value in list(params.items())[:_FILTER_KEYS]
        if key != "lang"
    }
    view = (page, tuple(sorted(filters.items())))
    if st.session_state.get(VIEW_KEY) == view:
        return
    st.session_state[VIEW_KEY] = view
    _audit("view", user.get("username"), page=page, filters=filters)


def record_download(what: str, file_name: str, **details: object) -> None:
    """A download button's click (its on_click): what, the file, its chain and period."""
    user = current_user() or {}
    _audit("download", user.get("username"), what=what, file=file_name, **details)


def download_button(container, label: str, data, *, file_name: str, mime: str, what: str,
                    key: str, icon: str | None = None, **details: object) -> bool:  # fmt: skip
    """st.download_button that writes an audit record when clicked (what, chain, period)."""
    return container.download_button(
        label,
        data=data,
        file_name=file_name,
        mime=mime,
        icon=icon,
        key=key,
        on_click=record_download,
        args=(what, file_name),
        kwargs=details,
    )

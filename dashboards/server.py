"""The dashboard as served by `kpi serve`: dashboards/app.py inside Streamlit's ASGI `st.App`,
with one middleware of chainkpi's own in front of Streamlit's routes (issue 20, item 7).

- **Downloads need the session.** Streamlit serves a file of `st.download_button` at
  `/media/<hash of its content>.<ext>` to any request that names it, with no sign-in, for as
  long as a session refers to it and a while after. Here a `/media/…` request is answered only
  when it carries the cookie of a live chainkpi session (chainkpi.sessions: not signed out,
  not idle past the timeout, its user still in users.toml and not disabled); otherwise 403.
  The browser sends that cookie with the download (same site, `Path=/`), so a signed-in user
  notices nothing; a URL copied out of the browser, a proxy's log or another machine gets
  nothing, and nothing after sign-out or timeout.
- **No one clears the shared cache.** Streamlit's "Clear cache" (a `clear_cache` message on
  the websocket, which any visitor can send before signing in) empties st.cache_data and
  st.cache_resource for every session: every user's next page reads the warehouse again. The
  dashboard never needs it (its caches are keyed by the warehouse's version), so the
  middleware drops that message from every websocket.
- **No framing.** Every HTTP response says `X-Frame-Options: DENY` and
  `Content-Security-Policy: frame-ancestors 'none'`, so no other site can frame the dashboard
  (clickjacking); the reverse proxy may add them as well (docs/serving.md).

`streamlit run dashboards/server.py` finds the `app` below (Streamlit's ASGI discovery) and
runs it with uvicorn, with the same command-line options and .streamlit/config.toml as
`streamlit run dashboards/app.py`, which still works (for development, without the checks).
"""

from __future__ import annotations

import sys
from http.cookies import CookieError, SimpleCookie
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import anyio  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402
from streamlit.starlette import App  # noqa: E402

FRAME_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
]


def _session_user(cookie_header: str) -> str | None:
    """The user of the live chainkpi session whose token the Cookie header carries."""
    from chainkpi import auth, sessions

    try:
        jar = SimpleCookie()
        jar.load(cookie_header)
    except CookieError:
        return None
    morsel = jar.get(sessions.COOKIE_NAME)
    if morsel is None or not morsel.value:
        return None
    username = sessions.SessionStore.for_workspace().resolve(morsel.value)
    if username is None:
        return None
    return username if username in auth.load_users(auth.users_file()) else None


def _is_media(path: str) -> bool:
    from streamlit import config

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    prefix = f"/{base}/media/" if base else "/media/"
    return path.startswith(prefix)


def _is_clear_cache(data: bytes) -> bool:
    from streamlit.proto.BackMsg_pb2 import BackMsg

    message = BackMsg()
    try:
        message.ParseFromString(data)
    except Exception:  # not a BackMsg: Streamlit closes the connection itself
        return False
    return message.WhichOneof("type") == "clear_cache"


def _without_clear_cache(receive):
    """The websocket's incoming messages, less any request to clear the shared cache."""

    async def filtered():
        while True:
            message = await receive()
            data = message.get("bytes") if message["type"] == "websocket.receive" else None
            if data and _is_clear_cache(data):
                continue
            return message

    return filtered


class SessionGuard:
    """Pure ASGI middleware: /media/ needs a live session; no websocket clears the shared
    cache; every response refuses framing."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "websocket":
            await self.app(scope, _without_clear_cache(receive), send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _is_media(scope.get("path", "")):
            cookie = b"; ".join(v for k, v in scope.get("headers", []) if k == b"cookie")
            user = await anyio.to_thread.run_sync(_session_user, cookie.decode("latin-1"))
            if user is None:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 403,
                        "headers": [
                            (b"content-type", b"text/plain; charset=utf-8"),
                            *FRAME_HEADERS,
                        ],
                    }
                )
                await send(
                    {"type": "http.response.body", "body": "请先登录 (sign in first)".encode()}
                )
                return

        async def framed(message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in dict(FRAME_HEADERS)
                ]
                message = {**message, "headers": [*headers, *FRAME_HEADERS]}
            await send(message)

        await self.app(scope, receive, framed)


app = App("app.py", middleware=[Middleware(SessionGuard)])

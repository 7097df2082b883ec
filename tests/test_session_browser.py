"""Sessions and links in a real browser (Playwright, Debian's chromium): a shared link opens its
page with its filters after signing in, a reload keeps the user signed in within the idle
timeout, the session cookie is an opaque token, and signing out revokes it on the server."""

from __future__ import annotations

import re

import pytest

from chainkpi.sessions import COOKIE_NAME, token_hash
from tests.dashboard_fixtures import TEST_USERS
from tests.test_browser import (
    browser_page,
    needs_chromium,
    open_filters,
    serve,
    sign_in_page,
    wait_for_app,
)

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def url(dashboard_home):
    with serve(dashboard_home) as served:
        yield served


def heading(page) -> str:
    return page.locator('[data-testid="stMain"]').locator("h1").first.inner_text()


def session_cookie(page) -> dict | None:
    return next((c for c in page.context.cookies() if c["name"] == COOKIE_NAME), None)


def signed_in_page_loaded(page) -> None:
    page.wait_for_selector('[data-testid="stSidebarNav"]')
    wait_for_app(page)


def test_a_shared_link_opens_its_page_filtered_after_signing_in(url):
    with browser_page() as page:
        page.goto(f"{url}/projects?chain=SEMI")
        page.wait_for_selector('[data-testid="stForm"]')
        # Before signing in: the form only — no navigation, no figures, the link kept.
        assert page.locator('[data-testid="stSidebarNav"]').count() == 0
        assert page.locator('[data-testid="stMetric"]').count() == 0
        assert page.url.endswith("/projects?chain=SEMI")
        sign_in_page(page, "tester", TEST_USERS["tester"][1])
        page.wait_for_function("() => window.location.search.includes('chains=SEMI')")
        signed_in_page_loaded(page)
        assert "/projects?" in page.url
        assert heading(page) == "项目储备库"
        main = page.locator('[data-testid="stMain"]')
        open_filters(page)
        chains = main.locator('[data-testid="stMultiSelect"]').first.inner_text()
        assert "半导体和电子信息" in chains and "新能源" not in chains
        assert "共 1 个项目" in main.inner_text()  # P004, the one SEMI project


def test_a_reload_keeps_the_session_and_signing_out_revokes_it(url, dashboard_home):
    with browser_page() as page:
        page.goto(f"{url}/")
        sign_in_page(page, "ne_tester", TEST_USERS["ne_tester"][1])
        signed_in_page_loaded(page)
        cookie = session_cookie(page)
        assert cookie is not None
        # An opaque token: no user name, role or password in it; SameSite=Strict.
        token = cookie["value"]
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # 32 random bytes, nothing else
        assert "ne_tester" not in token and TEST_USERS["ne_tester"][1] not in token
        assert cookie["sameSite"] == "Strict" and cookie["path"] == "/"
        assert cookie["expires"] == -1  # a session cookie: gone when the browser closes
        # The server keeps only its hash.
        store = (dashboard_home / "sessions.sqlite3").read_bytes()
        assert token.encode() not in store and token_hash(token).encode() in store

        page.locator('[data-testid="stSidebarNav"]').get_by_text("产业链").click()
        page.wait_for_url("**/chain**")
        wait_for_app(page)
        assert heading(page).startswith("新能源")  # a chain office opens on its chain
        page.reload()
        signed_in_page_loaded(page)
        assert page.locator('[data-testid="stForm"]').count() == 0
        assert heading(page).startswith("新能源") and "/chain" in page.url

        page.get_by_role("button", name="退出登录").click()
        page.wait_for_selector('[data-testid="stForm"]')
        page.wait_for_function(f"() => !document.cookie.includes('{COOKIE_NAME}=')")
        assert session_cookie(page) is None
        assert token_hash(token).encode() not in (dashboard_home / "sessions.sqlite3").read_bytes()
        # The old cookie, replayed (kept by a proxy, copied off the machine), signs nobody in.
        page.context.add_cookies([{**cookie, "sameSite": "Strict"}])
        page.goto(f"{url}/chain")
        page.wait_for_selector('[data-testid="stForm"]')
        wait_for_app(page)
        assert page.locator('[data-testid="stSidebarNav"]').count() == 0
        assert page.locator('[data-testid="stMetric"]').count() == 0


def test_a_choice_on_the_chain_page_does_not_move_the_overview(url):
    with browser_page() as page:
        page.goto(f"{url}/")
        sign_in_page(page, "tester", TEST_USERS["tester"][1])
        page.wait_for_selector('[data-testid="stMetric"]')
        signed_in_page_loaded(page)
        assert "chain=ALL" in page.url
        page.locator('[data-testid="stSidebarNav"]').get_by_text("产业链").click()
        page.wait_for_url("**/chain**")
        wait_for_app(page)
        assert heading(page).startswith("全区")  # 全区 on the chain page too: side by side
        open_filters(page)
        page.locator('[data-testid="stSelectbox"]').filter(has_text="产业链").click()
        page.get_by_role("option", name="新能源").click()
        page.wait_for_function("() => window.location.search.includes('chain=NE')")
        wait_for_app(page)
        assert heading(page).startswith("新能源")
        page.locator('[data-testid="stSidebarNav"]').get_by_text("总览").click()
        page.wait_for_function("() => !window.location.pathname.includes('chain')")
        page.wait_for_function("() => window.location.search.includes('chain=ALL')")
        wait_for_app(page)
        assert "全区" in page.locator('[data-testid="stMain"]').inner_text()


def test_an_idle_session_ends_after_the_timeout(dashboard_home):
    import sqlite3

    from chainkpi.sessions import DEFAULT_IDLE_MINUTES

    with serve(dashboard_home) as served, browser_page() as page:
        page.goto(f"{served}/leads")
        sign_in_page(page, "tester", TEST_USERS["tester"][1])
        signed_in_page_loaded(page)
        cookie = session_cookie(page)
        assert cookie is not None
        # Idle a minute past the timeout: the session's times moved back in the store, as
        # waiting would leave them. Not a real wait with the timeout cut to 3 s: a sign-in
        # slower than that, on a busy machine, would end the session before the test looks.
        idle = (DEFAULT_IDLE_MINUTES + 1) * 60
        con = sqlite3.connect(dashboard_home / "sessions.sqlite3")
        try:
            with con:
                moved = con.execute(
                    "update sessions set created_at = created_at - ?, "
                    "last_seen_at = last_seen_at - ? where token_hash = ?",
                    (idle, idle, token_hash(cookie["value"])),
                ).rowcount
        finally:
            con.close()
        assert moved == 1
        page.reload()
        page.wait_for_selector('[data-testid="stForm"]')
        wait_for_app(page)
        assert "会话已结束" in page.locator('[data-testid="stMain"]').inner_text()
        assert page.locator('[data-testid="stSidebarNav"]').count() == 0
        assert "/leads" in page.url  # signing in again returns to the page

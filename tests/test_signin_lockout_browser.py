"""Sign-in lockout and idle timeout in a real browser (issue 20, 身份鉴别): Playwright with
Debian's chromium against `streamlit run` on a copy of the small warehouse, with short
settings from the environment.

- five wrong passwords lock the account; the right one is then refused with the same
  message; it is accepted once the lock has expired (CHAINKPI_LOCKOUT_MINUTES=0.1);
- failures from one client address (as the reverse proxy reports it) lock that address for
  every account, not another address;
- a session left idle past CHAINKPI_SESSION_IDLE_MINUTES is signed out at its next action;
- each of these is in the audit trail."""

from __future__ import annotations

import contextlib
import json
import shutil

import pytest

from tests.dashboard_fixtures import TEST_USERS
from tests.test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    needs_chromium,
    serve,
    sign_in_page,
    wait_for_app,
)

pytestmark = needs_chromium
MESSAGE = "用户名或密码不正确"


@pytest.fixture
def own_home(home, tmp_path):
    """A copy of the small warehouse's workspace: the locks and the trail are the test's."""
    copy = tmp_path / "home"
    shutil.copytree(home, copy, ignore=shutil.ignore_patterns("sessions.sqlite3", "audit"))
    return copy


@contextlib.contextmanager
def browser_pages(*headers: dict):
    """One page per set of extra headers, each in its own browser context (own cookies)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            pages = []
            for extra in headers:
                context = browser.new_context(
                    viewport={"width": 1280, "height": 900}, locale="zh-CN",
                    extra_http_headers=extra,
                )  # fmt: skip
                page = context.new_page()
                page.set_default_timeout(60_000)
                pages.append(page)
            yield pages
        finally:
            browser.close()


def trail(home) -> list[dict]:
    path = home / "audit" / "trail.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def refusals(home) -> int:
    path = home / "audit" / "trail.jsonl"
    return sum(r["event"] == "signin_failed" for r in trail(home)) if path.exists() else 0


def failed_attempt(page, home, username: str, password: str) -> None:
    """Submit the form and wait until the server has refused it (its audit record) and the
    page shows the answer."""
    before = refusals(home)
    sign_in_page(page, username, password)
    for _ in range(600):  # a limit, not a timing: the refusal comes when the run ends
        if refusals(home) > before:
            break
        page.wait_for_timeout(100)
    page.get_by_text(MESSAGE).wait_for()
    wait_for_app(page)


def error_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def signed_in(page) -> None:
    page.wait_for_selector('[data-testid="stSidebarNav"]')
    wait_for_app(page)


def test_five_wrong_passwords_lock_the_account_until_the_lock_expires(own_home, monkeypatch):
    monkeypatch.setenv("CHAINKPI_LOCKOUT_MINUTES", "0.1")  # six seconds
    password = TEST_USERS["tester"][1]
    with serve(own_home) as url, browser_pages({}) as (page,):
        page.goto(f"{url}/")
        # An unknown user and a wrong password read the same.
        failed_attempt(page, own_home, "nobody", "whatever-1")
        assert MESSAGE in error_text(page)
        for n in range(5):
            failed_attempt(page, own_home, "tester", f"wrong-{n}")
        assert MESSAGE in error_text(page)
        # Locked: the right password is refused with the very same message.
        page.goto(f"{url}/")
        failed_attempt(page, own_home, "tester", password)
        assert MESSAGE in error_text(page)
        assert page.locator('[data-testid="stSidebarNav"]').count() == 0
        records = trail(own_home)
        assert [r["event"] for r in records if r["user"] == "tester"][-2:] == [
            "lockout",
            "signin_failed",
        ]
        assert records[-1]["details"]["reason"] == "locked"
        # Once the lock has expired, the right password signs in.
        page.wait_for_timeout(7000)
        page.goto(f"{url}/")
        sign_in_page(page, "tester", password)
        signed_in(page)
        page.wait_for_selector('[data-testid="stMetric"]')  # the overview's figures, once drawn
    events = [r["event"] for r in trail(own_home) if r["user"] == "tester"]
    assert "signin" in events[events.index("lockout") :]


def test_failures_from_one_address_lock_that_address_only(own_home, monkeypatch):
    monkeypatch.setenv("CHAINKPI_LOCKOUT_MINUTES", "15")
    hostile = {"X-Forwarded-For": "203.0.113.7"}  # as the district's reverse proxy says
    other = {"X-Forwarded-For": "198.51.100.20"}
    with serve(own_home) as url, browser_pages(hostile, other) as (bad, good):
        bad.goto(f"{url}/")
        for n in range(5):  # a different (unknown) name each time: only the address adds up
            failed_attempt(bad, own_home, f"guess{n}", "whatever-1")
        bad.goto(f"{url}/")
        failed_attempt(bad, own_home, "ne_tester", TEST_USERS["ne_tester"][1])
        assert bad.locator('[data-testid="stSidebarNav"]').count() == 0
        good.goto(f"{url}/")
        sign_in_page(good, "ne_tester", TEST_USERS["ne_tester"][1])
        signed_in(good)
    records = trail(own_home)
    locks = [r for r in records if r["event"] == "lockout"]
    assert locks and locks[0]["details"]["client"] == "203.0.113.7"
    assert any(
        r["event"] == "signin" and r["details"]["client"] == "198.51.100.20" for r in records
    )


def test_an_idle_session_is_signed_out_at_its_next_action(own_home, monkeypatch):
    monkeypatch.setenv("CHAINKPI_SESSION_IDLE_MINUTES", "0.2")  # twelve seconds
    with serve(own_home) as url, browser_pages({}) as (page,):
        page.goto(f"{url}/leads")
        sign_in_page(page, "tester", TEST_USERS["tester"][1])
        signed_in(page)
        page.wait_for_timeout(14_000)
        # No reload: a click in the open page, after the timeout, ends the session.
        page.locator('[data-testid="stSidebarNav"]').get_by_text("项目").click()
        page.wait_for_selector('[data-testid="stForm"]')
        wait_for_app(page)
        assert "会话已结束" in page.locator('[data-testid="stMain"]').inner_text()
        assert page.locator('[data-testid="stSidebarNav"]').count() == 0
        assert page.locator('[data-testid="stMetric"]').count() == 0
    ended = [r for r in trail(own_home) if r["event"] == "session_end"]
    assert ended and ended[-1]["user"] == "tester"
    assert ended[-1]["details"]["reason"] == "idle_timeout"

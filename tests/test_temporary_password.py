"""A temporary password changed at first sign-in (issue 20, 等保 身份鉴别): `kpi user add` marks
the password it sets as temporary (`must_change = true` in users.toml); signed in with it, the
dashboard shows the 修改密码 form and no data, on every page and URL, until the user has chosen
a password of their own under the policy of `kpi user add`; then the flag is gone, the data
shows and the audit trail holds `password_changed` (no password in it). Run by AppTest on a
copy of the small warehouse, by the real CLI, and once in a real browser."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from chainkpi import audit, auth
from dashboards.signin import USER_KEY
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, needs_chromium, serve, wait_for_app

APP = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"
KPI = str(Path(sys.executable).with_name("kpi"))
TEMPORARY = "Linshi-Mima-2026"  # what the administrator typed into `kpi user add`
OWN = "Wode.Xin-Mima7"  # the user's own new password


@pytest.fixture
def ws_home(home, tmp_path, monkeypatch):
    """A copy of the small warehouse's workspace, with `wang` (chain:NE) added by the real
    `kpi user add`: a temporary password."""
    copy = tmp_path / "home"
    shutil.copytree(home, copy, ignore=shutil.ignore_patterns("sessions.sqlite3", "audit"))
    monkeypatch.setenv("CHAINKPI_HOME", str(copy))
    for name in ("CHAINKPI_USERS_FILE", "CHAINKPI_SESSIONS_FILE", "CHAINKPI_LOCKOUT_FAILURES"):
        monkeypatch.delenv(name, raising=False)
    done = subprocess.run(
        [KPI, "user", "add", "wang", "--role", "chain:NE", "--name", "王主任", "--password-stdin"],
        input=TEMPORARY + "\n", capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "临时密码" in done.stdout
    return copy


def submit(at: AppTest, *values: str) -> AppTest:
    for field, value in zip(at.text_input, values, strict=True):
        field.input(value)
    return at.button[0].click().run()


def shown(at: AppTest) -> str:
    kinds = ("title", "markdown", "caption", "info", "error", "metric", "subheader")
    return " ".join(str(getattr(e, "value", "")) for kind in kinds for e in getattr(at, kind))


def signed_in_with_the_temporary_password() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    submit(at, "wang", TEMPORARY)
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state[USER_KEY]["username"] == "wang"
    return at


def assert_only_the_form(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "修改密码"
    assert [t.label for t in at.text_input] == ["当前密码", "新密码", "再次输入新密码"]
    assert not at.metric and not at.dataframe and not at.get("plotly_chart")
    assert not at.get("download_button") and not at.selectbox
    assert "新能源" not in shown(at)  # not even the chain's name, nor the warehouse's time
    assert not [c for c in at.sidebar.caption if "数据截至" in str(c.value)]


def test_kpi_user_add_sets_a_temporary_password_and_files_without_the_flag_still_work(ws_home):
    text = auth.users_file().read_text(encoding="utf-8")
    assert "[users.wang]" in text and "must_change = true" in text
    assert TEMPORARY not in text
    users = auth.load_users(auth.users_file())
    assert users["wang"].must_change
    # The test users of the shared fixtures (and any file written before the flag) have none.
    assert not users["tester"].must_change and not users["ne_tester"].must_change
    listed = subprocess.run([KPI, "user", "list"], capture_output=True, text=True, timeout=60)
    line = next(x for x in listed.stdout.splitlines() if x.startswith("wang\t"))
    assert "temporary password" in line
    assert not any("temporary" in x for x in listed.stdout.splitlines() if x.startswith("tester"))
    (record,) = [r for r in audit.records() if r["event"] == "user_add"]
    assert record["details"]["temporary_password"] is True


def test_the_admin_page_shows_who_still_has_a_temporary_password(ws_home):
    auth.add_user(auth.users_file(), "the_admin", "admin", OWN)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    submit(at, "the_admin", OWN)
    assert at.title[0].value == "用户"
    states = dict(zip(at.dataframe[0].value["用户名"], at.dataframe[0].value["状态"], strict=True))
    assert states["wang"] == "正常，待改临时密码" and states["tester"] == "正常"


def test_the_demo_users_are_not_temporary(tmp_path):
    path = tmp_path / "users.toml"
    assert auth.ensure_demo_users(path)
    assert "must_change" not in path.read_text(encoding="utf-8")
    assert not any(u.must_change for u in auth.load_users(path).values())


def test_a_temporary_password_opens_the_change_form_and_no_page(ws_home):
    at = signed_in_with_the_temporary_password()
    assert_only_the_form(at)
    # No page by the navigation, nor by a link with filters: the form again, no data.
    for page in ("projects", "chain", "quality", "export", "party"):
        at.query_params.clear()
        at.query_params.update({"chain": "NE"})
        at.switch_page(f"views/{page}.py").run()
        assert_only_the_form(at)
    assert at.session_state[USER_KEY]["must_change"] is True
    views = [r for r in audit.records() if r["event"] == "view" and r["user"] == "wang"]
    assert views == []  # no page was shown


@pytest.mark.parametrize(
    ("current", "new", "again", "message"),
    [
        (TEMPORARY, "Short-1", "Short-1", "新密码不符合要求：至少 10 个字符"),
        (TEMPORARY, "alllowercaseletters", "alllowercaseletters", "至少三类"),
        (TEMPORARY, "Wang-Zhuren-2026", "Wang-Zhuren-2026", "不得包含用户名"),
        (TEMPORARY, TEMPORARY, TEMPORARY, "不得与当前密码相同"),
        (TEMPORARY, OWN, OWN + "x", "两次输入的新密码不一致"),
        ("wrong-Password-1", OWN, OWN, "当前密码不正确"),
    ],
    ids=["short", "classes", "username", "same", "mismatch", "wrong_current"],
)
def test_a_weak_or_mistyped_new_password_is_refused_saying_why(
    ws_home, current, new, again, message
):
    at = signed_in_with_the_temporary_password()
    submit(at, current, new, again)
    assert_only_the_form(at)
    assert message in " ".join(e.value for e in at.error)
    assert auth.load_users(auth.users_file())["wang"].must_change  # still temporary
    assert not [r for r in audit.records() if r["event"] == "password_changed"]
    assert new not in audit.trail_path().read_text(encoding="utf-8")


def test_the_changed_password_clears_the_flag_shows_the_data_and_is_audited(ws_home):
    at = signed_in_with_the_temporary_password()
    submit(at, TEMPORARY, OWN, OWN)
    assert not at.exception, [e.value for e in at.exception]
    assert "must_change" not in at.session_state[USER_KEY]
    assert at.title[0].value != "修改密码" and at.metric  # the overview, with its figures
    assert "新能源" in shown(at)
    text = auth.users_file().read_text(encoding="utf-8")
    assert "must_change" not in text.split("[users.wang]")[1]
    users = auth.load_users(auth.users_file())
    assert not users["wang"].must_change
    assert auth.authenticate(users, "wang", OWN) and not auth.authenticate(users, "wang", TEMPORARY)
    (changed,) = [r for r in audit.records() if r["event"] == "password_changed"]
    assert changed["user"] == "wang"
    trail = audit.trail_path().read_text(encoding="utf-8")
    assert OWN not in trail and TEMPORARY not in trail
    assert audit.verify().ok
    # Signing in again with the new password goes straight to the data.
    again = AppTest.from_file(str(APP), default_timeout=60).run()
    submit(again, "wang", OWN)
    assert not again.exception and again.metric and again.title[0].value != "修改密码"


def test_wrong_current_passwords_count_towards_the_lockout(ws_home, monkeypatch):
    monkeypatch.setenv("CHAINKPI_LOCKOUT_FAILURES", "2")
    at = signed_in_with_the_temporary_password()
    submit(at, "wrong-Password-1", OWN, OWN)
    assert "当前密码不正确" in at.error[0].value
    submit(at, "wrong-Password-2", OWN, OWN)  # locked: the session ends
    assert USER_KEY not in at.session_state
    assert at.title[0].value.startswith("登录")
    assert [r["event"] for r in audit.records() if r["user"] == "wang"][-1] == "lockout"


@needs_chromium
def test_in_a_browser_the_first_sign_in_changes_the_password_then_shows_the_data(ws_home):
    from playwright.sync_api import sync_playwright

    with serve(ws_home) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.set_default_timeout(60_000)
            page.goto(f"{url}/projects?chain=NE")  # a link: still the form first
            page.wait_for_selector('[data-testid="stForm"]')
            page.get_by_label("用户名").fill("wang")
            page.get_by_label("密码", exact=True).fill(TEMPORARY)
            page.get_by_role("button", name="登录").click()
            page.get_by_label("当前密码").wait_for()
            wait_for_app(page)
            body = page.locator("body").inner_text()
            assert "修改密码" in body and "新能源" not in body
            assert page.locator('[data-testid="stSidebarNav"]').count() == 0
            page.reload()  # the cookie resumes the session, and the form with it
            page.get_by_label("当前密码").wait_for()
            wait_for_app(page)
            assert page.locator('[data-testid="stDataFrame"]').count() == 0
            page.get_by_label("当前密码").fill(TEMPORARY)
            page.get_by_label("新密码", exact=True).fill("short")
            page.get_by_label("再次输入新密码").fill("short")
            page.get_by_role("button", name="修改密码").click()
            page.get_by_text("新密码不符合要求").wait_for()
            page.get_by_label("当前密码").fill(TEMPORARY)
            page.get_by_label("新密码", exact=True).fill(OWN)
            page.get_by_label("再次输入新密码").fill(OWN)
            page.get_by_role("button", name="修改密码").click()
            page.wait_for_selector('[data-testid="stSidebarNav"]')
            wait_for_app(page)
            # The link's page, with its filters: the projects of NE.
            assert "/projects" in page.url and "chains=NE" in page.url
            assert "个项目，计划总投资" in page.locator('[data-testid="stMain"]').inner_text()
        finally:
            browser.close()
    assert not auth.load_users(ws_home / "users.toml")["wang"].must_change
    events = [r["event"] for r in audit.records() if r["user"] == "wang"]
    assert events.count("password_changed") == 1

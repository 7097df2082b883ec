"""Sign-in as 等保 身份鉴别 asks (issue 20), run by AppTest on a copy of the small warehouse:
one message for an unknown user, a wrong password and a locked account; the account locked
after five failures; the user's state read from users.toml at every rerun (a role changed,
a user disabled or removed: the next rerun follows); a display name shown as text; the
separated duties (admin, auditor) on their one page, reading no data. Each with its audit
record."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from chainkpi import audit, auth
from dashboards.signin import TOKEN_KEY, USER_KEY
from tests.dashboard_fixtures import TEST_USERS

APP = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"
STRONG = "Str0ng-passw0rd!"


@pytest.fixture
def ws_home(home, tmp_path, monkeypatch):
    """A copy of the small warehouse's workspace: its users file is changed by the tests."""
    copy = tmp_path / "home"
    shutil.copytree(home, copy, ignore=shutil.ignore_patterns("sessions.sqlite3", "audit"))
    monkeypatch.setenv("CHAINKPI_HOME", str(copy))
    monkeypatch.delenv("CHAINKPI_USERS_FILE", raising=False)
    monkeypatch.delenv("CHAINKPI_SESSIONS_FILE", raising=False)
    for name in ("CHAINKPI_LOCKOUT_FAILURES", "CHAINKPI_LOCKOUT_WINDOW_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CHAINKPI_LOCKOUT_MINUTES", "15")
    return copy


def submit(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    return at.button[0].click().run()


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def events(**match) -> list[dict]:
    return [r for r in audit.records() if all(r.get(k) == v for k, v in match.items())]


def signed_in(username: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    submit(at, username, TEST_USERS[username][1])
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state[USER_KEY]["username"] == username
    return at


def test_unknown_user_wrong_password_and_locked_account_get_one_message(ws_home):
    elsewhere = signed_in("tester")  # the account's session in another browser
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    submit(at, "nobody", "whatever-1")
    unknown = errors(at)
    submit(at, "tester", "wrong-password")
    wrong = errors(at)
    assert unknown == wrong == ["用户名或密码不正确"]
    for _ in range(4):  # five failures in all on tester: locked
        submit(at, "tester", "wrong-password")
    assert USER_KEY not in at.session_state
    submit(at, "tester", TEST_USERS["tester"][1])  # the right password, refused
    assert errors(at) == wrong
    assert USER_KEY not in at.session_state and at.title[0].value.startswith("登录")
    # Another account is not locked (the address of an AppTest session is unknown: the
    # account alone locks).
    submit(at, "ne_tester", TEST_USERS["ne_tester"][1])
    assert at.session_state[USER_KEY]["username"] == "ne_tester"

    failed = events(event="signin_failed")
    assert [r["details"]["reason"] for r in failed] == [
        "unknown_user",
        *["wrong_password"] * 5,
        "locked",
    ]
    assert failed[0]["user"] == "(unknown)"  # never the text typed for an unknown name
    assert "nobody" not in audit.trail_path().read_text(encoding="utf-8")
    assert failed[-1]["details"]["right_password"] is True
    (lock,) = events(event="lockout", user="tester")
    assert lock["details"]["sessions_ended"] == 1
    elsewhere.run()  # the lockout ended the account's live session too
    assert USER_KEY not in elsewhere.session_state
    assert elsewhere.title[0].value.startswith("登录")
    assert len(events(event="signin", user="ne_tester")) == 1
    assert events(event="session_end", user="tester")[-1]["details"]["reason"] == "revoked"


def test_a_lock_ends_after_its_time(ws_home, monkeypatch):
    monkeypatch.setenv("CHAINKPI_LOCKOUT_FAILURES", "2")
    from chainkpi.lockout import Lockout

    at = AppTest.from_file(str(APP), default_timeout=60).run()
    submit(at, "tester", "wrong-password")
    submit(at, "tester", "wrong-password")
    submit(at, "tester", TEST_USERS["tester"][1])
    assert USER_KEY not in at.session_state
    # The lock's end, moved into the past: the store's own clock (no waiting in the test).
    guard = Lockout.for_workspace()
    import sqlite3

    with sqlite3.connect(guard.path) as con:
        con.execute("update signin_attempts set at = at - 3600")
    submit(at, "tester", TEST_USERS["tester"][1])
    assert at.session_state[USER_KEY]["username"] == "tester"


def test_a_role_changed_in_users_toml_applies_at_the_next_rerun(ws_home):
    at = signed_in("ne_tester")
    path = auth.users_file()
    path.write_text(
        path.read_text(encoding="utf-8").replace('role = "chain:NE"', 'role = "chain:SEMI"'),
        encoding="utf-8",
    )
    at.run()
    assert at.session_state[USER_KEY]["role"] == "chain:SEMI"
    assert "半导体" in at.title[0].value or "半导体" in " ".join(
        m.value for m in at.markdown
    ) + " ".join(c.value for c in at.caption)
    changed = events(event="role_changed", user="ne_tester")
    assert changed and changed[-1]["details"] == {
        "before": "chain:NE",
        "after": "chain:SEMI",
        "client": "",
    }


@pytest.mark.parametrize("how", ["removed", "disabled"])
def test_a_user_removed_or_disabled_is_signed_out_at_the_next_rerun(ws_home, how):
    at = signed_in("tester")
    path = auth.users_file()
    if how == "disabled":  # by hand in the file: the sessions are not revoked by a command
        path.write_text(
            path.read_text(encoding="utf-8").replace(
                'role = "analyst"\n', 'role = "analyst"\ndisabled = true\n'
            ),
            encoding="utf-8",
        )
    else:
        text = path.read_text(encoding="utf-8")
        start = text.index("[users.tester]")
        end = text.index("[users.", start + 1)
        path.write_text(text[:start] + text[end:], encoding="utf-8")
    at.run()
    assert USER_KEY not in at.session_state and TOKEN_KEY not in at.session_state
    assert at.title[0].value.startswith("登录")
    assert not at.metric and not at.dataframe
    ended = events(event="session_end", user="tester")
    assert ended[-1]["details"]["reason"] == f"user_{how}"


def test_signout_and_a_session_ended_by_the_store_are_recorded(ws_home):
    from chainkpi.sessions import SessionStore

    at = signed_in("tester")
    at.sidebar.button[0].click().run()  # 退出登录
    assert events(event="signout", user="tester")
    at = signed_in("ne_tester")
    SessionStore.for_workspace().revoke(at.session_state[TOKEN_KEY])
    at.run()
    assert events(event="session_end", user="ne_tester")[-1]["details"]["reason"] == "revoked"
    assert audit.verify().ok


def test_a_display_name_is_text_not_markdown(ws_home):
    auth.add_user(
        auth.users_file(), "marked", "analyst", STRONG, "**粗体** [链接](http://x.example)"
    )
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    submit(at, "marked", STRONG)
    line = next(c.value for c in at.sidebar.caption if "粗体" in c.value)
    assert "\\*\\*粗体\\*\\*" in line and "\\[链接\\]" in line


def test_page_views_are_recorded_once_per_page_and_filter(ws_home):
    at = signed_in("tester")
    at.run()  # a rerun without a change: no second record
    views = events(event="view", user="tester")
    assert len(views) == 1 and views[0]["details"]["page"] == "overview"
    assert {"year", "quarter", "chain"} <= set(views[0]["details"]["filters"])
    at.switch_page("views/projects.py").run()
    views = events(event="view", user="tester")
    assert [v["details"]["page"] for v in views] == ["overview", "projects"]


@pytest.mark.parametrize(
    ("role", "page", "title"), [("admin", "users", "用户"), ("auditor", "audit", "审计记录")]
)
def test_separated_duties_see_their_one_page_and_no_data(ws_home, role, page, title):
    auth.add_user(auth.users_file(), f"the_{role}", role, STRONG)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    submit(at, f"the_{role}", STRONG)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == title
    assert not at.metric
    for other in ("overview", "projects", "quality", "export", "chain", "hand_in"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"views/{other}.py")  # not in the navigation: no way there
    if role == "admin":
        frame = at.dataframe[0].value
        assert set(frame["用户名"]) >= {"tester", "ne_tester", "the_admin"}
    else:
        assert "审计记录完整" in at.success[0].value
        assert "signin" in set(at.dataframe[0].value["事件"])


def test_the_separated_duties_read_no_data():
    from dashboards import queries

    assert auth.Scope("admin").chains == () and not auth.Scope("auditor").reads_data
    assert auth.Scope("chain:NE").reads_data and auth.Scope("district").reads_data
    assert queries.NotAllowed  # fetch refuses them: tested through the pages above


def test_a_malformed_users_file_shows_one_line_and_no_path(ws_home):
    auth.users_file().write_text('[users.x\nrole = "analyst"\n', encoding="utf-8")
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert errors(at) == ["登录暂不可用：用户配置有误，请联系系统管理员"]
    shown = " ".join(str(e.value) for kind in ("title", "error", "caption", "markdown")
                     for e in getattr(at, kind))  # fmt: skip
    assert str(ws_home) not in shown and "users.toml" not in shown and not at.text_input


def test_the_auditor_page_names_the_first_changed_record(ws_home):
    auth.add_user(auth.users_file(), "the_auditor", "auditor", STRONG)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    submit(at, "the_auditor", STRONG)
    assert "审计记录完整" in at.success[0].value
    path = audit.trail_path()
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[0] = lines[0].replace('"event": "signin"', '"event": "signim"', 1)
    path.write_text("".join(lines), encoding="utf-8")
    at.run()
    assert "审计记录被改动：第 1 条（trail.jsonl:1）" in at.error[0].value
    # The filters: one user's records only.
    at.selectbox[0].select("the_auditor").run()
    assert set(at.dataframe[0].value["用户"]) == {"the_auditor"}


def test_no_users_yet_says_so_without_the_path(ws_home):
    auth.users_file().unlink()
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    (warning,) = [w.value for w in at.warning]
    assert "kpi user add" in warning and str(ws_home) not in warning and "users.toml" not in warning

"""Scope that behaves (spec/dashboard.md), every page with a chain picker run by AppTest on the
small built warehouse: a chain office opens on its own chain and a district user on 全区;
every picker offers 全区 where the user may see it; a choice on one page never changes
another's; a link's page and filters survive the sign-in; a chain outside the user's scope
falls back with a one-line note."""

from __future__ import annotations

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from chainkpi.settings import PROJECT_ROOT
from dashboards.signin import TOKEN_KEY, USER_KEY
from tests.dashboard_fixtures import TEST_USERS, sign_in

APP = PROJECT_ROOT / "dashboards" / "app.py"
PICKER_PAGES = ("overview", "chain", "projects", "leads", "talent", "export")
CHAINS = ["NE", "SEMI", "EQUIP", "MAT"]


@pytest.fixture(autouse=True)
def env(home, monkeypatch):
    monkeypatch.setenv("CHAINKPI_HOME", str(home))


def navigate(at: AppTest, page: str, **query: object) -> AppTest:
    """What a click in the sidebar's navigation does (the URL's parameters go, the page runs),
    or, with `query`, opening a link to that page with those parameters."""
    at.query_params.clear()
    at.query_params.update({key: str(value) for key, value in query.items()})
    at.switch_page(f"views/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_page(page: str, role: str, **query: object) -> AppTest:
    """A signed-in session that opens /page?query (a first run is needed to register pages)."""
    at = sign_in(AppTest.from_file(str(APP), default_timeout=60), role=role)
    if page == "overview":  # the default page: the first run opens it
        at.query_params.update({key: str(value) for key, value in query.items()})
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at
    at.run()
    return navigate(at, page, **query)


def scope(at: AppTest, page: str):
    """The page's chain choice: the picker's value (projects: the chosen chains)."""
    if page == "projects":
        return at.multiselect(key="chains").value
    return at.selectbox(key="chain").value


def texts(at: AppTest, kind: str) -> str:
    return " ".join(str(e.value) for e in getattr(at, kind))


# --- The scope a page opens on ----------------------------------------------------------------


@pytest.mark.parametrize("page", PICKER_PAGES)
def test_a_chain_office_opens_every_page_on_its_own_chain(page):
    at = open_page(page, "chain:NE")
    assert scope(at, page) == (["NE"] if page == "projects" else "NE")
    assert at.query_params[page == "projects" and "chains" or "chain"] == "NE"
    if page == "overview":
        assert "**新能源**" in texts(at, "markdown")
    if page == "chain":
        assert at.title[0].value.startswith("新能源")
    if page == "projects":
        assert set(at.dataframe[0].value["产业链"]) == {"新能源"}
    if page == "export":
        assert all(b.label.split(".")[0].endswith("_NE") for b in at.get("download_button"))


@pytest.mark.parametrize("page", PICKER_PAGES)
def test_a_district_user_opens_every_page_on_the_district(page):
    at = open_page(page, "district")
    assert scope(at, page) == ([] if page == "projects" else "ALL")
    if page == "overview":
        assert "**全区**" in texts(at, "markdown")
    if page == "chain":
        assert at.title[0].value.startswith("全区")
    if page == "projects":
        assert set(at.dataframe[0].value["产业链"]) == {"新能源", "半导体和电子信息"}
    if page == "export":
        labels = [b.label for b in at.get("download_button")]
        assert labels and not any("_NE" in label or "_SEMI" in label for label in labels)


@pytest.mark.parametrize("page", ["overview", "chain", "leads", "talent", "export"])
def test_every_chain_picker_offers_the_district_where_the_user_may_see_it(page):
    district = open_page(page, "district").selectbox(key="chain")
    assert district.options == ["全区", "新能源", "半导体和电子信息", "先进装备制造", "新材料"]
    office = open_page(page, "chain:NE").selectbox(key="chain")
    # A chain office sees the district only as aggregates, and exports its own chain only.
    assert office.options == (["新能源"] if page == "export" else ["全区", "新能源"])


def test_the_chain_page_shows_the_chains_side_by_side_for_the_district(home):
    con = duckdb.connect(str(home / "warehouse" / "chainkpi.duckdb"), read_only=True)
    try:
        ytd = dict(
            con.execute(
                "select chain_code, ytd_actual from main.fct_kpi_progress where year = 2025 "
                "and kpi_code = 'phd_hires' and quarter = (select max(quarter) from "
                "main.fct_kpi_progress where year = 2025)"
            ).fetchall()
        )
    finally:
        con.close()
    at = open_page("chain", "district", year=2025)
    assert at.title[0].value == "全区 · 2025年"
    names = [m.value.strip("*") for m in at.markdown if m.value.startswith("**")]
    assert names == ["全区", "新能源", "半导体和电子信息", "先进装备制造", "新材料"]
    labels = [m.label for m in at.metric]
    assert labels.count("无项目无线索的缺口") == 4  # one per chain
    phd = [m.value for m in at.metric if m.label == "博士及以上人才引进数"]
    # The district total first, then each chain, as the mart has them.
    assert [p.split(" ")[0] for p in phd] == [
        str(int(ytd[c])) for c in ("ALL", "NE", "SEMI", "EQUIP", "MAT")
    ]
    # A chain office's 全区: the district total and its own chain, nothing of the others.
    office = open_page("chain", "chain:NE", chain="ALL", year=2025)
    shown = texts(office, "markdown")
    assert "**全区**" in shown and "**新能源**" in shown and "半导体" not in shown


# --- Filters belong to their page -------------------------------------------------------------


@pytest.mark.parametrize("page", ["overview", "projects", "leads", "talent", "export"])
def test_choosing_a_chain_on_the_chain_page_leaves_other_pages_scope_unchanged(page):
    at = open_page(page, "district")
    assert scope(at, page) in ("ALL", [])
    navigate(at, "chain")
    at.selectbox(key="chain").select("NE").run()
    assert at.title[0].value.startswith("新能源")
    assert at.query_params["chain"] == "NE"
    navigate(at, page)
    assert scope(at, page) in ("ALL", [])
    assert at.query_params.get("chain") in (None, "ALL")
    if page == "overview":
        assert "**全区**" in texts(at, "markdown")


def test_a_page_keeps_its_own_choice_when_the_user_comes_back_to_it():
    at = open_page("overview", "district")
    at.selectbox(key="chain").select("SEMI").run()
    navigate(at, "leads")
    assert scope(at, "leads") == "ALL"
    navigate(at, "overview")
    assert scope(at, "overview") == "SEMI"
    assert at.query_params["chain"] == "SEMI"  # and its URL says so again


# --- Links: through the sign-in, and outside the user's scope ---------------------------------


def test_a_link_opens_its_page_with_its_filters_after_signing_in():
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params.update({"chain": "SEMI", "stage": "started"})
    at.run()
    at.switch_page("views/projects.py").run()  # /projects?chain=SEMI&stage=started
    assert at.title[0].value.startswith("登录")
    assert not at.dataframe
    at.text_input[0].input("tester")
    at.text_input[1].input(TEST_USERS["tester"][1])
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "项目储备库"
    assert at.multiselect(key="chains").value == ["SEMI"]
    assert at.multiselect(key="stages").value == ["started"]
    assert at.dataframe[0].value["项目编号"].tolist() == ["P004"]
    assert at.query_params["chains"] == "SEMI" and at.query_params["stages"] == "started"


@pytest.mark.parametrize("page", ["overview", "projects", "leads", "talent", "chain", "export"])
def test_a_chain_the_user_may_not_see_falls_back_to_their_scope_with_a_note(page):
    at = open_page(page, "chain:NE", chain="SEMI")
    assert scope(at, page) == (["NE"] if page == "projects" else "NE")
    note = texts(at, "caption")
    assert "链接中的产业链（SEMI）不在您的查看范围内，已显示新能源。" in note
    assert "半导体" not in texts(at, "markdown") + texts(at, "title") + note
    # The note stays while the page is open, and is not repeated on the next page.
    at.run()
    assert "不在您的查看范围内" in texts(at, "caption")
    navigate(at, "quality")
    assert "不在您的查看范围内" not in texts(at, "caption")


def test_a_chain_in_the_users_scope_gives_no_note():
    at = open_page("overview", "chain:NE", chain="NE")
    assert "不在您的查看范围内" not in texts(at, "caption")
    at = open_page("overview", "district", chain="MAT")
    assert scope(at, "overview") == "MAT"
    assert "不在您的查看范围内" not in texts(at, "caption")


# --- The session behind it --------------------------------------------------------------------


def test_a_session_ends_at_the_next_run_once_its_token_is_revoked():
    from chainkpi.sessions import SessionStore

    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.text_input[0].input("ne_tester")
    at.text_input[1].input(TEST_USERS["ne_tester"][1])
    at.button[0].click().run()
    assert at.session_state[USER_KEY]["role"] == "chain:NE"
    token = at.session_state[TOKEN_KEY]
    assert SessionStore.for_workspace().resolve(token) == "ne_tester"
    SessionStore.for_workspace().revoke(token)  # signed out in another tab, or timed out
    at.run()
    assert at.title[0].value.startswith("登录")
    assert USER_KEY not in at.session_state
    assert "会话已结束" in texts(at, "caption")
    assert not at.metric and not at.dataframe


def test_signing_out_revokes_the_sessions_token():
    from chainkpi.sessions import SessionStore

    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.text_input[0].input("tester")
    at.text_input[1].input(TEST_USERS["tester"][1])
    at.button[0].click().run()
    token = at.session_state[TOKEN_KEY]
    at.sidebar.button[0].click().run()  # 退出登录
    assert at.title[0].value.startswith("登录")
    assert SessionStore.for_workspace().resolve(token) is None
    assert "会话已结束" not in texts(at, "caption")  # signing out is no surprise

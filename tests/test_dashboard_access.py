"""Sign-in and roles: nobody reads before signing in, a chain office reads its own chain and
the district aggregate only, rejected rows are for analysts, and cached rows never cross roles."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from chainkpi.settings import PROJECT_ROOT
from dashboards import queries
from dashboards.signin import USER_KEY
from tests.dashboard_fixtures import TEST_USERS, sign_in

APP = PROJECT_ROOT / "dashboards" / "app.py"


@pytest.fixture
def env(home, monkeypatch):
    monkeypatch.setenv("CHAINKPI_HOME", str(home))


def _texts(at, kind) -> str:
    return " ".join(str(e.value) for e in getattr(at, kind))


def test_nothing_is_shown_before_signing_in(env):
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value.startswith("登录")
    assert not at.metric and not at.dataframe and not at.get("plotly_chart")


def test_a_wrong_password_is_refused_and_the_right_one_signs_in(env):
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.text_input[0].input("tester")
    at.text_input[1].input("not-the-password")
    at.button[0].click().run()
    assert "用户名或密码不正确" in _texts(at, "error")
    assert USER_KEY not in at.session_state
    at.text_input[1].input(TEST_USERS["tester"][1])
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state[USER_KEY]["role"] == "analyst"
    assert at.metric  # the overview's tiles


def test_a_chain_office_sees_its_chain_and_the_district_total_only(env):
    at = sign_in(AppTest.from_file(str(APP), default_timeout=60), role="chain:NE")
    at.query_params["year"] = "2025"
    at.query_params["quarter"] = "4"
    at.run()
    assert not at.exception
    chain_picker = next(s for s in at.selectbox if s.label == "产业链")
    assert chain_picker.options == ["全区", "新能源"]
    at.switch_page("views/projects.py").run()
    assert not at.exception
    projects = at.dataframe[0].value
    assert set(projects["项目编号"]) == {"P001", "P002", "P003", "P005"}  # P004 is SEMI


def test_a_chain_in_the_url_outside_the_role_shows_nothing_of_it(env):
    at = sign_in(AppTest.from_file(str(APP), default_timeout=60), role="chain:NE")
    at.query_params["chain"] = "SEMI"
    at.run()
    at.switch_page("views/chain.py").run()
    assert not at.exception
    assert "半导体" not in _texts(at, "markdown") + _texts(at, "title")


@pytest.mark.parametrize(
    ("role", "sees"), [("analyst", True), ("district", False), ("chain:NE", False)]
)
def test_rejected_rows_are_for_analysts_only(env, role, sees):
    at = sign_in(AppTest.from_file(str(APP), default_timeout=60), role=role).run()
    at.switch_page("views/quality.py").run()
    assert not at.exception
    assert ("拒收明细仅对数据分析员可见" in _texts(at, "info")) is not sees


def _as(role: str) -> None:
    st.session_state[USER_KEY] = {"username": "t", "role": role, "display_name": "t"}


def test_the_restriction_is_enforced_where_the_data_is_read_and_the_cache_is_per_role(env):
    try:
        _as("analyst")
        everything = queries.projects()
        assert set(everything.chain_code) == {"NE", "SEMI"}
        _as("chain:NE")
        # The same query, the same warehouse version: a chain office must not get the
        # analyst's cached rows.
        assert set(queries.projects().chain_code) == {"NE"}
        assert set(queries.kpi_progress(2025, 1).chain_code) == {"ALL", "NE"}
        assert queries.projects("SEMI").empty
        assert queries.gaps("MAT").empty
        with pytest.raises(queries.NotAllowed):
            queries.ingest_rejections()
        _as("district")
        assert set(queries.kpi_progress(2025, 1).chain_code) == {
            "ALL",
            "NE",
            "SEMI",
            "EQUIP",
            "MAT",
        }
    finally:
        st.session_state.pop(USER_KEY, None)


def test_reading_without_a_signed_in_user_is_refused(env):
    from dashboards.signin import NotSignedIn

    st.session_state.pop(USER_KEY, None)
    with pytest.raises(NotSignedIn):
        queries.kpi_progress(2025, 1)

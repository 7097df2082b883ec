"""通报排名 (bulletin_brief_forecast.md): the page run by AppTest on test_bulletin's small
warehouse (tiny ledgers through the real ingest and dbt build, as of 15 January 2026). Every
reading role sees the four chains' names and scores as computed by hand; a chain office the
KPI detail of its own chain only; the admin and auditor no data at all."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from chainkpi.settings import PROJECT_ROOT
from tests.dashboard_fixtures import sign_in
from tests.test_bulletin import CHAINS, NAMES, bulletin_home, hand_ranking, ranks

APP = PROJECT_ROOT / "dashboards" / "app.py"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bulletin_home(tmp_path_factory)


@pytest.fixture(autouse=True)
def env(home, monkeypatch):
    monkeypatch.setenv("CHAINKPI_HOME", str(home))


def open_ranking(role: str, **query: object) -> AppTest:
    at = sign_in(AppTest.from_file(str(APP), default_timeout=90), role=role)
    at.run()
    at.query_params.clear()
    at.query_params.update({key: str(value) for key, value in query.items()})
    at.switch_page("views/ranking.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def frame_with(at: AppTest, column: str):
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with {column}: {[list(f.value.columns) for f in at.dataframe]}")


def page_text(at: AppTest) -> str:
    parts = [
        e.value for kind in ("title", "subheader", "caption", "markdown") for e in at.get(kind)
    ]
    parts += [
        e.proto.body for kind in ("success", "error", "info", "warning") for e in at.get(kind)
    ]
    parts += [frame.value.to_string() for frame in at.dataframe]
    return "\n".join(str(p) for p in parts)


def test_the_ranking_is_the_hand_computed_one_for_the_latest_complete_month():
    at = open_ranking("district")
    # As of 15 January 2026 the data end in June 2025: the latest month there is.
    assert at.title[0].value == "通报排名 · 2025年6月"
    ranking = frame_with(at, "综合得分")
    scores = hand_ranking(6)
    order = sorted(CHAINS, key=lambda c: ranks(scores)[c])
    assert list(ranking["产业链"]) == [NAMES[c] for c in order]
    assert list(ranking["综合得分"]) == [f"{scores[c]:.4f}" for c in order]
    assert list(ranking["排名"]) == [1, 2, 3, 4]
    assert list(ranking["红黑榜"]) == ["红榜", "黑榜", "黑榜", "黑榜"]
    text = page_text(at)
    assert "红榜：半导体和电子信息" in text
    detail = frame_with(at, "得分系数")
    assert set(detail["产业链"]) == set(NAMES.values())


def test_another_month_from_the_picker_shows_its_own_ranking():
    at = open_ranking("district", month="2025-04")
    assert at.title[0].value == "通报排名 · 2025年4月"
    scores = hand_ranking(4)
    ranking = frame_with(at, "综合得分")
    assert list(ranking["综合得分"]) == [
        f"{scores[c]:.4f}" for c in sorted(CHAINS, key=lambda c: ranks(scores)[c])
    ]


@pytest.mark.parametrize("role", ["chain:NE", "office:NE"])
def test_a_chain_office_sees_every_chains_score_but_only_its_own_kpi_detail(role):
    at = open_ranking(role)
    ranking = frame_with(at, "综合得分")
    scores = hand_ranking(6)
    assert sorted(ranking["产业链"]) == sorted(NAMES.values())  # all four names and scores
    assert sorted(ranking["综合得分"]) == sorted(f"{s:.4f}" for s in scores.values())
    for column in ("得分系数", "完成率"):
        frames = [f.value for f in at.dataframe if column in f.value.columns]
        assert frames
        for frame in frames:
            assert set(frame["产业链"]) == {"新能源"}, (column, set(frame["产业链"]))
    # Nothing of another chain's KPIs anywhere: SEMI's PhD figure 7 of 12 (58%) is not shown,
    # MAT's signed projects behind the line are not listed.
    behind = frame_with(at, "本月新落后")
    assert set(behind["产业链"]) <= {"新能源"}
    assert "排名和综合得分为四个产业链；指标明细只显示本产业链。" in page_text(at)


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_the_admin_and_auditor_see_no_bulletin(role):
    """Separated duties: the page is not in their navigation, and the queries refuse them."""
    import streamlit as st

    from dashboards import queries
    from dashboards.signin import USER_KEY

    at = sign_in(AppTest.from_file(str(APP), default_timeout=90), role=role)
    at.run()
    assert not at.exception
    text = page_text(at)
    assert "通报排名" not in text and "综合得分" not in text and "红榜" not in text
    st.session_state[USER_KEY] = {"username": "x", "role": role, "display_name": "x"}
    try:
        for read in (queries.bulletin_ranking, queries.bulletin_detail):
            with pytest.raises(queries.NotAllowed):
                read(2025, 6)
        with pytest.raises(queries.NotAllowed):
            queries.brief_file("NE", 2025, 2)
    finally:
        st.session_state.pop(USER_KEY, None)


def test_the_detail_query_is_scoped_where_the_data_is_read():
    """queries.bulletin_detail itself returns a chain office's own rows only (not just the
    page), and the ranking carries no KPI column."""
    import streamlit as st

    from dashboards import queries
    from dashboards.signin import USER_KEY

    st.session_state[USER_KEY] = {"username": "x", "role": "chain:SEMI", "display_name": "x"}
    try:
        detail = queries.bulletin_detail(2025, 6)
        assert set(detail.chain_code) == {"SEMI"}
        ranking = queries.bulletin_ranking(2025, 6)
        assert set(ranking.chain_code) == set(CHAINS)
        assert not {"kpi_code", "ytd_actual", "behind_kpis_zh"} & set(ranking.columns)
        st.session_state[USER_KEY] = {"username": "x", "role": "district", "display_name": "x"}
        assert set(queries.bulletin_detail(2025, 6).chain_code) == set(CHAINS)
    finally:
        st.session_state.pop(USER_KEY, None)

"""党建与服务 (party_service_funds.md, "On the dashboard"): the page run by AppTest on a
warehouse built from hand-made ledgers through the real ingest and dbt build (as of
test_build.AS_OF, 15 January 2026: every quarter of 2025 finished).

The ledgers: test_build's (NE meets in Q1 and Q2, SEMI only in Q2; issue Q002 without a chain
open since 1 March 2025) and, here, NE's meetings of Q3 and Q4 (so NE holds all four), a mentor
organisation of NE with five active mentees and one of SEMI with two, and enterprise issues
open for 26 (NE), 45 (NE) and 106 (SEMI) days and one resolved in 10 days.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from chainkpi.settings import PROJECT_ROOT
from dashboards import charts
from tests.conftest import DEMO_AS_OF, build_warehouse
from tests.dashboard_fixtures import add_test_users, sign_in
from tests.ledgers import write_csv

APP = PROJECT_ROOT / "dashboards" / "app.py"


def party_ledgers(inbox: Path) -> None:
    from tests.test_build import hand_made_ledgers

    hand_made_ledgers(inbox)
    activity = ("活动编号", "所属产业链", "活动类型", "活动名称", "活动日期")
    write_csv(inbox / "party_activities_2025H2.csv", [dict(zip(activity, r, strict=True)) for r in (
        ("A010", "NE", "党委会议", "三季度产业链党委会议", "2025-08-15"),
        ("A011", "NE", "党委会议", "四季度产业链党委会议", "2025-11-20"),
    )])  # fmt: skip
    pair = ("结对编号", "所属产业链", "帮带党组织", "被帮带党组织", "结对日期", "结对状态", "结束日期")  # fmt: skip
    write_csv(inbox / "mentoring_pairs_more.csv", [dict(zip(pair, r, strict=True)) for r in (
        *[(f"M01{i}", "NE", "甲公司党委", f"新{i}号党支部", "2025-05-01", "在帮", "") for i in range(4)],
        ("M020", "SEMI", "己公司党委", "芯一党支部", "2025-03-01", "在帮", ""),
        ("M021", "SEMI", "己公司党委", "芯二党支部", "2025-03-02", "在帮", ""),
    )])  # fmt: skip
    issue = ("诉求编号", "所属产业链", "企业名称", "直通车类别", "诉求内容", "受理日期", "办理状态",
             "办结日期", "企业评价")  # fmt: skip
    write_csv(inbox / "enterprise_issues_more.csv", [dict(zip(issue, r, strict=True)) for r in (
        ("Q010", "NE", "戊公司", "要素保障", "厂房租赁", "2025-12-20", "办理中", "", ""),  # 26 days
        ("Q011", "NE", "己公司", "问题解决", "道路开口", "2025-12-01", "办理中", "", ""),  # 45 days
        ("Q012", "SEMI", "庚公司", "政策惠企", "人才公寓", "2025-10-01", "办理中", "", ""),  # 106
        ("Q013", "NE", "辛公司", "政策惠企", "申报辅导", "2025-06-01", "已办结", "2025-06-11", "满意"),
    )])  # fmt: skip


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("party_warehouse")
    build_warehouse(home, party_ledgers)
    add_test_users(home)
    return home


@pytest.fixture(autouse=True)
def env(home, monkeypatch):
    monkeypatch.setenv("CHAINKPI_HOME", str(home))


def open_party(role: str, lang: str = "zh", **query: object) -> AppTest:
    at = sign_in(AppTest.from_file(str(APP), default_timeout=90), role=role)
    if lang == "en":
        at.query_params["lang"] = "en"
    at.run()
    at.query_params.clear()
    if lang == "en":
        at.query_params["lang"] = "en"
    at.query_params.update({key: str(value) for key, value in query.items()})
    at.switch_page("views/party.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def frame_with(at: AppTest, column: str):
    """The first table on the page with that column."""
    for frame in at.dataframe:
        value = frame.value
        if column in value.columns:
            return value
    raise AssertionError(f"no table with {column}: {[list(f.value.columns) for f in at.dataframe]}")


def metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert len(found) == 1, (label, [m.label for m in at.metric])
    return found[0]


def mentees_chart(at: AppTest) -> dict:
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    found = [s for s in specs if "帮带党组织" in json.dumps(s, ensure_ascii=False)]
    assert len(found) == 1, len(specs)
    return found[0]


def test_the_chain_that_missed_a_quarterly_meeting_reads_off_track():
    at = open_party("district")
    assert at.title[0].value == "党建与服务 · 2025年"  # the last finished quarter's year
    meetings = frame_with(at, "第1季度").set_index("产业链")
    # NE met every quarter; SEMI held one in Q2 only: missed Q1, Q3 and Q4, off track.
    assert list(meetings.loc["新能源", ["第1季度", "第2季度", "第3季度", "第4季度"]]) == ["✔ 1"] * 4
    assert meetings.loc["新能源", "状态"] == charts.status_text("met")
    assert list(meetings.loc["半导体和电子信息", ["第1季度", "第2季度", "第3季度", "第4季度"]]) == [
        "✖ 0", "✔ 1", "✖ 0", "✖ 0"
    ]  # fmt: skip
    assert meetings.loc["半导体和电子信息", "状态"] == charts.status_text("off_track")
    error = " ".join(e.value for e in at.error)
    assert "半导体和电子信息（第1季度、第3季度、第4季度缺会）" in error
    assert "新能源" not in error
    trainings = frame_with(at, "本年培训次数").set_index("产业链")
    assert trainings.loc["新能源", "本年培训次数"] == "1"
    assert trainings.loc["新能源", "状态"] == charts.status_text("met")
    assert trainings.loc["半导体和电子信息", "状态"] == charts.status_text("off_track")


def test_issues_open_past_60_days_are_counted_and_listed_in_red():
    at = open_party("district")
    # District-wide: SEMI's 106 days and the chainless issue open since 1 March 2025.
    assert metric(at, "超60天未办结") == "2 件"
    assert metric(at, "超30天未办结") == "3 件"
    overdue = frame_with(at, "已办天数")
    assert list(overdue["企业名称"]) == ["乙公司", "庚公司", "己公司"]
    assert list(overdue["状态"]) == ["超过60天", "超过60天", "超过30天"]
    assert list(overdue["已办天数"]) == ["320", "106", "45"]
    assert list(overdue.columns)[-1] == "诉求编号"  # the ID last
    assert "诉求内容" not in overdue.columns  # the free text is not shown
    badges = " ".join(m.value for m in at.markdown)
    assert ":red-badge[:material/error: 超过60天]" in badges
    assert ":orange-badge[:material/warning: 超过30天]" in badges


def test_the_issues_free_text_is_shown_to_analysts_and_the_chains_own_office_only():
    """诉求内容 may name people (party_service_funds.md): the district role sees no column of
    it and its query is refused; an analyst sees every overdue issue's, NE's office its own."""
    import streamlit as st

    from dashboards import queries
    from dashboards.signin import USER_KEY

    district = frame_with(open_party("district"), "已办天数")
    assert "诉求内容" not in district.columns
    analyst = frame_with(open_party("analyst"), "已办天数")
    assert list(analyst["诉求内容"]) == ["申报指导", "人才公寓", "道路开口"]
    assert list(analyst.columns)[-2:] == ["诉求内容", "诉求编号"]
    office = frame_with(open_party("chain:NE"), "已办天数")
    assert list(office["诉求内容"]) == ["道路开口"]
    st.session_state[USER_KEY] = {"username": "d", "role": "district", "display_name": "d"}
    try:
        with pytest.raises(queries.NotAllowed):
            queries.issue_summaries()
    finally:
        st.session_state.pop(USER_KEY, None)


def test_a_chains_through_trains_figures_are_its_own():
    at = open_party("analyst", chain="NE")
    # Received in 2025: Q001, Q004, Q010, Q011, Q013; resolved Q001 (54 days), Q004 (20),
    # Q013 (10): median 20; satisfaction: the one rated, satisfied.
    assert metric(at, "受理") == "5 件"
    assert metric(at, "办结") == "3 件"
    assert metric(at, "办理中") == "2 件"
    assert metric(at, "办结率") == "60%"
    assert metric(at, "办结用时中位数") == "20 天"
    assert metric(at, "超30天未办结") == "1 件"
    assert metric(at, "超60天未办结") == "0 件"
    assert metric(at, "满意率") == "100%"


def test_mentees_per_mentor_organisation_with_about_5_marked():
    at = open_party("district")
    spec = mentees_chart(at)
    bar = next(trace for trace in spec["data"] if trace["type"] == "bar")
    # 丁 (MAT) mentors 1, 己 (SEMI) 2, 甲 (NE) 5 (its ended pair not counted).
    assert dict(zip(bar["x"], bar["y"], strict=True)) == {1: 1, 2: 1, 3: 0, 4: 0, 5: 1}
    lines = [s for s in spec["layout"]["shapes"] if s.get("x0") == 5 and s.get("x1") == 5]
    assert len(lines) == 1
    assert any(a["text"] == "约5个" for a in spec["layout"]["annotations"])
    mentors = frame_with(at, "帮带党组织")
    assert list(mentors["帮带党组织"]) == ["甲公司党委", "己公司党委", "丁公司党委"]
    assert list(mentors["在帮对象数"]) == [5, 2, 1]
    assert metric(at, "在帮结对") == "8"


def test_a_chain_office_sees_only_its_own_chain():
    at = open_party("chain:NE", chain="SEMI")  # a link to SEMI falls back to its own chain
    assert at.selectbox(key="chain").value == "NE"
    assert at.selectbox(key="chain").options == ["新能源"]  # no 全区: its own rows only
    shown = json.dumps(
        [f.value.to_dict() for f in at.dataframe], ensure_ascii=False, default=str
    ) + " ".join(str(e.value) for e in (*at.error, *at.markdown, *at.caption))
    for neighbour in ("半导体", "己公司党委", "庚公司", "丁公司党委", "芯一党支部"):
        assert neighbour not in shown, neighbour
    assert list(frame_with(at, "已办天数")["企业名称"]) == ["己公司"]  # not SEMI's, not chainless
    meetings = frame_with(at, "第1季度")
    assert list(meetings["产业链"]) == ["新能源"]
    assert metric(at, "超60天未办结") == "0 件"
    bar = next(t for t in mentees_chart(at)["data"] if t["type"] == "bar")
    assert dict(zip(bar["x"], bar["y"], strict=True)) == {1: 0, 2: 0, 3: 0, 4: 0, 5: 1}


def test_the_page_reads_in_english():
    at = open_party("district", lang="en")
    assert at.title[0].value == "Party building and service · 2025"
    meetings = frame_with(at, "Q1").set_index("Chain")
    assert meetings.loc["Semiconductors", "Status"] == charts.status_text("off_track", "en")
    assert metric(at, "Open over 60 days") == "2 issues"
    overdue = frame_with(at, "Days open")
    assert set(overdue["Through train"]) == {"Policy support", "Problem solving"}


def test_funds_in_place_rate_beside_signed_investment():
    """P001 (NE, 10,000 万元 planned, 2,500 in place) and P004 (SEMI, 20,000, 6,000) are signed
    and not dropped; P003 (NE, 500, 350) is producing; P002 is dropped and left out."""
    at = sign_in(AppTest.from_file(str(APP), default_timeout=90), role="district")
    at.query_params.update({"year": "2025", "quarter": "4"})
    at.run()
    assert not at.exception
    assert metric(at, "到位率") == "29%"  # 8,850 / 30,500
    assert "到位资金 8,850 万元 ÷ 签约计划总投资 3.05 亿元（3 个" in " ".join(
        c.value for c in at.caption
    )
    at.query_params.clear()
    at.query_params.update({"chain": "NE", "year": "2025"})
    at.switch_page("views/chain.py").run()
    assert not at.exception
    assert metric(at, "到位率") == "27%"  # 2,850 / 10,500


def test_the_pages_queries_give_a_chain_office_its_own_rows_only():
    """Where the page reads: a chain office's queries hold its own chain (and the district
    aggregate ALL where there is one), never a neighbour's rows nor the chainless issue."""
    import streamlit as st

    from dashboards import queries
    from dashboards.signin import USER_KEY

    st.session_state[USER_KEY] = {"username": "n", "role": "chain:NE", "display_name": "n"}
    try:
        assert set(queries.enterprise_issues().chain_code) == {"NE"}
        assert set(queries.mentoring_pairs().chain_code) == {"NE"}
        assert set(queries.party_progress(2025).chain_code) == {"NE", "ALL"}
        assert set(queries.funds_in_place().chain_code) == {"NE", "ALL"}
    finally:
        st.session_state.pop(USER_KEY, None)


# --- On the demo warehouse (issue 21, Done when) ------------------------------------------------

# demo_home: conftest's demo warehouse as of DEMO_AS_OF, built once per session.


def test_on_the_demo_the_chain_that_missed_its_meeting_is_off_track(demo_home, monkeypatch):
    from chainkpi.demo.district import Ctx, missed_meeting

    chain, year, quarter = missed_meeting(Ctx(20241, 1, DEMO_AS_OF))
    monkeypatch.setenv("CHAINKPI_HOME", str(demo_home))
    at = open_party("district", year=year)
    names = {"NE": "新能源", "SEMI": "半导体和电子信息", "EQUIP": "先进装备制造", "MAT": "新材料"}
    meetings = frame_with(at, "第1季度").set_index("产业链")
    assert meetings.loc[names[chain], "状态"] == charts.status_text("off_track")
    assert meetings.loc[names[chain], f"第{quarter}季度"] == "✖ 0"
    others = [n for c, n in names.items() if c != chain]
    assert all(meetings.loc[n, "状态"] != charts.status_text("off_track") for n in others)
    error = " ".join(e.value for e in at.error)
    assert f"{names[chain]}（第{quarter}季度缺会）" in error
    assert not any(n in error for n in others)
    # The through trains: the demo's issues open past 60 days, counted and listed in red.
    over_60 = int(metric(at, "超60天未办结").split()[0])
    overdue = frame_with(at, "已办天数")
    assert over_60 >= 1
    assert list(overdue["状态"]).count("超过60天") == over_60
    assert all(int(d.replace(",", "")) > 60 for d, s in zip(overdue["已办天数"], overdue["状态"], strict=True) if s == "超过60天")  # fmt: skip
    # Mentees per mentor organisation: about 5 (3 to 7), with 5 marked.
    bar = next(t for t in mentees_chart(at)["data"] if t["type"] == "bar")
    counted = {x: y for x, y in zip(bar["x"], bar["y"], strict=True) if y}
    assert counted and set(counted) <= set(range(1, 8)) and 5 in counted, counted


def test_on_the_demo_a_chain_office_sees_only_its_own_chain(demo_home, monkeypatch):
    import duckdb

    monkeypatch.setenv("CHAINKPI_HOME", str(demo_home))
    at = open_party("chain:SEMI", year=DEMO_AS_OF.year)
    assert list(frame_with(at, "第1季度")["产业链"]) == ["半导体和电子信息"]
    assert set(frame_with(at, "帮带党组织")["产业链"]) == {"半导体和电子信息"}
    # The office of a chain with issues open past 60 days: its own, counted and listed, and
    # none of the district's others (another chain's, or without a chain).
    with duckdb.connect(str(demo_home / "warehouse" / "chainkpi.duckdb"), read_only=True) as con:
        over_60 = dict(con.sql(
            """select chain_code, count(*) from main.dim_enterprise_issues
               where open_over_60_days group by all"""
        ).fetchall())  # fmt: skip
    chain = max((c for c in over_60 if c), key=lambda c: (over_60[c], c))
    assert sum(over_60.values()) > over_60[chain]  # the district has more than this chain's
    names = {"NE": "新能源", "SEMI": "半导体和电子信息", "EQUIP": "先进装备制造", "MAT": "新材料"}
    at = open_party(f"chain:{chain}", year=DEMO_AS_OF.year)
    assert metric(at, "超60天未办结") == f"{over_60[chain]} 件"
    overdue = frame_with(at, "已办天数")
    assert set(overdue["产业链"]) == {names[chain]}
    assert list(overdue["状态"]).count("超过60天") == over_60[chain]


# --- On a phone (dashboard.md, Phones) -----------------------------------------------------------


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no chromium")
def test_the_page_fits_a_phone_in_both_languages(home, tmp_path):
    """At 390 px in a real browser: no sideways scrolling outside a table's own frame, no
    Plotly mode bar, the title first; screenshots saved in the test's tmp folder."""
    from tests.dashboard_fixtures import TEST_USERS
    from tests.test_browser import serve, sign_in_page, wait_for_app
    from tests.test_phone_pages import (
        OVERFLOW_JS,
        PHONE,
        browser,
        full_screenshot,
        new_page,
        switch_language,
        visible,
    )

    problems: list[str] = []
    with serve(home) as url, browser() as instance:
        page = new_page(instance, PHONE, phone=True)
        page.goto(f"{url}/party")
        sign_in_page(page, "tester", TEST_USERS["tester"][1])
        page.wait_for_selector('[data-testid="stMetric"]')
        wait_for_app(page)
        for lang in ("zh", "en"):
            if lang == "en":
                switch_language(page, "en", phone=True)
            full_screenshot(page, tmp_path / f"party_{lang}_390.png", PHONE)
            title = page.locator('[data-testid="stMain"] h1').first.inner_text()
            assert title.startswith("党建与服务" if lang == "zh" else "Party building"), title
            wider = page.evaluate("() => document.documentElement.scrollWidth")
            if wider > PHONE["width"] + 1:
                problems.append(f"{lang}: the page scrolls sideways ({wider} px)")
            problems += [f"{lang}: {e}" for e in page.evaluate(OVERFLOW_JS, PHONE["width"])]
            if visible(page, ".modebar-container .modebar-btn"):
                problems.append(f"{lang}: Plotly's mode bar shows")
    assert problems == []

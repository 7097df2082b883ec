"""Every dashboard page run by Streamlit's AppTest on a small, really built warehouse (the
hand-made ledgers of test_build through ingest and dbt build), asserting on what it shows."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from chainkpi.settings import PROJECT_ROOT
from dashboards import charts
from tests.dashboard_fixtures import sign_in

APP = PROJECT_ROOT / "dashboards" / "app.py"
PAGES = ("overview", "chain", "projects", "leads", "talent", "quality", "export")


@pytest.fixture
def app(home, monkeypatch):
    """run(page, **query) -> AppTest that has landed on `page` with those query parameters."""
    monkeypatch.setenv("CHAINKPI_HOME", str(home))

    def run(page: str = "overview", **query: object) -> AppTest:
        at = sign_in(AppTest.from_file(str(APP), default_timeout=60))
        for key, value in query.items():
            at.query_params[key] = str(value)
        at.run()
        if page != "overview":
            at.switch_page(f"views/{page}.py").run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return run


def mart(home: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse" / "chainkpi.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def tile(at: AppTest, label: str):
    """The column holding the KPI tile whose metric is `label`: (metric value, markdown)."""
    for column in at.columns:
        metrics = [m for m in column.metric if m.label == label]
        if len(metrics) == 1 and len(column.metric) == 1:
            return metrics[0].value, [m.value for m in column.markdown]
    raise AssertionError(f"no tile {label!r}")


def figure(at: AppTest, key: str) -> dict:
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if chart.proto.id and key in chart.proto.id:
            return spec
    raise AssertionError(f"no chart {key!r}")


def values(data) -> list:
    """A trace's data array as a list (Plotly may encode it as a typed binary array)."""
    if isinstance(data, dict) and "bdata" in data:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"]).tolist()
    return list(data)


def texts(at: AppTest, kind: str) -> list[str]:
    return [e.value for e in getattr(at, kind)]


# --- Overview -------------------------------------------------------------------------------


def test_overview_tiles_show_the_marts_ytd_actual_for_every_kpi(app, home):
    at = app(year=2025, quarter=4, chain="ALL")
    rows = mart(
        home,
        "select p.kpi_name_zh, p.ytd_actual, p.unit, k.is_count, p.status from main.fct_kpi_progress p "
        "join main.dim_kpis k using (kpi_code) "
        "where year = 2025 and quarter = 4 and chain_code = 'ALL' "
        "and k.area in ('talent', 'investment')",  # party and service: their own page
    )
    assert len(rows) == 16
    for name, ytd, unit, is_count, status in rows:
        value, badges = tile(at, name)
        assert value == charts.format_value(ytd, unit, is_count)
        assert any(charts.STATUS_BADGE[status][0] + "-badge" in b for b in badges), (name, badges)
    assert at.title[0].value == "总览 · 2025年第4季度"


def test_overview_shows_the_off_track_phd_kpi_as_off_track(app):
    at = app(year=2025, quarter=1)
    value, badges = tile(at, "博士及以上人才引进数")
    assert value == "1 人"
    assert any("滞后" in b and "red-badge" in b for b in badges)
    # The headline: PhDs this year against 50, and the leading-talent projects against 1.
    headline = {m.label: m.value for m in at.metric}
    assert headline["博士及以上人才引进数（2025）"] == "1 / 50 人"
    assert headline["国家级、省级领军人才项目数（2025）"] == "1 / 1 个"
    # The chain × KPI heat-map spells the status out in the cell, in its colour.
    heat = figure(at, "status_heatmap")["data"][0]
    row = heat["y"].index("博士及以上人才引进数")
    col = heat["x"].index("全区")
    assert "滞后" in heat["text"][row][col]
    assert "2%" in heat["text"][row][col]
    pos = (heat["z"][row][col] - heat["zmin"]) / (heat["zmax"] - heat["zmin"])
    painted = [colour for stop, colour in heat["colorscale"] if stop <= pos][-1]
    assert painted == charts.STATUS_COLORS["off_track"]


def test_overview_pace_chart_runs_to_the_quarter_and_projects_the_year(app):
    at = app(year=2025, quarter=2)
    pace = figure(at, "pace_phd_hires")
    actual, target = (
        next(tr for tr in pace["data"] if tr["name"] == name) for name in ("累计实际", "目标进度线")
    )
    assert actual["x"] == [1, 2, 3, 4, 5, 6]
    assert actual["y"][-1] == 2  # the Q2 year-to-date of the mart
    assert target["y"][-1] == 50
    projection = next(tr for tr in pace["data"] if tr["name"] == "全年预计")
    assert projection["y"] == [2, 4]


def test_overview_defaults_to_the_latest_quarter_with_data_and_puts_it_in_the_url(app):
    at = app()
    assert at.title[0].value == "总览 · 2025年第4季度"
    assert at.query_params["year"] == "2025" and at.query_params["quarter"] == "4"


def test_changing_the_quarter_is_reflected_in_the_url(app):
    at = app()
    at.selectbox(key="quarter").select("2").run()
    assert at.title[0].value == "总览 · 2025年第2季度"
    assert at.query_params["quarter"] == "2"


def test_overview_of_a_quarter_without_data_says_what_is_missing(app):
    at = app(year=2024, quarter=1)
    info = " ".join(texts(at, "info"))
    assert "2024年第1季度 没有指标数据" in info and "2024年第2季度" in info
    assert not at.metric


def test_overview_of_one_chain_shows_that_chains_tiles(app, home):
    at = app(year=2025, quarter=4, chain="NE")
    (ytd,) = mart(
        home,
        "select ytd_actual from main.fct_kpi_progress where year = 2025 and quarter = 4 "
        "and chain_code = 'NE' and kpi_code = 'projects_signed'",
    )[0]
    assert tile(at, "签约项目数")[0] == f"{int(ytd)} 个"
    assert "**新能源**" in texts(at, "markdown")[0]


def test_language_switch_turns_the_labels_english_and_back(app):
    at = app(year=2025, quarter=1)
    at.sidebar.radio(key="lang").set_value("en").run()
    assert at.title[0].value == "Overview · 2025 Q1"
    value, badges = tile(at, "PhD-or-above hires")
    assert value == "1 person"
    assert any("off track" in b for b in badges)
    assert at.query_params["lang"] == "en"
    at.sidebar.radio(key="lang").set_value("zh").run()
    assert at.title[0].value == "总览 · 2025年第1季度"
    assert "lang" not in at.query_params


def test_english_can_be_bookmarked(app):
    at = app(year=2025, quarter=1, lang="en")
    assert at.title[0].value == "Overview · 2025 Q1"
    assert "Warehouse built at" in at.sidebar.caption[0].value


def test_sidebar_says_when_the_warehouse_was_built(app, home):
    (built_at, as_of) = mart(home, "select built_at, as_of_date from meta.build_info")[0]
    at = app()
    caption = at.sidebar.caption[0].value
    assert built_at.strftime("%Y-%m-%d %H:%M") in caption
    assert str(as_of) in caption


# --- Warehouse missing or corrupt -----------------------------------------------------------


@pytest.mark.parametrize("page", ["overview", "quality"])
def test_without_a_published_warehouse_every_page_says_run_kpi_build(page, tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINKPI_HOME", str(tmp_path / "empty"))
    at = sign_in(AppTest.from_file(str(APP), default_timeout=30)).run()
    if page != "overview":
        at.switch_page(f"views/{page}.py").run()
    assert not at.exception
    assert "请先运行 kpi build" in " ".join(texts(at, "warning"))
    assert not at.metric and not at.dataframe


def test_a_corrupt_warehouse_is_reported_as_corrupt(tmp_path, monkeypatch):
    home = tmp_path / "corrupt"
    (home / "warehouse").mkdir(parents=True)
    (home / "warehouse" / "chainkpi.duckdb").write_bytes(b"this is not a duckdb file" * 200)
    monkeypatch.setenv("CHAINKPI_HOME", str(home))
    at = sign_in(AppTest.from_file(str(APP), default_timeout=30)).run()
    assert not at.exception
    error = " ".join(texts(at, "error"))
    assert "已损坏" in error and "kpi build" in error


# --- Chain ----------------------------------------------------------------------------------


def test_chain_page_shows_its_gaps_and_flags_the_uncovered_one(app, home):
    at = app("chain", chain="NE", year=2025)
    assert at.title[0].value == "新能源 · 2025年"
    uncovered = mart(
        home,
        "select gap_id from main.dim_chain_gap_coverage where chain_code = 'NE' and is_uncovered",
    )
    assert texts(at, "warning") == [f"{len(uncovered)} 个未补齐的缺口既没有项目也没有线索在对接"]
    gaps = next(d.value for d in at.dataframe if "缺口编号" in d.value.columns)
    assert set(gaps["缺口编号"]) == {"G001", "G002"}
    flagged = gaps.loc[gaps["对接"] == "⚠ 无项目无线索", "缺口编号"].tolist()
    assert flagged == [g for (g,) in uncovered]
    matrix = figure(at, "gap_matrix")["data"][0]
    assert matrix["y"] == ["上游"]
    assert matrix["x"] == ["在补", "已补"]
    assert matrix["z"] == [[1, 1]]


def test_chain_page_only_uncovered_toggle_is_bookmarkable(app):
    at = app("chain", chain="NE", year=2025, uncovered=1)
    gaps = next(d.value for d in at.dataframe if "缺口编号" in d.value.columns)
    assert gaps["缺口编号"].tolist() == ["G002"]


def test_chain_page_highlights_projects_stuck_over_90_days(app, home):
    at = app("chain", chain="NE", year=2025)
    stuck = mart(
        home,
        "select project_id, is_stuck_over_90_days from main.dim_project_pipeline "
        "where chain_code = 'NE' and is_stuck_over_60_days order by days_in_stage desc",
    )
    table = next(d.value for d in at.dataframe if "滞留" in d.value.columns)
    assert table["项目编号"].tolist() == [p for p, _ in stuck]
    assert table["滞留"].tolist() == ["超过90天" if over else "超过60天" for _, over in stuck]
    assert "P001" in table["项目编号"].tolist()


def test_chain_page_shows_each_kpi_quarter_by_quarter(app):
    at = app("chain", chain="NE", year=2025)
    heat = figure(at, "chain_kpi_heatmap")["data"][0]
    assert heat["x"] == ["第1季度", "第2季度", "第3季度", "第4季度"]
    assert len(heat["y"]) == 21
    summary = texts(at, "markdown")[0]
    assert summary.startswith("**2025年第4季度**")


# --- Projects -------------------------------------------------------------------------------


def test_projects_page_filters_by_stage_and_size_from_the_url(app, home):
    at = app("projects", stages="signed,started", major=1)
    expected = mart(
        home,
        "select project_id from main.dim_project_pipeline "
        "where stage in ('signed', 'started') and is_major order by project_id",
    )
    table = at.dataframe[0].value
    assert sorted(table["项目编号"]) == [p for (p,) in expected]
    assert at.query_params["stages"] == "signed,started"


def test_projects_funnel_counts_projects_reaching_each_stage(app):
    at = app("projects")
    funnel = figure(at, "funnel")["data"][0]
    assert funnel["y"] == ["储备", "洽谈", "签约", "开工", "投产"]
    # 5 projects; signed: P001, P002 (dropped after signing), P003, P004; started: P003, P004.
    assert values(funnel["x"]) == [5, 4, 4, 2, 1]


def test_projects_drill_down_shows_the_rows_of_one_stage(app):
    at = app("projects", drill="dropped")
    table = at.dataframe[0].value
    assert table["项目编号"].tolist() == ["P002"]
    assert "共 1 个项目" in texts(at, "markdown")[-1]


# --- Leads ----------------------------------------------------------------------------------


def test_leads_page_shows_the_funnel_and_the_stale_leads(app, home):
    at = app("leads", year=2025)
    (leads, visited, converted) = mart(
        home,
        "select lead_count, visited_count, converted_count from main.fct_lead_funnel "
        "where year = 2025 and channel_code = 'ALL' and chain_code = 'ALL'",
    )[0]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["线索"] == f"{leads} 条"
    assert metrics["已转化"] == f"{converted} 条"
    assert metrics["转化中位天数"] == "31 天"
    stale = mart(home, "select lead_id from main.dim_leads where is_stale order by lead_id")
    table = at.dataframe[0].value
    assert sorted(table["线索编号"]) == [x for (x,) in stale]
    funnel = figure(at, "lead_funnel")["data"][0]
    assert values(funnel["x"]) == [leads, visited, converted]


def test_leads_page_for_a_chain_without_leads_says_so(app):
    at = app("leads", year=2025, chain="MAT")
    assert "2025年没有招商线索" in " ".join(texts(at, "info"))


# --- Talent ---------------------------------------------------------------------------------


def test_talent_page_counts_hires_and_open_positions_without_personal_data(app, home):
    at = app("talent", year=2025)
    (hires,) = mart(
        home,
        "select sum(hire_count) from main.fct_talent_hires_summary where year = 2025 and chain_code = 'ALL'",
    )[0]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["引进人才"] == f"{hires} 人"
    positions = at.dataframe[0].value
    assert sorted(positions["岗位编号"]) == ["T001", "T002"]
    assert positions.set_index("岗位编号").loc["T001", "缺口人数"] == 2
    shown = " ".join(" ".join(map(str, d.value.columns)) for d in at.dataframe)
    for personal in ("姓名", "身份证", "电话"):
        assert personal not in shown


def test_talent_page_groups_hires_by_the_chosen_dimension(app):
    at = app("talent", year=2025, by="chain")
    names = {tr["name"] for tr in figure(at, "hires")["data"]}
    assert names == {"新能源", "半导体和电子信息"}


# --- Data quality ---------------------------------------------------------------------------


def test_quality_page_lists_files_checks_and_freshness(app, home):
    at = app("quality")
    files = mart(home, "select count(*), sum(rows_loaded) from main.fct_ingest_files")[0]
    assert f"{files[0]} 个文件 · 入库 {files[1]} 行 · 拒收 0 行" in " ".join(texts(at, "markdown"))
    tables = {tuple(d.value.columns)[:2]: d.value for d in at.dataframe}
    file_table = next(v for k, v in tables.items() if k == ("文件", "导入时间"))
    assert len(file_table) == files[0]
    assert "没有被拒收的行。" in texts(at, "success")
    dbt_total = mart(home, "select count(*) from meta.dbt_results")[0][0]
    assert sum(int(m.value) for m in at.metric) == dbt_total
    fresh = next(v for k, v in tables.items() if k == ("数据集", "最近导入时间"))
    assert set(fresh["数据集"]) == {
        "项目储备库", "产业链缺口", "招商线索", "人才需求目录", "人才引进", "领军人才项目",
        "党建活动", "帮带结对", "企业诉求",
    }  # fmt: skip
    latest = fresh.set_index("数据集").loc["招商线索", "最新事件日期"]
    assert str(latest) == "2025-04-01"


def test_quality_page_shows_rejected_rows_with_their_rule(tmp_path, monkeypatch):
    """A ledger with a bad row: the page lists the row, its column, masked value and rule."""
    from chainkpi.ingest.pipeline import ingest
    from chainkpi.publish import build
    from chainkpi.settings import Workspace
    from tests.ledgers import rows_of, write_csv
    from tests.test_build import AS_OF

    monkeypatch.setenv("CHAINKPI_HOME", str(tmp_path / "rej"))
    monkeypatch.setenv("CHAINKPI_SECRET", "test-secret")
    ws = Workspace.from_env()
    ws.ensure()
    write_csv(
        ws.inbox / "talent_hires_2025.csv",
        rows_of("talent_hires", {}, {"学历": "研究生", "姓名": "李四"}),
    )
    ingest(None, ws)
    build(ws, as_of=AS_OF)
    at = sign_in(AppTest.from_file(str(APP), default_timeout=60)).run()
    at.switch_page("views/quality.py").run()
    assert not at.exception
    rejected = next(d.value for d in at.dataframe if "规则" in d.value.columns)
    assert rejected["列"].tolist() == ["degree"]
    assert rejected["值（已脱敏）"].tolist() == ["研究生"]
    assert "李四" not in rejected.to_string()


# --- Export ---------------------------------------------------------------------------------


def test_export_page_offers_the_quarters_files(app):
    at = app("export", year=2025, quarter=2, chain="NE")
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["kpi_progress_2025Q2_NE.csv", "target_tracking_2025Q2_NE.xlsx"]


def test_export_page_for_a_quarter_without_data_says_so(app):
    at = app("export", year=2024, quarter=1)
    assert not at.get("download_button")
    assert "2024" in " ".join(texts(at, "warning"))


# --- Every page -----------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_in_english_without_chinese_page_titles(app, page):
    at = app(page, lang="en")
    assert at.title, page
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in at.title[0].value), at.title[0].value

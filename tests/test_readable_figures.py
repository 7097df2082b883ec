"""One figure, one meaning (dashboard.md): every overview tile links to the page and filter
whose figure equals it — followed here link by link, in AppTest, on the small built warehouse —
and where two numbers count different things each says which (the leads page's by-date and
first-contact counts, the project funnel's 累计到达 and the stage bar's 当前阶段)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from streamlit.testing.v1 import AppTest

from chainkpi.settings import PROJECT_ROOT
from tests.dashboard_fixtures import sign_in

APP = PROJECT_ROOT / "dashboards" / "app.py"

# The figure on the linked page that equals the tile: the metric's label, or how to read it.
TALENT_METRICS = {
    "phd_hires": "博士及以上",
    "talent_hires": "引进人才",
    "returnee_hires": "回引本土人才",
    "catalogue_hires": "目录岗位引进",
}
LEAD_METRICS = {
    "leads_new": "新增线索（按首次接洽日期）",
    "leads_converted": "转化线索（按转化日期）",
}
KPI_CODES = {
    "博士及以上人才引进数": "phd_hires",
    "国家级、省级领军人才项目数": "leader_talent_projects",
    "人才引进总数": "talent_hires",
    "回引本土人才数": "returnee_hires",
    "急需紧缺岗位需求人数": "catalogue_headcount",
    "目录岗位引进人数": "catalogue_hires",
    "签约项目数": "projects_signed",
    "签约项目计划总投资": "signed_investment_wan",
    "亿元以上签约项目数": "major_projects_signed",
    "开工项目数": "projects_started",
    "投产项目数": "projects_producing",
    "新识别产业链缺口数": "gaps_identified",
    "补齐产业链缺口数": "gaps_closed",
    "新增招商线索数": "leads_new",
    "转化招商线索数": "leads_converted",
    "实际到位资金": "funds_in_place_wan",  # party_service_funds.md: linked to the chain page
}


@pytest.fixture
def app(home, monkeypatch):
    monkeypatch.setenv("CHAINKPI_HOME", str(home))

    def run(page: str = "overview", role: str = "district", **query: object) -> AppTest:
        at = sign_in(AppTest.from_file(str(APP), default_timeout=60), role=role)
        for key, value in query.items():
            at.query_params[key] = str(value)
        at.run()
        if page != "overview":
            at.switch_page(f"views/{page}.py").run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return run


def tiles(at: AppTest) -> list[tuple[str, str, str, dict]]:
    """(label, value, linked page, its query) of every overview tile: a bordered block holding
    one metric and one page link."""
    found = []

    def walk(node) -> None:
        children = list(getattr(node, "children", {}).values())
        metrics = [c for c in children if c.type == "metric"]
        links = [c for c in children if c.type == "page_link"]
        if len(metrics) == 1 and len(links) == 1:
            proto = links[0].proto
            page = Path(proto.page).stem or "overview"
            found.append(
                (metrics[0].label, metrics[0].value, page, dict(parse_qsl(proto.query_string)))
            )
        for child in children:
            walk(child)

    walk(at.main)
    return found


def linked_figure(at: AppTest, page: str, kpi: str, label: str, query: dict) -> str:
    """The figure on the linked page that stands for the tile."""
    metrics = {m.label: m.value for m in at.metric}
    if page == "talent":
        return metrics[TALENT_METRICS[kpi]]
    if page == "leads":
        return metrics[LEAD_METRICS[kpi]]
    if page == "projects":
        line = next(m.value for m in at.markdown if m.value.startswith("共 "))
        count, amount = re.match(r"共 (\S+) 个项目，计划总投资 (.+?)( ·|$)", line).group(1, 2)
        return amount if kpi == "signed_investment_wan" else f"{count} 个"
    # The chain page's KPI table: the tile's KPI in the tile's quarter, year to date.
    table = next(d.value for d in at.dataframe if "年初至今" in d.value.columns)
    quarter = f"第{query['quarter']}季度" if "quarter" in query else None
    rows = table[(table["指标"] == label) & ((table["季度"] == quarter) if quarter else True)]
    return rows["年初至今"].iloc[-1]


@pytest.mark.parametrize(
    ("chain", "year", "quarter"), [("ALL", 2025, 2), ("NE", 2025, 4), ("ALL", 2025, 4)]
)
def test_every_overview_tile_links_to_a_page_showing_its_figure_equal(app, chain, year, quarter):
    overview = app(year=year, quarter=quarter, chain=chain)
    found = tiles(overview)
    assert {label for label, *_ in found} == set(KPI_CODES), "every KPI tile has its link"
    for label, value, page, query in found:
        kpi = KPI_CODES[label]
        if page == "chain":  # the chain page's KPI table is by quarter: the tile's quarter
            query = {**query, "quarter": str(quarter)}
        target = app(page, **{k: v for k, v in query.items() if k != "quarter" or page != "chain"})
        shown = linked_figure(target, page, kpi, label, query)
        assert shown == value, (label, value, page, query, shown)


def test_a_chain_office_tile_links_within_its_own_scope(app):
    overview = app(role="chain:NE", year=2025, quarter=4, chain="NE")
    for _label, _value, _page, query in tiles(overview):
        assert query.get("chain", query.get("chains", "NE")) == "NE"


def test_the_leads_page_says_which_count_is_which(app):
    at = app("leads", year=2025)
    labels = [m.label for m in at.metric]
    assert "转化线索（按转化日期）" in labels and "已转化" in labels
    line = next(m.value for m in at.markdown if m.value.startswith("按转化日期"))
    assert re.fullmatch(r"按转化日期 \d+ · 其中2025年首次接洽 \d+", line), line
    assert any(s.value == "2025年首次接洽的线索" for s in at.subheader)


def test_the_project_funnel_and_stage_bar_say_which_count_they_are(app):
    at = app("projects")
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert any("累计到达" in title for title in titles), titles
    assert any("当前阶段" in title for title in titles), titles
    captions = " ".join(c.value for c in at.caption)
    assert "累计到达：" in captions and "当前阶段：" in captions

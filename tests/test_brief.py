"""The chain committee's brief (bulletin_brief_forecast.md, issue 22): `kpi brief` on the small
warehouse of test_bulletin (its tiny ledgers through the real ingest and build): one PDF of at
most two A4 pages (pdfinfo), Chinese text with the font embedded (pdftotext, pdffonts), the
long lists cut with 另有 N 条, no personal data."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from chainkpi.settings import PROJECT_ROOT
from tests.test_bulletin import RESERVE, bulletin_home, cjk_font_or_skip

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None,
    reason="poppler-utils missing: run scripts/install_browser.sh as root",
)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cjk_font_or_skip()
    return bulletin_home(tmp_path_factory)


def kpi_brief(home: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "kpi"), "brief", *args, "--out", str(out)],
        env={**os.environ, "CHAINKPI_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))


def test_the_brief_fits_two_pages_with_its_long_lists_cut(home, tmp_path):
    done = kpi_brief(home, tmp_path, "--chain", "ne", "--year", "2025", "--quarter", "Q2")
    assert done.returncode == 0, done.stderr
    path = tmp_path / "新能源产业链党委会议材料_2025年第2季度.pdf"
    assert path.is_file(), list(tmp_path.iterdir())
    assert pages(path) <= 2
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert "595.28 x 841.89 pts (A4)" in info  # portrait A4
    text = pdf_text(path)
    assert "新能源产业链党委会议材料（2025年第2季度）" in text
    assert "一、指标完成情况" in text and "三、问题清单" in text
    # The chain's KPIs with a target against it (the seed's six for NE), with status words.
    for name in ("签约项目数", "新增招商线索数", "博士及以上人才引进数", "产业链党委会议次数"):
        assert name in text
    assert "滞后" in text  # NE has no committee meeting in Q1 or Q2: off track
    # 40 projects in 储备 since the June ledger (and the signed ones), stuck over 60 days as
    # of 15 January 2026: a few are listed and the rest counted.
    stuck = int(re.search(r"停滞超过 60 天的项目：(\d+) 个", text).group(1))
    assert stuck >= RESERVE
    assert f"另有 {stuck - 8} 条" in text  # 8 rows printed, the rest counted
    # The odds only where the warehouse has them; otherwise it says so.
    assert "达成概率" in text
    # No personal data: the hires' masked names and phones are not printed at all.
    assert "欧" not in text and "****" not in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(line.split()[-5] == "yes" for line in rows), fonts


def test_an_unknown_chain_or_a_quarter_without_data_is_refused_in_chinese(home, tmp_path):
    done = kpi_brief(home, tmp_path, "--chain", "XX", "--year", "2025", "--quarter", "2")
    assert done.returncode != 0 and "未知的产业链" in done.stderr
    done = kpi_brief(home, tmp_path, "--chain", "NE", "--year", "2030", "--quarter", "1")
    assert done.returncode != 0 and "2030年第1季度没有" in done.stderr
    assert not list(tmp_path.glob("*.pdf"))


def test_the_chain_page_offers_the_chains_brief_and_nothing_of_another_chain(home, monkeypatch):
    """The chain page (views/chain.py) makes the chosen quarter's brief on a click and offers
    it for download (signin.download_button: the click is an audit record, what=brief); a
    chain office's query for another chain's brief is refused where it is read."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from dashboards import queries
    from dashboards.signin import USER_KEY
    from tests.dashboard_fixtures import sign_in

    monkeypatch.setenv("CHAINKPI_HOME", str(home))
    at = sign_in(
        AppTest.from_file(str(PROJECT_ROOT / "dashboards" / "app.py"), default_timeout=90),
        role="chain:NE",
    )
    at.run()
    at.query_params.clear()
    at.query_params.update({"year": "2025", "brief_quarter": "2"})
    at.switch_page("views/chain.py").run()
    assert not at.exception, [e.value for e in at.exception]
    make = [b for b in at.button if b.label == "生成党委会议材料（2025年第2季度）"]
    assert len(make) == 1, [b.label for b in at.button]
    make[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    downloads = at.get("download_button")
    labels = [d.proto.label for d in downloads]
    assert "下载新能源党委会议材料（2025年第2季度，PDF）" in labels, labels

    st.session_state[USER_KEY] = {"username": "x", "role": "chain:NE", "display_name": "x"}
    try:
        name, data = queries.brief_file("NE", 2025, 2)
        assert name == "新能源产业链党委会议材料_2025年第2季度.pdf" and data.startswith(b"%PDF")
        with pytest.raises(queries.NotAllowed):
            queries.brief_file("SEMI", 2025, 2)
    finally:
        st.session_state.pop(USER_KEY, None)


def test_with_the_odds_and_very_long_lists_the_brief_still_fits_two_pages(tmp_path):
    """A warehouse with the odds columns (probability_to_meet, remaining_to_target,
    needed_per_month) adds 达成概率 to the KPI table and 还需完成 to what is behind; 300 rows in
    every list are cut until the brief fits two pages."""
    import datetime as dt

    from chainkpi.bulletin.brief import Brief, render_pdf

    kpi = {
        "kpi_code": "projects_signed", "kpi_name_zh": "签约项目数", "unit": "个",
        "quarter_actual": 1, "ytd_actual": 2, "annual_target": 10, "expected_to_date": 5,
        "pct_of_target": 0.2, "status": "off_track", "period_state": "finished",
        "is_example_target": False, "probability_to_meet": 0.137, "remaining_to_target": 8,
        "needed_per_month": 1.33,
    }  # fmt: skip
    many = 300
    brief = Brief(
        chain_code="NE", chain_name="新能源", year=2025, quarter=2,
        built_at=dt.datetime(2026, 1, 15, 8), as_of_date=dt.date(2026, 1, 15),
        period_state="finished", kpis=[kpi] * 6, untargeted=15, has_odds=True,
        stuck=[{"project_id": f"P{i:04d}", "project_name": "很长的项目名称" * 3,
                "stage_label_zh": "储备", "days_in_stage": 400 - i,
                "days_in_stage_is_lower_bound": False, "is_stuck_over_90_days": True,
                "planned_investment_wan": 800} for i in range(many)],
        gaps=[{"gap_id": f"G{i:04d}", "segment": "上游", "link_name": "高纯石英砂",
               "priority": "高", "days_open": 300} for i in range(many)],
        leads=[{"lead_id": f"L{i:04d}", "company": "某某公司", "status_label_zh": "跟进中",
                "last_follow_up_date": dt.date(2025, 1, 5), "days_since_follow_up": 375}
               for i in range(many)],
        issues=[{"issue_id": f"Q{i:04d}", "enterprise": "某某企业", "track": "要素保障",
                 "received_date": dt.date(2025, 10, 1), "days_open": 106} for i in range(many)],
    )  # fmt: skip
    path = tmp_path / brief.file_name
    path.write_bytes(render_pdf(brief))
    assert pages(path) <= 2
    text = pdf_text(path)
    assert "达成概率" in text and "14%" in text
    assert "还需完成 8 个，每月需完成 1.33 个" in text
    assert text.count("另有") >= 4


def test_a_probability_is_printed_only_where_the_backtest_beat_the_baseline():
    """fct_forecast_skill.is_shown false: the model's number is not printed (—); a year's
    target already reached is 100 % and no time left 0 % whatever the model; a quarter
    target met so far is not a year met."""
    import datetime as dt

    from chainkpi.bulletin.brief import Brief, odds_text

    brief = Brief(
        chain_code="NE", chain_name="新能源", year=2025, quarter=2,
        built_at=dt.datetime(2026, 1, 15), as_of_date=dt.date(2026, 1, 15),
        period_state="finished", kpis=[], untargeted=0, has_odds=True,
        odds_shown={"projects_signed": True, "leads_new": False},
    )  # fmt: skip

    def kpi(code, p, model="negbin", ytd=1, target=10, status="off_track"):
        return {"kpi_code": code, "probability_to_meet": p, "forecast_model": model,
                "ytd_actual": ytd, "annual_target": target, "status": status}  # fmt: skip

    assert odds_text(brief, kpi("projects_signed", 0.42)) == "42%"
    assert odds_text(brief, kpi("leads_new", 0.42)) == "—"  # worse than the baseline
    assert odds_text(brief, kpi("phd_hires", 0.42)) == "—"  # no backtest verdict
    assert odds_text(brief, kpi("leads_new", 1, model="met", ytd=12)) == "100%"
    assert odds_text(brief, kpi("leads_new", 0, model="no_time_left")) == "0%"
    assert odds_text(brief, kpi("projects_signed", 0.999)) == ">99%"
    meetings = kpi("committee_meetings", None, model=None, ytd=3, target=4, status="met")
    assert odds_text(brief, meetings) == "—"
    brief.odds_shown = None  # a warehouse without the skill table: its numbers are shown
    assert odds_text(brief, kpi("leads_new", 0.42)) == "42%"

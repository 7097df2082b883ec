"""Hostile ledger text in a real browser: project names, investors and gap links that are HTML,
script, Plotly markup or a spreadsheet formula are shown as the text they are, and never run.

A small warehouse (test_build's hand-made ledgers plus hostile new-energy projects and gaps)
goes through the real ingest and the real dbt build; the dashboard is served and driven with
Playwright as in test_browser.py. Tables are checked through their DOM text (the grid is a
canvas, but Streamlit's grid keeps an accessible copy of every visible cell), the gap
matrix through its hover label.

The export's side — formula-looking text written as string cells, never formulas — is
tests/test_export.py::test_formula_looking_ledger_text_stays_text.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.ledgers import rows_of, write_csv
from tests.test_browser import browser_page, needs_chromium, serve, sign_in_page, wait_for_app

IMG = '<img src=x onerror="window.__pwned=1">'
SCRIPT = "<script>window.__pwned=2</script>"
FORMULA = '=HYPERLINK("http://x","y")'
MARKUP = '<b>粗体</b><a href="https://example.invalid/">链接</a>'  # Plotly's own markup
HOSTILE = [IMG, SCRIPT, FORMULA, MARKUP]


@pytest.fixture(scope="module")
def hostile_home(tmp_path_factory) -> Path:
    from chainkpi.ingest.pipeline import ingest
    from chainkpi.publish import build
    from tests.conftest import workspace_env
    from tests.dashboard_fixtures import add_test_users
    from tests.test_build import AS_OF, hand_made_ledgers

    home = tmp_path_factory.mktemp("hostile_dashboard")
    with workspace_env(home) as workspace:
        add_test_users(home)
        hand_made_ledgers(workspace.inbox)
        # Signed on 31 March 2025 and still signed at the as-of date: stuck, so they are
        # listed on the chain page too.
        write_csv(workspace.inbox / "projects_hostile.csv", rows_of("projects", *[
            {"项目编号": f"PX{i}", "项目名称": text, "投资主体": text, "所属产业链": "NE",
             "项目阶段": "签约", "签约日期": "2025-03-31", "对应缺口编号": f"GX{i}"}
            for i, text in enumerate(HOSTILE)
        ]))  # fmt: skip
        write_csv(workspace.inbox / "chain_gaps_hostile.csv", rows_of("chain_gaps", *[
            {"缺口编号": f"GX{i}", "所属产业链": "NE", "链条环节": "上游", "缺失环节": text,
             "识别日期": "2025-02-01", "状态": "未补"}
            for i, text in enumerate(HOSTILE)
        ]))  # fmt: skip
        result = ingest(None, workspace)
        assert result.exit_code == 0
        assert all(not f.rejected_rows for f in result.files)
        assert build(workspace, as_of=AS_OF).published
    return home


def _open(page, label: str, path: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_text(label, exact=True).click()
    page.wait_for_url(f"**/{path}**")
    wait_for_app(page)


def _table_text(page, expected: list[str], times: int, timeout: float = 20) -> str:
    """The text of every table shown (the grid's accessible copy of its cells, which it fills
    shortly after drawing), once each of `expected` is in it `times` times, or at the
    timeout. Tables in a closed expander are not shown."""
    deadline = time.monotonic() + timeout
    while True:
        grids = page.locator('[data-testid="stDataFrame"]:visible')
        text = "\n".join(grids.nth(i).evaluate("e => e.textContent") for i in range(grids.count()))
        if all(text.count(e) >= times for e in expected) or time.monotonic() > deadline:
            return text
        page.wait_for_timeout(300)


def _assert_nothing_ran(page) -> None:
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator('img[src="x"]').count() == 0
    assert page.locator("[onerror]").count() == 0
    assert (
        page.evaluate(
            "Array.from(document.querySelectorAll('script')).filter(s => s.text.includes('__pwned')).length"
        )
        == 0
    )
    # Plotly's markup stayed text: no link to the hostile address anywhere.
    assert page.locator('a[href*="example.invalid"]').count() == 0


def _gap_matrix_hover(page) -> str:
    """The hover label of the gap matrix cell 上游 · 未补, which lists the hostile links."""
    plot = page.locator(".js-plotly-plot").filter(has_text="缺口：环节 × 状态").first
    plot.scroll_into_view_if_needed()
    box = plot.locator(".nsewdrag").first.bounding_box()
    for fx in (0.05, 0.15, 0.25, 0.35, 0.5, 0.65, 0.85):
        for fy in (0.3, 0.6, 0.9):
            page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
            page.wait_for_timeout(250)
            text = plot.locator(".hoverlayer").evaluate("e => e.textContent")
            if "未补" in text:
                return text
    raise AssertionError("no hover label for the open upstream gaps")


@needs_chromium
def test_hostile_ledger_text_is_shown_literally_and_never_runs(hostile_home):
    from tests.dashboard_fixtures import TEST_USERS

    with serve(hostile_home) as url, browser_page(height=3200) as page:
        page.goto(f"{url}/")
        sign_in_page(page, "tester", TEST_USERS["tester"][1])
        page.wait_for_selector('[data-testid="stMetric"]')
        wait_for_app(page)

        _open(page, "项目", "projects")
        text = _table_text(page, HOSTILE, 2)  # each is a project name and an investor
        for hostile in HOSTILE:
            assert text.count(hostile) >= 2, (hostile, text)
        _assert_nothing_ran(page)

        # The chain page opens on 全区 for a district-wide user; 新能源 by its link (the
        # session survives the page load).
        page.goto(f"{url}/chain?chain=NE")
        wait_for_app(page)
        assert "新能源" in page.locator('[data-testid="stMain"] h1').first.inner_text()
        text = _table_text(page, HOSTILE, 2)  # a gap's missing link, a stuck project's name
        for hostile in HOSTILE:
            assert text.count(hostile) >= 2, (hostile, text)
        hover = _gap_matrix_hover(page)
        for hostile in HOSTILE:
            assert hostile in hover, (hostile, hover)
        _assert_nothing_ran(page)

"""Phones (dashboard.md): every page at 390×844 as a phone (is_mobile) and at 1400×1000, in
Chinese and English, in a real browser — `streamlit run` on the small built warehouse, driven
by Playwright with Debian's chromium. Each page and viewport is saved as a screenshot in the
test's tmp folder; no element is wider than the viewport except inside a table's own scroll
frame; the chain × KPI status list shows on the phone and the chart on the wide screen;
filters wait in a collapsed 筛选 section; no Plotly mode bar.

Also a tool: `python -m tests.test_phone_pages WORKSPACE OUT.png` saves the phone overview of
the warehouse in WORKSPACE — how docs/screenshot_overview_phone.png is made (make screenshot).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, serve, sign_in_page, wait_for_app

PAGES = {
    "overview": ("总览", "Overview"),
    "chain": ("产业链", "Chain"),
    "projects": ("项目", "Projects"),
    "leads": ("招商线索", "Leads"),
    "talent": ("人才", "Talent"),
    "quality": ("数据质量", "Data quality"),
    "export": ("导出", "Export"),
}
PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1400, "height": 1000}

# Elements wider than the viewport, or starting left of it — except inside a table's own
# scroll frame (st.dataframe scrolls its cells itself) and what is not drawn at all.
OVERFLOW_JS = """
(width) => {
  const out = [];
  for (const el of document.querySelectorAll('[data-testid="stMain"] *')) {
    if (el.closest('[data-testid="stDataFrame"]')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    if (r.right > width + 1 || r.left < -1) {
      const id = el.getAttribute('data-testid') || el.getAttribute('class') || '';
      const text = (el.textContent || '').trim().slice(0, 40);
      out.push(`${el.tagName}.${id} [${Math.round(r.left)}, ${Math.round(r.right)}] ${text}`);
    }
  }
  return out.slice(0, 10);
}
"""


@contextlib.contextmanager
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


def new_page(instance, viewport: dict, *, phone: bool):
    context = instance.new_context(
        viewport=viewport,
        is_mobile=phone,
        has_touch=phone,
        device_scale_factor=2 if phone else 1,
        locale="zh-CN",
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def _sidebar_open(page) -> None:
    expand = page.locator('[data-testid="stExpandSidebarButton"]')
    if expand.count() and expand.first.is_visible():
        expand.first.click()
        page.wait_for_timeout(400)


def _sidebar_closed(page) -> None:
    collapse = page.locator('[data-testid="stSidebarCollapseButton"] button')
    if collapse.count() and collapse.first.is_visible():
        collapse.first.click()
        page.wait_for_timeout(400)


def go_to(page, name: str, lang: str, *, phone: bool) -> None:
    """Open a page through the navigation, as a user does (the sidebar first, on a phone)."""
    _sidebar_open(page)
    label = PAGES[name][0 if lang == "zh" else 1]
    page.locator('[data-testid="stSidebarNav"]').get_by_text(label, exact=True).click()
    page.wait_for_timeout(300)
    wait_for_app(page)
    page.wait_for_timeout(700)
    if phone:
        _sidebar_closed(page)


def switch_language(page, lang: str, *, phone: bool) -> None:
    _sidebar_open(page)
    name = "English" if lang == "en" else "中文"
    page.locator('[data-testid="stSidebar"]').get_by_text(name, exact=True).click()
    wait_for_app(page)
    if phone:
        _sidebar_closed(page)


def full_screenshot(page, path: Path, viewport: dict, max_height: int = 9000) -> None:
    """The whole page (up to `max_height` CSS px): Streamlit scrolls inside its own container,
    so the viewport is made as tall as the content for the shot, then put back."""
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll("
        "'[data-testid=stMain], [data-testid=stMainBlockContainer]')].map(e => e.scrollHeight))"
    )
    tall = min(max(height + 40, viewport["height"]), max_height)
    page.set_viewport_size({"width": viewport["width"], "height": tall})
    page.wait_for_timeout(600)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    page.set_viewport_size(viewport)
    page.wait_for_timeout(300)


def visible(page, selector: str) -> bool:
    items = page.locator(selector)
    return any(items.nth(i).is_visible() for i in range(items.count()))


def visible_for(page, selector: str, seconds: float = 10) -> bool:
    """Whether something matching `selector` stays visible: False as soon as nothing is, True
    when something still is after `seconds` (a page being replaced gets the time to go)."""
    for _ in range(int(seconds * 4)):
        if not visible(page, selector):
            return False
        page.wait_for_timeout(250)
    return visible(page, selector)


def screenshot_phone_overview(
    home: Path, out: Path, username="district", password="demo-district", max_height=2200
):
    """Save the overview of the warehouse in `home` as a phone shows it (390 px wide, 2×): its
    first `max_height` CSS px — title, folded filters, headline targets, the status list."""
    with serve(home) as url, browser() as instance:
        page = new_page(instance, PHONE, phone=True)
        page.goto(f"{url}/")
        sign_in_page(page, username, password)
        page.wait_for_selector('[data-testid="stMetric"]')
        wait_for_app(page)
        page.wait_for_timeout(1500)
        full_screenshot(page, out, PHONE, max_height)
    return out


needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="/usr/bin/chromium is not installed: run scripts/install_browser.sh as root",
)


@needs_chromium
@pytest.mark.parametrize(
    ("viewport", "phone"), [(PHONE, True), (WIDE, False)], ids=["phone_390", "wide_1400"]
)
def test_every_page_fits_its_screen_in_both_languages(dashboard_home, tmp_path, viewport, phone):
    from tests.dashboard_fixtures import TEST_USERS

    problems: list[str] = []
    with serve(dashboard_home) as url, browser() as instance:
        page = new_page(instance, viewport, phone=phone)
        page.goto(f"{url}/")
        sign_in_page(page, "tester", TEST_USERS["tester"][1])
        page.wait_for_selector('[data-testid="stMetric"]')
        wait_for_app(page)
        for lang in ("zh", "en"):
            if lang == "en":
                switch_language(page, "en", phone=phone)
            for name in PAGES:
                go_to(page, name, lang, phone=phone)
                where = f"{name} {lang} {viewport['width']}"
                full_screenshot(page, tmp_path / f"{name}_{lang}_{viewport['width']}.png", viewport)
                assert page.locator('[data-testid="stMain"] h1').count(), where
                # No sideways scrolling: neither the page nor any element outside a table.
                wider = page.evaluate("() => document.documentElement.scrollWidth")
                if wider > viewport["width"] + 1:
                    problems.append(f"{where}: the page scrolls sideways ({wider} px)")
                problems += [f"{where}: {e}" for e in page.evaluate(OVERFLOW_JS, viewport["width"])]
                if visible(page, ".modebar-container .modebar-btn"):
                    problems.append(f"{where}: Plotly's mode bar shows")
                if name == "overview":
                    status_list = visible(page, ".ck-status-list .ck-chip")
                    heatmap = visible(page, '[class*="st-key-ck_wide_status"] .js-plotly-plot')
                    if phone and not (status_list and not heatmap):
                        problems.append(f"{where}: the phone shows the status chart, not the list")
                    if not phone and not (heatmap and not status_list):
                        problems.append(f"{where}: the wide screen shows the list, not the chart")
    saved = sorted(p.name for p in tmp_path.glob("*.png"))
    assert len(saved) == 2 * len(PAGES), saved
    assert problems == []


@needs_chromium
def test_the_phone_opens_on_headline_figures_with_filters_folded_away(dashboard_home, tmp_path):
    from tests.dashboard_fixtures import TEST_USERS

    with serve(dashboard_home) as url, browser() as instance:
        page = new_page(instance, PHONE, phone=True)
        page.goto(f"{url}/")
        sign_in_page(page, "tester", TEST_USERS["tester"][1])
        page.wait_for_selector('[data-testid="stMetric"]')
        wait_for_app(page)
        for name in ("overview", "chain", "projects", "leads", "talent"):
            go_to(page, name, "zh", phone=True)
            filters = page.locator('[data-testid="stExpander"]').filter(has_text="筛选").first
            assert filters.is_visible(), name
            # Collapsed: its pickers are not on the first screen until it is opened. (The page
            # before, whose filters were opened, may linger a moment while this one replaces it.)
            assert not visible_for(
                page, '[data-testid="stExpander"] [data-testid="stSelectbox"]'
            ), name
            first_metric = page.locator('[data-testid="stMetric"]')
            if first_metric.count():
                box = first_metric.first.bounding_box()
                assert box is not None and box["y"] < PHONE["height"], name
            filters.locator("summary").click()
            page.wait_for_timeout(400)
            assert visible(page, '[data-testid="stExpander"] [data-testid="stSelectbox"]'), name
        page.screenshot(path=str(tmp_path / "filters_open_390.png"))


if __name__ == "__main__":
    home, out = Path(sys.argv[1]), Path(sys.argv[2])
    print(screenshot_phone_overview(home, out))

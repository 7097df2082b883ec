"""The dashboard in a real browser: `streamlit run dashboards/app.py` against a built warehouse,
driven by Playwright with Debian's chromium (scripts/install_browser.sh installs it).

Also a tool: `python -m tests.test_browser WORKSPACE OUT.png` saves the overview of the
warehouse in WORKSPACE (CHAINKPI_HOME) as a screenshot — that is how
docs/screenshot_overview.png is made from the demo warehouse.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from chainkpi.settings import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(home: Path, timeout: float = 60) -> Iterator[str]:
    """Run the dashboard on a free port of 127.0.0.1 for the workspace `home`; yield its URL."""
    port = _free_port()
    env = {
        **os.environ,
        "CHAINKPI_HOME": str(home),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    command = [
        sys.executable, "-m", "streamlit", "run", "dashboards/app.py",
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    proc = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                output = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                raise RuntimeError(f"streamlit did not start:\n{output}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def browser_page(width: int = 1440, height: int = 1000):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
            page.set_default_timeout(30_000)
            yield page
        finally:
            browser.close()


def wait_for_app(page) -> None:
    """Until the script run has finished and the page shows its content."""
    page.wait_for_selector('[data-testid="stMain"]')
    page.wait_for_function("""() => !document.querySelector('[data-testid="stStatusWidget"]')""")
    page.wait_for_timeout(800)  # Plotly draws after the run


def open_filters(page) -> None:
    """Unfold the page's 筛选 / Filters section (collapsed so that a phone opens on the figures)
    before using its pickers."""
    section = page.locator('[data-testid="stExpander"]').filter(has_text="筛选")
    if not section.count():
        section = page.locator('[data-testid="stExpander"]').filter(has_text="Filters")
    details = section.first.locator("details")
    if details.count() and details.first.get_attribute("open") is None:
        section.first.locator("summary").first.click()
        page.wait_for_timeout(300)


def sign_in_page(page, username: str, password: str) -> None:
    """Fill the dashboard's sign-in form and submit it."""
    page.wait_for_selector('[data-testid="stForm"]')
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def screenshot_overview(
    home: Path,
    out: Path,
    height: int = 2400,
    username: str = "district",
    password: str = "demo-district",
) -> Path:
    """Save the overview of the warehouse in `home` as a PNG at `out` (Streamlit scrolls inside
    its own container, so the viewport is made tall enough for the whole page). Signs in as
    the demo's district user by default."""
    with serve(home) as url, browser_page(height=height) as page:
        page.goto(f"{url}/")
        sign_in_page(page, username, password)
        page.wait_for_selector('[data-testid="stMetric"]')
        page.wait_for_selector(".js-plotly-plot")
        wait_for_app(page)
        page.wait_for_timeout(1500)
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=True)
    return out


# In CI the test set-up installs chromium (make test → scripts/install_browser.sh): there a
# missing browser is a failure, not a skip.
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="/usr/bin/chromium is not installed: run scripts/install_browser.sh as root",
)


@needs_chromium
def test_dashboard_in_a_browser_switches_pages_and_quarters(dashboard_home, tmp_path):
    from tests.dashboard_fixtures import TEST_USERS

    with serve(dashboard_home) as url, browser_page() as page:
        page.goto(f"{url}/")
        # Nothing but the sign-in form before signing in.
        assert page.locator('[data-testid="stMetric"]').count() == 0
        sign_in_page(page, "tester", TEST_USERS["tester"][1])
        page.wait_for_selector('[data-testid="stMetric"]')
        wait_for_app(page)
        main = page.locator('[data-testid="stMain"]')
        assert "总览" in main.locator("h1").first.inner_text()
        # The sidebar says when the warehouse was built.
        assert "数据仓库构建于" in page.locator('[data-testid="stSidebar"]').inner_text()
        # The off-track KPI of the fixture data is spelled out, not only coloured.
        assert "滞后" in main.inner_text()

        # Change the quarter in the picker: the title and the URL follow.
        open_filters(page)
        page.locator('[data-testid="stSelectbox"]').filter(has_text="季度").click()
        page.get_by_role("option", name="第1季度").click()
        page.wait_for_function("() => window.location.search.includes('quarter=1')")
        wait_for_app(page)
        assert "2025年第1季度" in main.locator("h1").first.inner_text()
        page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
        assert (tmp_path / "overview.png").stat().st_size > 10_000

        # Switch pages through the navigation.
        page.locator('[data-testid="stSidebarNav"]').get_by_text("产业链").click()
        page.wait_for_url("**/chain**")
        wait_for_app(page)
        # A district-wide role opens the chain page on 全区: the chains side by side.
        assert "全区" in main.locator("h1").first.inner_text()
        assert page.locator('[data-testid="stMetric"]').count() >= 5

        page.locator('[data-testid="stSidebarNav"]').get_by_text("数据质量").click()
        page.wait_for_url("**/quality**")
        wait_for_app(page)
        assert "数据质量" in main.locator("h1").first.inner_text()

        # The language switch.
        page.locator('[data-testid="stSidebar"]').get_by_text("English").click()
        page.wait_for_function("() => window.location.search.includes('lang=en')")
        wait_for_app(page)
        assert "Data quality" in main.locator("h1").first.inner_text()


if __name__ == "__main__":
    home, out = Path(sys.argv[1]), Path(sys.argv[2])
    print(screenshot_overview(home, out))

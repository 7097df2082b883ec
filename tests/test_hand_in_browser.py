"""数据报送 in a real browser: an analyst uploads a ledger through the page's file input
(`set_input_files`), sees the report and the new warehouse; a chain head never sees the page.

Also a tool: `python -m tests.test_hand_in_browser WORKSPACE OUT.png [USER PASSWORD]` hands a
partly bad project ledger in to the warehouse in WORKSPACE (CHAINKPI_HOME; it is changed) and
saves the page with its report — that is how docs/screenshot_hand_in.png is made.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import openpyxl

from tests.conftest import TEST_SECRET
from tests.dashboard_fixtures import TEST_USERS
from tests.ledgers import rows_of, write_csv
from tests.test_browser import browser_page, needs_chromium, serve, sign_in_page, wait_for_app

UPLOAD_INPUT = '[data-testid="stFileUploaderDropzoneInput"]'


def partly_bad_ledger(folder: Path) -> Path:
    """A project ledger as an office hands it in: two good rows, one with a stage it does not
    know and one signed without a signing date."""
    rows = rows_of(
        "projects",
        {"项目编号": "P-2512-01", "项目名称": "固态电池中试线"},
        {"项目编号": "P-2512-02", "项目名称": "储能系统集成", "项目阶段": "暂缓"},
        {"项目编号": "P-2512-03", "项目名称": "光伏组件扩产", "签约日期": ""},
        {"项目编号": "P-2512-04", "项目名称": "氢能装备"},
    )
    # The office's own headers: a synonym, and amounts in 亿元 (the page says how it read them).
    own = {"投资主体": "业主单位", "计划总投资（万元）": "总投资（亿元）"}
    rows = [{own.get(k, k): ("1.2" if k == "计划总投资（万元）" else v) for k, v in row.items()}
            for row in rows]  # fmt: skip
    return write_csv(folder / "新能源产业链项目储备库2025年12月.csv", rows)


def hand_in(page, url: str, username: str, password: str, files: list[Path]) -> str:
    """Sign in, open 数据报送, upload the files, hand them in; the main area's text once the
    report is shown."""
    page.goto(f"{url}/")
    sign_in_page(page, username, password)
    wait_for_app(page)
    page.locator('[data-testid="stSidebarNav"]').get_by_text("数据报送").click()
    page.wait_for_url("**/hand_in**")
    wait_for_app(page)
    page.locator(UPLOAD_INPUT).set_input_files([str(path) for path in files])
    page.get_by_text(f"已选择 {len(files)} 个文件").wait_for()
    wait_for_app(page)
    page.get_by_role("button", name="开始报送").click()
    # The ingest and the dbt build run in the worker: minutes on a busy machine.
    page.get_by_text("报送结果").wait_for(timeout=900_000)
    wait_for_app(page)
    return page.locator('[data-testid="stMain"]').inner_text()


def screenshot_hand_in(
    home: Path, out: Path, username: str = "analyst", password: str = "demo-analyst"
) -> Path:
    import tempfile

    with tempfile.TemporaryDirectory() as folder, serve(home) as url:
        ledger = partly_bad_ledger(Path(folder))
        with browser_page(height=1150) as page:
            hand_in(page, url, username, password, [ledger])
            # Show the rejected rows, not the run log.
            page.wait_for_timeout(1000)
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out), full_page=True)
    return out


@needs_chromium
def test_an_analyst_hands_in_a_ledger_in_the_browser_and_a_chain_head_does_not_see_the_page(
    home, tmp_path, monkeypatch
):
    copy = tmp_path / "home"
    shutil.copytree(home, copy)  # the page publishes a new warehouse into it
    monkeypatch.setenv("CHAINKPI_SECRET", TEST_SECRET)
    ledger = partly_bad_ledger(tmp_path / "office")
    with serve(copy) as url:
        with browser_page() as page:
            text = hand_in(page, url, "tester", TEST_USERS["tester"][1], [ledger])
            assert "新能源产业链项目储备库2025年12月.csv" in text
            assert "入库 2 行，拒收 2 行" in text
            assert "已发布新的数据仓库" in text
            assert "读取方式：" in text and "折为万元" in text
            # The rejected rows (a data grid: AppTest reads its cells), the file back to fix.
            assert page.locator('[data-testid="stDataFrame"]').count() == 1
            back = "新能源产业链项目储备库2025年12月_退回修改.xlsx"
            with page.expect_download() as download:
                page.get_by_role("button", name=back).click()
            assert download.value.suggested_filename == back
            saved = tmp_path / back
            download.value.save_as(saved)
            sheet = openpyxl.load_workbook(saved)["需修改的行"]
            assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [3, 4]

        with browser_page() as page:
            page.goto(f"{url}/")
            sign_in_page(page, "ne_tester", TEST_USERS["ne_tester"][1])
            wait_for_app(page)
            navigation = page.locator('[data-testid="stSidebarNav"]').inner_text()
            assert "数据质量" in navigation and "数据报送" not in navigation
            page.goto(f"{url}/hand_in")
            wait_for_app(page)
            main = page.locator('[data-testid="stMain"]').inner_text()
            assert "选择台账文件" not in main and page.locator(UPLOAD_INPUT).count() == 0


if __name__ == "__main__":
    arguments = sys.argv[1:]
    print(screenshot_hand_in(Path(arguments[0]), Path(arguments[1]), *arguments[2:4]))

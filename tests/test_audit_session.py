"""The audit trail of a real session (issue 20, 安全审计): a browser signs in (after one wrong
password), views pages with their filters, downloads the quarterly export and hands in a
ledger on 数据报送, then signs out — against `kpi serve` on a copy of the small warehouse.
The trail holds each of those events with who, what, which chain and period, and the
client; `kpi audit verify` passes on it, and fails naming the record once one byte of one
record is changed, or one record is deleted."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chainkpi.settings import PROJECT_ROOT
from tests.conftest import TEST_SECRET
from tests.dashboard_fixtures import TEST_USERS
from tests.test_browser import browser_page, needs_chromium, sign_in_page, wait_for_app
from tests.test_hand_in_browser import UPLOAD_INPUT, partly_bad_ledger
from tests.test_security_probes import export_download, serve_guarded

KPI = str(Path(sys.executable).with_name("kpi"))


def kpi(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [KPI, *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, "CHAINKPI_HOME": str(home), "CHAINKPI_SECRET": TEST_SECRET},
        capture_output=True,
        text=True,
        timeout=300,
    )


def trail(home: Path) -> list[dict]:
    path = home / "audit" / "trail.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def session_home(home, tmp_path_factory) -> Path:
    """The workspace after one real session (module-scoped: the browser part runs once)."""
    if not Path("/usr/bin/chromium").exists() and not os.environ.get("CI"):
        pytest.skip("/usr/bin/chromium is not installed")
    folder = tmp_path_factory.mktemp("audit_session")
    copy = folder / "home"
    shutil.copytree(home, copy, ignore=shutil.ignore_patterns("sessions.sqlite3", "audit"))
    ledger = partly_bad_ledger(folder / "office")
    saved = os.environ.get("CHAINKPI_SECRET")
    os.environ["CHAINKPI_SECRET"] = TEST_SECRET
    try:
        with serve_guarded(copy) as url, browser_page() as page:
            page.goto(f"{url}/")
            sign_in_page(page, "tester", "not-the-password")
            page.get_by_text("用户名或密码不正确").wait_for()
            wait_for_app(page)
            sign_in_page(page, "tester", TEST_USERS["tester"][1])
            page.wait_for_selector('[data-testid="stSidebarNav"]')
            # The overview drawn (its view recorded) before the next page is opened.
            page.wait_for_selector('[data-testid="stMetric"]')
            wait_for_app(page)
            page.goto(f"{url}/projects?chain=NE")
            page.wait_for_selector('[data-testid="stSidebarNav"]')
            wait_for_app(page)
            export_download(page, url)
            # 数据报送: the analyst hands in a ledger through the page's file input.
            page.locator('[data-testid="stSidebarNav"]').get_by_text("数据报送").click()
            page.wait_for_url("**/hand_in**")
            wait_for_app(page)
            page.locator(UPLOAD_INPUT).set_input_files([str(ledger)])
            page.get_by_text("已选择 1 个文件").wait_for()
            wait_for_app(page)
            page.get_by_role("button", name="开始报送").click()
            page.get_by_text("报送结果").wait_for(timeout=900_000)
            wait_for_app(page)
            back = "新能源产业链项目储备库2025年12月_退回修改.xlsx"  # the file to fix, taken away
            with page.expect_download():
                page.get_by_role("button", name=back).click()
            wait_for_app(page)
            page.get_by_role("button", name="退出登录").click()
            page.wait_for_selector('[data-testid="stForm"]')
            wait_for_app(page)
    finally:
        if saved is None:
            os.environ.pop("CHAINKPI_SECRET", None)
        else:
            os.environ["CHAINKPI_SECRET"] = saved
    return copy


@needs_chromium
def test_the_trail_of_a_session_holds_its_sign_ins_views_download_and_upload(session_home):
    records = trail(session_home)
    mine = [r for r in records if r["user"] == "tester"]
    events = [r["event"] for r in mine]
    assert events[:2] == ["signin_failed", "signin"] and events[-1] == "signout"
    assert mine[0]["details"]["reason"] == "wrong_password"
    views = [r["details"] for r in mine if r["event"] == "view"]
    assert {"overview", "projects", "export", "hand_in"} <= {v["page"] for v in views}
    projects = next(v for v in views if v["page"] == "projects")
    assert "NE" in json.dumps(projects["filters"])
    downloads = {r["details"]["what"]: r["details"] for r in mine if r["event"] == "download"}
    download = downloads["export"]
    assert download["file"].endswith((".xlsx", ".csv"))
    assert downloads["returned_file"]["file"] == "新能源产业链项目储备库2025年12月_退回修改.xlsx"
    assert download["chain"] and len(download["period"]) == 6  # e.g. 2025Q4
    (upload,) = [r["details"] for r in mine if r["event"] == "upload"]
    (handed,) = upload["files"]
    assert handed["name"] == "新能源产业链项目储备库2025年12月.csv"
    assert len(handed["sha256"]) == 64 and upload["role"] == "analyst"
    # The ingest the page ran recorded itself too, with the file's sha256.
    assert any(r["event"] == "ingest" for r in records)
    assert handed["sha256"] in json.dumps([r for r in records if r["event"] == "ingest"])


@needs_chromium
def test_kpi_audit_verify_passes_then_names_a_changed_or_deleted_record(session_home, tmp_path):
    done = kpi(session_home, "audit", "verify")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "审计记录完整" in done.stdout

    # One byte of one record changed: the download's chain.
    changed = tmp_path / "changed"
    shutil.copytree(session_home, changed)
    path = changed / "audit" / "trail.jsonl"
    lines = path.read_bytes().split(b"\n")
    number = next(i for i, line in enumerate(lines) if b'"event": "download"' in line)
    seq = json.loads(lines[number])["seq"]
    at = lines[number].index(b'"what": "export"') + len(b'"what": "e')
    lines[number] = lines[number][:at] + b"E" + lines[number][at + 1 :]
    path.write_bytes(b"\n".join(lines))
    done = kpi(changed, "audit", "verify")
    assert done.returncode == 1
    assert f"第 {seq} 条" in done.stdout and f"trail.jsonl:{number + 1}" in done.stdout

    # One record deleted: the sign-in.
    deleted = tmp_path / "deleted"
    shutil.copytree(session_home, deleted)
    path = deleted / "audit" / "trail.jsonl"
    lines = path.read_bytes().split(b"\n")
    number = next(i for i, line in enumerate(lines) if b'"event": "signin"' in line)
    seq = json.loads(lines[number])["seq"]
    del lines[number]
    path.write_bytes(b"\n".join(lines))
    done = kpi(deleted, "audit", "verify")
    assert done.returncode == 1
    assert f"第 {seq} 条" in done.stdout  # the record that should have come next is named


@needs_chromium
def test_the_trail_holds_no_personal_data_and_is_private(session_home):
    text = (session_home / "audit" / "trail.jsonl").read_text(encoding="utf-8")
    assert "test-password" not in text and "not-the-password" not in text
    assert oct((session_home / "audit" / "trail.jsonl").stat().st_mode & 0o777) == "0o600"
    assert oct((session_home / "audit").stat().st_mode & 0o777) == "0o700"

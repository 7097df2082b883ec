"""What probing the running dashboard found (issue 20, item 7), reproduced against the real
server (`kpi serve`'s dashboards/server.py, or `streamlit run`), a real browser (Playwright,
Debian's chromium) and the real files — each fixed:

- a download's `/media/…` URL is refused without the signed-in session (and after sign-out);
- the data grid's own "Download as CSV" carries no live formula;
- a user removed from users.toml, or whose role changed there, is signed out / gets the new
  role at the next rerun of an open page;
- a malformed users.toml shows a visitor no traceback and no path;
- no other site may frame the dashboard (X-Frame-Options, CSP frame-ancestors), and
  docs/serving.md tells the reverse proxy to say so too.
The ingest's findings (the dimension bomb, control characters, symlinks, file modes) are
tested with the ingest."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from chainkpi.settings import PROJECT_ROOT
from tests.dashboard_fixtures import TEST_USERS
from tests.test_browser import (
    _free_port,
    browser_page,
    needs_chromium,
    serve,
    sign_in_page,
    wait_for_app,
)
from tests.test_browser_hostile import FORMULA, hostile_home  # noqa: F401 - a fixture

KPI = str(Path(sys.executable).with_name("kpi"))


@contextlib.contextmanager
def serve_guarded(home: Path, timeout: float = 90, **env: str) -> Iterator[str]:
    """`kpi serve` on a free port of 127.0.0.1 for the workspace `home` (dashboards/server.py:
    app.py behind chainkpi's middleware); yield its URL."""
    port = _free_port()
    proc = subprocess.Popen(
        [KPI, "serve", "--port", str(port), "--address", "127.0.0.1"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "CHAINKPI_HOME": str(home), **env,
             "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
             "STREAMLIT_SERVER_HEADLESS": "true", "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
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
                raise RuntimeError(f"kpi serve did not start:\n{output}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def status_of(url: str, cookie: str | None = None) -> int:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture
def own_home(home, tmp_path):
    copy = tmp_path / "home"
    shutil.copytree(home, copy, ignore=shutil.ignore_patterns("sessions.sqlite3", "audit"))
    return copy


def signed_in(page, url: str, username: str, path: str = "/") -> None:
    page.goto(f"{url}{path}")
    sign_in_page(page, username, TEST_USERS[username][1])
    page.wait_for_selector('[data-testid="stSidebarNav"]')
    wait_for_app(page)


def export_download(page, url: str):
    """Open the export page and download its first file; the Download."""
    page.locator('[data-testid="stSidebarNav"]').get_by_text("导出").click()
    page.wait_for_url("**/export**")
    wait_for_app(page)
    button = page.locator('[data-testid="stDownloadButton"] button').first
    button.wait_for()
    with page.expect_download() as info:
        button.click()
    return info.value


# --------------------------------------------------------------------------- downloads


@needs_chromium
def test_a_download_url_is_refused_without_the_session(own_home):
    with serve_guarded(own_home) as url, browser_page() as page:
        signed_in(page, url, "tester")
        download = export_download(page, url)
        media = download.url
        assert "/media/" in media
        assert download.path().stat().st_size > 0  # the signed-in browser got the file
        cookie = "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies())
        # With the session's cookie the URL answers; without it, or with a made-up one, not.
        assert status_of(media, cookie) == 200
        assert status_of(media) == 403
        assert status_of(media, "chainkpi_session=" + "A" * 43) == 403
        # After sign-out the same URL and the same cookie get nothing.
        page.get_by_role("button", name="退出登录").click()
        page.wait_for_selector('[data-testid="stForm"]')
        assert status_of(media, cookie) == 403
    records = (own_home / "audit" / "trail.jsonl").read_text(encoding="utf-8")
    assert '"event": "download"' in records and '"what": "export"' in records


def test_every_response_refuses_framing_and_the_proxy_is_told_to(own_home):
    with serve_guarded(own_home) as url:
        for path in ("/", "/_stcore/health", "/media/nothing.xlsx"):
            request = urllib.request.Request(url + path)
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    headers = response.headers
            except urllib.error.HTTPError as exc:
                headers = exc.headers
            assert headers["X-Frame-Options"] == "DENY", path
            assert headers["Content-Security-Policy"] == "frame-ancestors 'none'", path
    guide = (PROJECT_ROOT / "docs" / "serving.md").read_text(encoding="utf-8")
    assert 'add_header X-Frame-Options "DENY" always;' in guide
    assert "frame-ancestors 'none'" in guide


# --------------------------------------------------------------------------- the shared cache


def cache_misses(url: str) -> int:
    """How often the dashboard's cached queries missed (Streamlit's /_stcore/metrics)."""
    with urllib.request.urlopen(f"{url}/_stcore/metrics", timeout=10) as response:
        text = response.read().decode()
    return sum(
        int(float(line.rsplit(" ", 1)[1]))
        for line in text.splitlines()
        if line.startswith("cache_lookups_total") and 'result="miss"' in line
        and "dashboards.queries._fetch" in line
    )  # fmt: skip


def send_clear_cache(url: str) -> None:
    """What the "Clear cache" menu item sends, from a websocket that never signed in; back
    once that session has run the app (so the message before it has been handled)."""
    import asyncio
    import threading

    async def clear() -> None:
        import websockets
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        ws_url = url.replace("http://", "ws://", 1) + "/_stcore/stream"
        async with websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None) as ws:
            message = BackMsg()
            message.clear_cache = True
            await ws.send(message.SerializeToString())
            rerun = BackMsg()
            rerun.rerun_script.query_string = ""
            await ws.send(rerun.SerializeToString())
            while True:
                answer = ForwardMsg()
                answer.ParseFromString(await asyncio.wait_for(ws.recv(), 120))
                if answer.WhichOneof("type") == "script_finished":
                    return

    worker = threading.Thread(target=lambda: asyncio.run(clear()))
    worker.start()
    worker.join()


@needs_chromium
def test_a_visitor_who_never_signed_in_cannot_clear_the_shared_cache(own_home):
    with serve_guarded(own_home) as url, browser_page() as page:
        signed_in(page, url, "tester")
        page.reload()  # the same page again: every query from the cache
        page.wait_for_selector('[data-testid="stMetric"]')
        wait_for_app(page)
        warm = cache_misses(url)
        assert warm > 0
        send_clear_cache(url)
        page.reload()
        page.wait_for_selector('[data-testid="stMetric"]')
        wait_for_app(page)
        assert cache_misses(url) == warm  # still cached: the request was dropped


# --------------------------------------------------------------------------- the grid's CSV


@needs_chromium
def test_the_grids_own_csv_download_carries_no_live_formula(hostile_home):  # noqa: F811
    with serve(hostile_home) as url, browser_page(height=1400) as page:
        # Chromium's save dialog cannot be driven headless: the grid falls back to a plain
        # download when the File System Access API fails.
        page.add_init_script(
            "window.showSaveFilePicker = async () => { throw new Error('no picker'); };"
        )
        signed_in(page, url, "tester", "/projects")
        grid = page.locator('[data-testid="stDataFrame"]').first
        grid.wait_for()
        page.wait_for_timeout(500)
        grid.hover()
        with page.expect_download() as info:
            grid.locator('[data-testid="stElementToolbarButton"]').filter(
                has=page.locator('[aria-label="Download as CSV"], [title="Download as CSV"]')
            ).or_(page.get_by_role("button", name="Download as CSV")).first.click()
        text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert any(FORMULA in cell for cell in cells), text[:500]  # the hostile text is there…
    live = [c for c in cells if len(c) > 1 and c[0] in "=+-@\t\r"]
    assert live == []  # …but never as a formula a spreadsheet would run


# --------------------------------------------------------------------------- revoked users


@needs_chromium
def test_a_user_removed_or_whose_role_changed_in_users_toml_is_followed_at_the_next_rerun(
    own_home,
):
    users = own_home / "users.toml"
    with serve_guarded(own_home) as url, browser_page() as page:
        signed_in(page, url, "ne_tester", "/chain")
        main = page.locator('[data-testid="stMain"]')
        assert main.locator("h1").first.inner_text().startswith("新能源")
        users.write_text(
            users.read_text(encoding="utf-8").replace('role = "chain:NE"', 'role = "chain:SEMI"'),
            encoding="utf-8",
        )
        page.locator('[data-testid="stSidebarNav"]').get_by_text("总览").click()
        page.wait_for_function("() => window.location.search.includes('chain=SEMI')")
        wait_for_app(page)
        assert "半导体" in main.inner_text() and "新能源" not in main.inner_text()
        text = users.read_text(encoding="utf-8")
        start = text.index("[users.ne_tester]")
        end = text.find("[users.", start + 1)
        users.write_text(text[:start] + (text[end:] if end > 0 else ""), encoding="utf-8")
        page.locator('[data-testid="stSidebarNav"]').get_by_text("产业链").click()
        page.wait_for_selector('[data-testid="stForm"]')
        wait_for_app(page)
        assert page.locator('[data-testid="stSidebarNav"]').count() == 0
        assert page.locator('[data-testid="stMetric"]').count() == 0
    trail = (own_home / "audit" / "trail.jsonl").read_text(encoding="utf-8")
    assert '"event": "role_changed"' in trail and '"reason": "user_removed"' in trail


# --------------------------------------------------------------------------- errors


@needs_chromium
def test_a_malformed_users_file_shows_a_visitor_no_traceback_and_no_path(own_home):
    (own_home / "users.toml").write_text('[users.x\nrole = "analyst"\n', encoding="utf-8")
    with serve_guarded(own_home) as url, browser_page() as page:
        page.goto(f"{url}/")
        page.wait_for_selector('[data-testid="stMain"]')
        wait_for_app(page)
        page.wait_for_timeout(1000)
        text = page.locator("body").inner_text()
    assert "登录" in text  # the sign-in page says it is unavailable…
    for leak in ("Traceback", "tomllib", "TOMLDecodeError", ".py", str(own_home), "users.toml"):
        assert leak not in text, leak  # …and nothing of the server


# --------------------------------------------------------------------------- data quality


@pytest.fixture(scope="module")
def quality_home(tmp_path_factory) -> Path:
    """The small warehouse's ledgers (each file holds several chains' rows), and two project
    ledgers of one chain each: one of SEMI only, one of NE only."""
    from tests.conftest import build_warehouse
    from tests.dashboard_fixtures import add_test_users
    from tests.ledgers import rows_of, write_csv
    from tests.test_build import hand_made_ledgers

    def ledgers(inbox: Path) -> None:
        hand_made_ledgers(inbox)
        write_csv(inbox / "projects_semi_only.csv", rows_of(
            "projects", {"项目编号": "PS91", "所属产业链": "SEMI"},
            {"项目编号": "PS92", "所属产业链": "SEMI"},
        ))  # fmt: skip
        write_csv(inbox / "projects_ne_only.csv", rows_of(
            "projects", {"项目编号": "PN91", "所属产业链": "NE"},
        ))  # fmt: skip

    home = tmp_path_factory.mktemp("quality_scope") / "home"
    build_warehouse(home, ledgers)
    add_test_users(home)
    return home


def shared_file(home: Path, chain: str) -> str:
    """A ledger file holding rows of `chain` and of another chain (from the warehouse)."""
    import duckdb

    con = duckdb.connect(str(home / "warehouse" / "chainkpi.duckdb"), read_only=True)
    try:
        (name,) = con.execute(
            "select f.file_name from main.fct_ingest_files as f"
            " join main.fct_ingest_file_chains as c on c.load_id = f.load_id"
            " group by f.file_name"
            " having bool_or(c.chain_code = ?) and bool_or(c.chain_code <> ?)"
            " order by f.file_name limit 1",
            [chain, chain],
        ).fetchone()
    finally:
        con.close()
    return name


def quality_page(home: Path, role: str, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.dashboard_fixtures import sign_in

    monkeypatch.setenv("CHAINKPI_HOME", str(home))
    at = sign_in(AppTest.from_file(str(PROJECT_ROOT / "dashboards" / "app.py"),
                                   default_timeout=60), role=role).run()  # fmt: skip
    at.switch_page("views/quality.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def frame_with(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_the_data_quality_page_lists_every_file_with_its_figures_for_the_analyst(
    quality_home, monkeypatch
):
    at = quality_page(quality_home, "analyst", monkeypatch)
    every = frame_with(at, "文件").set_index("文件")
    shared = shared_file(quality_home, "NE")
    assert {"projects_semi_only.csv", "projects_ne_only.csv", shared} <= set(every.index)
    assert every.loc[shared, "入库行数"] > 0
    assert frame_with(at, "最近导入时间")["入库行数"].notna().all()


@pytest.mark.parametrize(
    ("role", "own", "other", "other_id"),
    [("chain:NE", "projects_ne_only.csv", "projects_semi_only", "PS91"),
     ("chain:SEMI", "projects_semi_only.csv", "projects_ne_only", "PN91"),
     ("office:NE", "projects_ne_only.csv", "projects_semi_only", "PS91")],
)  # fmt: skip
def test_the_data_quality_page_shows_a_chain_office_only_its_files_and_no_other_figures(
    quality_home, monkeypatch, role, own, other, other_id
):
    at = quality_page(quality_home, role, monkeypatch)
    files = frame_with(at, "文件").set_index("文件")
    assert f"{other}.csv" not in files.index  # the other chain's own file
    assert own in files.index
    assert files.loc[own, "入库行数"] > 0  # its own file: its figures
    # A file holding other chains' rows too: listed, without its figures.
    shared = files.loc[shared_file(quality_home, role.split(":")[1])]
    for column in ("读取行数", "入库行数", "拒收行数", "提示数"):
        assert pd.isna(shared[column]), column
    # Nothing of the other file anywhere on the page, and no district-wide counts.
    shown = " ".join(str(e.value) for kind in ("markdown", "caption", "text", "title",
                                               "subheader", "info", "success", "selectbox")
                     for e in getattr(at, kind))  # fmt: skip
    shown += " ".join(d.value.to_string() for d in at.dataframe)
    assert other not in shown and other_id not in shown
    fresh = frame_with(at, "最近导入时间")
    assert fresh["入库行数"].isna().all()

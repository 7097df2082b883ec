"""数据报送 (handing_in.md, "Upload in the dashboard"): AppTest drives the page with real files
through the real `kpi ingest` and `kpi build`; the page's helpers (names, limits, a chain
office's own chain, the lock, the upload log) on real files too."""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from chainkpi.publish import published_info
from chainkpi.settings import PROJECT_ROOT, Workspace
from dashboards import hand_in_jobs as jobs
from tests.conftest import TEST_SECRET
from tests.dashboard_fixtures import sign_in
from tests.ledgers import rows_of, write_csv

APP = PROJECT_ROOT / "dashboards" / "app.py"
PAGE = PROJECT_ROOT / "dashboards" / "views" / "hand_in.py"
CSV = "text/csv"


@pytest.fixture
def own_home(home, tmp_path, monkeypatch) -> Path:
    """A copy of the small warehouse's workspace (this test changes it)."""
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    monkeypatch.setenv("CHAINKPI_HOME", str(copy))
    monkeypatch.setenv("CHAINKPI_SECRET", TEST_SECRET)
    return copy


def _csv_bytes(tmp_path: Path, name: str, rows, **kwargs) -> bytes:
    return write_csv(tmp_path / "made" / name, rows, **kwargs).read_bytes()


def _texts(at: AppTest) -> str:
    kinds = ("markdown", "caption", "error", "success", "info", "warning", "title", "code")
    return "\n".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def _uploads_log(home: Path) -> list[dict]:
    path = home / "logs" / jobs.UPLOAD_LOG
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# --------------------------------------------------------------------------- the whole page


def test_an_analyst_hands_in_good_partly_bad_and_refused_files_and_a_new_warehouse_is_published(
    own_home, tmp_path
):
    before = published_info(Workspace(own_home).published_db)["built_at"]
    # A good ledger with the office's own header for the investor (the page says so).
    good = _csv_bytes(
        tmp_path, "projects_2025-12.csv",
        [{("业主单位" if k == "投资主体" else k): v for k, v in row.items()}
         for row in rows_of("projects", {"项目编号": "P901"}, {"项目编号": "P902"})],
    )  # fmt: skip
    partly_bad = _csv_bytes(
        tmp_path, "talent_hires_2025Q4.csv",
        rows_of("talent_hires", {"引进编号": "H901"}, {"引进编号": "H902", "学历": "院士"}),
    )  # fmt: skip
    # The leads ledger without its required columns: refused whole.
    refused = _csv_bytes(tmp_path, "leads_2025-12.csv", [{"企业名称": "某公司", "备注": "x"}])

    at = sign_in(AppTest.from_file(str(APP), default_timeout=900)).run()
    at.switch_page("views/hand_in.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "数据报送"
    # The templates of every dataset are offered, and they are the templates.
    labels = [b.label for b in at.get("download_button")]
    assert "项目储备库导入模板.xlsx" in labels and "全部模板（zip）" in labels
    at.file_uploader[0].set_value(
        [
            ("projects_2025-12.csv", good, CSV),
            ("talent_hires_2025Q4.csv", partly_bad, CSV),
            ("leads_2025-12.csv", refused, CSV),
        ]
    ).run()
    assert "已选择 3 个文件" in _texts(at)
    next(b for b in at.button if b.label == "开始报送").click().run()
    assert not at.exception, [e.value for e in at.exception]

    text = _texts(at)
    # The report per file, in Chinese.
    assert "✓ **projects\\_2025\\-12\\.csv**" in text and "入库 2 行，拒收 0 行" in text
    assert "入库 1 行，拒收 1 行" in text  # the partly bad one
    assert "读取方式：按同义词识别表头 业主单位→投资主体" in text
    assert "整个文件被拒收" in text and "表头缺少必填列" in text
    # The rejected row: its row number, column, masked value and the rule.
    rejected = at.dataframe[0].value
    assert list(rejected.iloc[0]) == [3, "学历", "院士", "取值不在允许范围内"]
    assert "欧阳明月" not in text + rejected.to_string()
    # The files back to fix, ready to download.
    labels = [b.label for b in at.get("download_button")]
    assert "talent_hires_2025Q4_退回修改.xlsx" in labels
    assert "leads_2025-12_退回修改.xlsx" in labels
    assert "projects_2025-12_退回修改.xlsx" not in labels
    # The new warehouse: published, its time shown, and it holds the new rows.
    after = published_info(Workspace(own_home).published_db)["built_at"]
    assert after != before
    assert "已发布新的数据仓库" in text and after.strftime("%Y-%m-%d %H:%M:%S") in text
    # Recorded: who, the files and their hashes, the result; no cell of a ledger.
    (entry,) = _uploads_log(own_home)
    assert entry["user"] == "tester" and entry["role"] == "analyst"
    assert [f["name"] for f in entry["files"]] == [
        "projects_2025-12.csv", "talent_hires_2025Q4.csv", "leads_2025-12.csv"
    ]  # fmt: skip
    assert entry["files"][0]["sha256"] == jobs.Upload("x", good).sha256
    assert [f["status"] for f in entry["files"]] == ["loaded", "loaded", "rejected"]
    assert entry["build"] == "published" and entry["result"] == "done"
    assert "欧阳明月" not in json.dumps(entry, ensure_ascii=False)
    # Nothing handed in stays in the upload folder (the archive keeps each file by hash).
    assert not any((own_home / "uploads").iterdir())


def test_the_returned_file_on_the_page_is_the_ingests(own_home, tmp_path):
    """The 退回修改 download holds the row to fix, masked, as `kpi ingest --returns` writes it."""
    data = _csv_bytes(
        tmp_path, "talent_hires_2025Q3.csv",
        rows_of("talent_hires", {"引进编号": "H801", "学历": "院士"}),
    )  # fmt: skip
    job = jobs.Job("t", "tester", "analyst", [], jobs._now())
    jobs.run(job, Workspace(own_home), [jobs.Upload("talent_hires_2025Q3.csv", data)], None)
    assert job.state == "done", job.lines
    (name, content), = job.returns  # fmt: skip
    assert name == "talent_hires_2025Q3_退回修改.xlsx"
    path = tmp_path / name
    path.write_bytes(content)
    sheet = openpyxl.load_workbook(path)["需修改的行"]
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert row["原行号"] == 2 and row["姓名"] == "欧*" and "学历" in row["问题说明"]
    # No row loaded, but the warehouse is rebuilt: the data-quality page shows the rejection.
    assert job.build == "published"


def test_a_file_handed_in_before_is_skipped_and_the_warehouse_not_rebuilt(own_home, tmp_path):
    from chainkpi.ingest.pipeline import ingest

    path = write_csv(tmp_path / "again" / "leader_projects_2025Q4.csv", rows_of("leader_projects"))
    ingest([path], Workspace(own_home))
    job = jobs.Job("t", "tester", "analyst", [], jobs._now())
    jobs.run(job, Workspace(own_home), [jobs.Upload(path.name, path.read_bytes())], None)
    assert job.state == "done", job.lines
    assert [r["status"] for r in job.reports] == ["already_ingested"]
    assert job.build == "not_run" and job.returns == []


def _until(condition, what: str) -> None:
    """Wait for a condition of another thread or process (no time is asserted: the cap only
    keeps a broken run from hanging)."""
    event = threading.Event()
    for _ in range(9000):
        if condition():
            return
        event.wait(0.1)
    raise AssertionError(f"never happened: {what}")


def test_while_a_build_runs_readers_keep_the_old_warehouse_and_a_second_upload_waits(
    own_home, tmp_path, monkeypatch
):
    pause = tmp_path / "publish.pause"  # publish.py's test hook: the build waits before publishing
    monkeypatch.setenv("CHAINKPI_PUBLISH_PAUSE_FILE", str(pause))
    workspace = Workspace(own_home)
    before = published_info(workspace.published_db)["built_at"]
    ledger = jobs.Upload(
        "leader_projects_2025Q4.csv",
        _csv_bytes(tmp_path, "leader_projects_2025Q4.csv", rows_of("leader_projects")),
    )
    first = jobs.start(workspace, [ledger], "tester", "analyst")
    _until(pause.exists, "the build reaching its publish")
    assert first.state == "building"
    # The new warehouse is built but not published: readers still read the old one.
    assert published_info(workspace.published_db)["built_at"] == before
    second = jobs.start(workspace, [ledger], "tester2", "analyst")
    _until(lambda: "排队等待" in "".join(second.snapshot()["lines"]), "the second upload waiting")
    assert second.state == "waiting" and not second.reports
    pause.unlink()
    _until(lambda: first.finished and second.finished, "both uploads finishing")
    assert first.state == "done" and first.build == "published"
    assert published_info(workspace.published_db)["built_at"] != before
    # The second ran after the first: the same file, already ingested, nothing to build.
    assert [r["status"] for r in second.reports] == ["already_ingested"]
    assert second.build == "not_run"
    assert [e["user"] for e in _uploads_log(own_home)] == ["tester", "tester2"]


# --------------------------------------------------------------------------- who sees the page


@pytest.mark.parametrize("role", ["district", "chain:NE"])
def test_a_chain_head_and_the_district_leader_do_not_see_the_page(home, monkeypatch, role):
    monkeypatch.setenv("CHAINKPI_HOME", str(home))
    at = sign_in(AppTest.from_file(str(APP), default_timeout=60), role=role).run()
    assert not at.exception
    # Not in the navigation: opening it goes nowhere near the page.
    with pytest.raises(Exception, match="hand_in"):
        at.switch_page("views/hand_in.py").run()
    # And the page itself refuses them, were it run for them anyway.
    page = sign_in(AppTest.from_file(str(PAGE), default_timeout=60), role=role).run()
    assert "仅对数据分析员" in _texts(page)
    assert not page.file_uploader


@pytest.mark.parametrize("role", ["analyst", "office:NE"])
def test_an_analyst_and_a_chain_office_see_the_page(home, monkeypatch, role):
    monkeypatch.setenv("CHAINKPI_HOME", str(home))
    at = sign_in(AppTest.from_file(str(APP), default_timeout=60), role=role).run()
    at.switch_page("views/hand_in.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.file_uploader and at.file_uploader[0].accept_multiple_files
    assert ("只能报送新能源的台账" in _texts(at)) is (role == "office:NE")


def test_the_first_ledgers_are_handed_in_before_there_is_a_warehouse(workspace):
    at = sign_in(AppTest.from_file(str(APP), default_timeout=60)).run()
    at.switch_page("views/hand_in.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.warning  # no warehouse yet, says the dashboard
    assert at.title[0].value == "数据报送" and at.file_uploader


def test_the_page_speaks_english_too(home, monkeypatch):
    monkeypatch.setenv("CHAINKPI_HOME", str(home))
    at = sign_in(AppTest.from_file(str(APP), default_timeout=60))
    at.query_params["lang"] = "en"
    at.run()
    at.switch_page("views/hand_in.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Hand in"
    assert at.file_uploader[0].label == "Ledger files (.xlsx, .xls, .csv)"


def test_kpi_user_add_accepts_an_office_role(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINKPI_HOME", str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "chainkpi", "user", "add", "ne_office", "--role", "office:NE",
         "--password-stdin"],
        input="office-password-1\n", capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    from chainkpi import auth

    user = auth.load_users(tmp_path / "users.toml")["ne_office"]
    assert user.role == "office:NE" and user.scope.chains == ("ALL", "NE")
    assert user.scope.hands_in and not auth.Scope("chain:NE").hands_in


# --------------------------------------------------------------------------- limits and names


def test_more_than_20_files_or_a_file_over_20_mb_is_refused_in_chinese(home, monkeypatch, tmp_path):
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    monkeypatch.setenv("CHAINKPI_HOME", str(copy))
    at = sign_in(AppTest.from_file(str(APP), default_timeout=60)).run()
    at.switch_page("views/hand_in.py").run()
    many = [(f"projects_{n}.csv", b"x", CSV) for n in range(21)]
    at.file_uploader[0].set_value(many).run()
    errors = " ".join(e.value for e in at.error)
    assert "一次最多报送 20 个文件，本次选择了 21 个" in errors
    assert not [b for b in at.button if b.label == "开始报送"]
    big = jobs.Upload("projects_2025-09.xlsx", b"0" * (jobs.MAX_FILE_BYTES + 1))
    (error,) = jobs.limit_errors([big])
    assert "超过每个文件 20 MB 的上限" in error
    assert jobs.limit_errors([jobs.Upload("a.csv", b"0" * jobs.MAX_FILE_BYTES)]) == []
    # The refused upload is recorded once, whatever the reruns.
    at.run()
    (entry,) = _uploads_log(copy)
    assert entry["result"] == "refused" and len(entry["files"]) == 21


@pytest.mark.parametrize(
    ("sent", "saved"),
    [
        ("../../etc/passwd.csv", "passwd.csv"),
        ("C:\\Users\\x\\项目储备库2025年9月.xlsx", "项目储备库2025年9月.xlsx"),
        (".hidden.csv", "hidden.csv"),
        ("a\x00b\x1b[2Jc\n.csv", "ab[2Jc.csv"),
        ("新能源:项目?储备库.xls", "新能源_项目_储备库.xls"),
        ("", "ledger"),
    ],
)
def test_names_from_the_browser_are_never_paths(workspace, sent, saved):
    assert jobs.safe_name(sent) == saved
    folder, (path,) = jobs.stage(workspace, [jobs.Upload(sent, b"data")])
    assert path.name == saved and path.read_bytes() == b"data"
    assert path.resolve().is_relative_to((workspace.home / "uploads").resolve())


def test_a_long_name_keeps_its_suffix_and_the_period_in_its_stem(workspace):
    name = "新能源产业链项目储备库2025年9月" + "备注" * 200 + ".xlsx"
    saved = jobs.safe_name(name)
    assert saved.endswith(".xlsx") and saved.startswith("新能源产业链项目储备库2025年9月")
    assert len(saved) <= 150


# --------------------------------------------------------------------------- a chain's office


def test_a_chain_office_may_hand_in_only_its_own_chains_rows(workspace, tmp_path):
    mixed = _csv_bytes(
        tmp_path, "projects_2025-11.csv",
        rows_of("projects", {"项目编号": "P1"}, {"项目编号": "P2", "所属产业链": "半导体"}),
    )  # fmt: skip
    own = write_csv(tmp_path / "own" / "projects_2025-11.csv", rows_of("projects", count=2))
    assert jobs.office_refusal(own, "NE") is None
    job = jobs.Job("t", "ne_office", "office:NE", [], jobs._now())
    jobs.run(job, workspace, [jobs.Upload("projects_2025-11.csv", mixed)], "NE")
    assert job.state == "done"
    (report,) = job.reports
    assert (
        report["status"] == "rejected" and "本链办只能报送本产业链（新能源）" in report["errors"][0]
    )
    assert job.build == "not_run" and not workspace.raw_db.exists()  # nothing ingested


# --------------------------------------------------------------------------- one at a time


def test_a_second_upload_waits_for_the_one_running_and_says_so(workspace, tmp_path):
    lock = workspace.warehouse_dir / ".hand_in.lock"
    mixed = _csv_bytes(
        tmp_path, "projects_2025-11.csv", rows_of("projects", {"所属产业链": "半导体"})
    )
    with lock.open("a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # another upload's job (another server process)
        job = jobs.start(workspace, [jobs.Upload("projects_2025-11.csv", mixed)], "t", "office:NE",
                         "NE")  # fmt: skip
        _until(lambda: "排队等待" in "".join(job.snapshot()["lines"]), "the upload waiting")
        assert job.state == "waiting"
        fcntl.flock(held, fcntl.LOCK_UN)
    _until(lambda: job.finished, "the upload finishing once the lock is free")
    assert job.state == "done"

"""Whole files: rejection, archiving, re-ingest, updates by key, references, personal data."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from chainkpi.ingest.pipeline import ingest
from tests.ledgers import rows_of, write_csv, write_xlsx

KPI = [str(Path(sys.executable).with_name("kpi"))]


def kpi(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*KPI, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def test_unusable_files_are_rejected_whole_and_the_others_still_load(workspace, raw):
    inbox = workspace.inbox
    good = write_csv(inbox / "leads_ok.csv", rows_of("leads"))
    no_dataset = write_csv(inbox / "会议纪要.csv", rows_of("leads", {"企业名称": "另一家"}))
    write_csv(
        inbox / "projects_missing.csv",
        [
            {k: v for k, v in r.items() if k not in ("项目阶段", "投资主体")}
            for r in rows_of("projects")
        ],
    )
    empty_xlsx = inbox / "talent_hires_empty.xlsx"
    empty_xlsx.write_bytes(b"")
    broken_xlsx = inbox / "talent_hires_broken.xlsx"
    broken_xlsx.write_bytes(b"PK\x03\x04 this is not a workbook")
    empty_csv = inbox / "leader_projects_empty.csv"
    empty_csv.write_bytes(b"")
    wrong_format = inbox / "projects_2025.txt"
    wrong_format.write_text("hello", encoding="utf-8")

    result = ingest(None, workspace)
    by_name = {f.file: f for f in result.files}
    assert by_name["leads_ok.csv"].status == "loaded"
    for name in ("会议纪要.csv", "projects_missing.csv", "talent_hires_empty.xlsx",
                 "talent_hires_broken.xlsx", "leader_projects_empty.csv", "projects_2025.txt"):  # fmt: skip
        assert by_name[name].status == "rejected", name
        assert by_name[name].errors, name
    assert "文件名" in by_name["会议纪要.csv"].errors[0]
    # The reason names the missing columns.
    assert "项目阶段 (stage)" in by_name["projects_missing.csv"].errors[0]
    assert "投资主体 (investor)" in by_name["projects_missing.csv"].errors[0]
    assert result.exit_code == 1
    assert raw("select count(*) from raw.leads") == [(1,)]
    # Six rejections, five distinct byte contents: the two empty files are one file to the archive.
    assert raw("select count(*) from raw.ingest_files where status = 'rejected'") == [(5,)]
    assert good.exists() and no_dataset.exists()


def test_files_are_archived_byte_for_byte_with_their_checksum(workspace, raw):
    path = write_csv(workspace.inbox / "leads_a.csv", rows_of("leads"), encoding="gb18030")
    rejected = write_csv(workspace.inbox / "无名.csv", rows_of("leads"))
    ingest(None, workspace)
    for original in (path, rejected):
        data = original.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        (archive_path,) = raw("select archive_path from raw.ingest_files where sha256 = ?", [sha])[
            0
        ]
        archived = Path(archive_path).read_bytes()
        assert archived == data
        assert oct(os.stat(archive_path).st_mode & 0o777) == "0o600"
    assert oct(workspace.archive.stat().st_mode & 0o777) == "0o700"


def test_reingesting_identical_bytes_changes_nothing(workspace, raw):
    path = write_csv(workspace.inbox / "projects_a.csv", rows_of("projects", count=3))
    first = ingest(None, workspace)
    tables = ("projects", "ingest_files", "ingest_rejections", "ingest_warnings")
    before = {t: raw(f"select * from raw.{t} order by all") for t in tables}
    # Same bytes under another name: still the same file.
    (workspace.inbox / "projects_copy.csv").write_bytes(path.read_bytes())
    second = ingest(None, workspace)
    assert first.files[0].status == "loaded"
    assert [f.status for f in second.files] == ["already_ingested", "already_ingested"]
    assert second.exit_code == 0
    assert {t: raw(f"select * from raw.{t} order by all") for t in tables} == before


def test_batches_checked_in_the_worker_while_the_next_is_read_keep_every_file_apart(
    workspace, raw, monkeypatch
):
    from chainkpi.ingest import pipeline, worker

    # One file per batch: several batches in flight between the worker and the loads.
    monkeypatch.setattr(pipeline, "BATCH_ROWS", 2)
    for number in range(5):
        bad = {"项目阶段": "不知道"} if number in (1, 3) else {}
        first = {"项目名称": f"项目 {number}"}  # every file's bytes differ
        write_csv(workspace.inbox / f"projects_{number}.csv", rows_of("projects", first, bad))
    # The same bytes again while the first copy is still being checked: taken as seen.
    (workspace.inbox / "projects_1b.csv").write_bytes(
        (workspace.inbox / "projects_1.csv").read_bytes()
    )
    result = ingest(None, workspace)
    assert [f.file for f in result.files] == [
        "projects_0.csv", "projects_1.csv", "projects_1b.csv", "projects_2.csv",
        "projects_3.csv", "projects_4.csv",
    ]  # fmt: skip
    assert [f.status for f in result.files] == ["loaded"] * 2 + ["already_ingested"] + [
        "loaded"
    ] * 3
    assert [len(f.rejected_rows) for f in result.files] == [0, 1, 0, 0, 1, 0]
    assert [f.rejected_rows[0]["row"] for f in result.files if f.rejected_rows] == [3, 3]
    assert [f.rows_loaded for f in result.files] == [2, 1, 0, 2, 1, 2]
    assert raw("select count(*) from raw.projects") == [(8,)]
    assert raw("select count(*) from raw.ingest_rejections") == [(2,)]
    # Every batch sent to the GX worker was answered and taken.
    with worker.suite_worker() as suites:
        assert suites.pending == 0 and suites.is_alive()


def test_the_worker_starts_whatever_script_is_this_process_main(
    workspace, raw, monkeypatch, tmp_path
):
    """Streamlit's AppTest leaves the dashboard as the process's __main__; a worker started
    by multiprocessing's spawn re-ran that script and died (every later ingest failed)."""
    import sys
    import types

    from chainkpi.ingest import worker

    script = tmp_path / "main_script.py"
    script.write_text("raise SystemExit('the main script must not run in the worker')\n")
    main = types.ModuleType("__main__")
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main)
    with worker.suite_worker() as suites:  # a fresh worker, started under this __main__
        suites.close()
    write_csv(workspace.inbox / "leads_x.csv", rows_of("leads", {"线索状态": "乱填"}, {}))
    result = ingest(None, workspace)
    assert [len(f.rejected_rows) for f in result.files] == [1]
    assert raw("select count(*) from raw.leads") == [(1,)]


def test_the_worker_answers_each_dataset_as_it_is_checked_and_stops_a_batch_at_an_error():
    """A batch's results come back one dataset at a time, in the order sent (the ingest loads
    one dataset's files while the next is checked). A suite that raises ends that batch with
    the error, the datasets after it unchecked; the worker goes on with the next batch."""
    import pyarrow as pa

    from chainkpi.ingest import worker

    empty = pa.table({})
    wrong = pa.table({"not_a_ledger_column": ["x"]})  # the suite's columns are missing
    with worker.suite_worker() as suites:
        suites.submit({"leads": [empty, empty], "projects": [empty]})
        assert suites.pending == 2
        assert suites.part() == ("leads", [[], []])
        assert suites.part() == ("projects", [[]])
        suites.submit({"leads": [empty], "projects": [wrong], "talent_hires": [empty]})
        assert suites.part() == ("leads", [[]])
        with pytest.raises(RuntimeError, match="Great Expectations failed in its worker"):
            suites.part()
        suites.submit({"chain_gaps": [empty]})
        assert suites.part() == ("chain_gaps", [[]])
        assert suites.is_alive()


def test_a_later_run_replaces_rows_by_key_and_keeps_the_history(workspace, raw):
    write_csv(
        workspace.inbox / "projects_2025H1.csv",
        rows_of("projects", {"项目阶段": "洽谈", "签约日期": ""}, {}),
    )
    ingest(None, workspace)
    later = workspace.home / "later"
    write_csv(
        later / "projects_2025H2.csv",
        rows_of(
            "projects", {"项目阶段": "开工", "签约日期": "2025-07-01", "开工日期": "2025-08-01"}
        ),
    )
    ingest([later], workspace)
    history = raw(
        "select project_id, stage, _load_id from raw.projects order by project_id, _load_id"
    )
    assert history == [("P001", "negotiating", 1), ("P001", "started", 2), ("P002", "signed", 1)]
    current = raw(
        """select project_id, stage from (
             select *, row_number() over (partition by project_id order by _load_id desc) as n
             from raw.projects) where n = 1 order by project_id"""
    )
    assert current == [("P001", "started"), ("P002", "signed")]


def test_within_one_run_files_are_taken_in_name_order(workspace, raw):
    write_csv(workspace.inbox / "b" / "leads_2025_02.csv", rows_of("leads", {"线索状态": "已拜访"}))
    write_csv(workspace.inbox / "a" / "leads_2025_01.csv", rows_of("leads", {"线索状态": "新线索"}))
    result = ingest(None, workspace)
    assert [f.file for f in result.files] == ["leads_2025_01.csv", "leads_2025_02.csv"]
    assert raw("select status from raw.leads order by _load_id desc limit 1") == [("visited",)]


def test_files_of_datasets_in_between_change_neither_the_order_nor_which_row_wins(workspace, raw):
    """Each dataset's files load as its GX results come in (leads before the project list
    here), yet the report is in name order and within a dataset the later file wins."""
    write_csv(workspace.inbox / "leads_2025_01.csv", rows_of("leads", {"线索状态": "新线索"}))
    write_csv(workspace.inbox / "projects_2025.csv", rows_of("projects", {}))
    write_csv(
        workspace.inbox / "南澳区招商线索台账2025.csv", rows_of("leads", {"线索状态": "已拜访"})
    )
    result = ingest(None, workspace)
    assert [f.file for f in result.files] == [
        "leads_2025_01.csv",
        "projects_2025.csv",
        "南澳区招商线索台账2025.csv",
    ]
    assert [f.status for f in result.files] == ["loaded"] * 3
    assert raw("select status from raw.leads order by _load_id desc limit 1") == [("visited",)]


def test_each_dataset_goes_to_gx_once_read_whole_while_the_next_is_read(
    workspace, raw, monkeypatch
):
    """Files are read one dataset at a time, and a dataset is sent to the GX worker before
    the next dataset's first file is read (so GX checks it meanwhile), one run per dataset."""
    from chainkpi.ingest import pipeline, worker

    names = [
        "chain_gaps_a.csv", "leads_a.csv", "projects_a.csv", "南澳区招商线索台账2025.csv",
        "南澳区新能源产业链缺口清单2026年11月.csv", "会议纪要.csv",
    ]  # fmt: skip
    datasets = ["chain_gaps", "leads", "projects", "leads", "chain_gaps", "leads"]
    for number, (name, dataset) in enumerate(zip(names, datasets, strict=True)):
        write_csv(workspace.inbox / name, rows_of(dataset, {"备注": f"文件 {number}"}))
    events: list[tuple[str, object]] = []
    read_file, submit = pipeline.read_file, worker.SuiteWorker.submit

    def reading(path, *args):
        events.append(("read", path.name))
        return read_file(path, *args)

    def submitting(self, frames):
        events.append(("gx", {key: len(tables) for key, tables in frames.items()}))
        return submit(self, frames)

    monkeypatch.setattr(pipeline, "read_file", reading)
    monkeypatch.setattr(worker.SuiteWorker, "submit", submitting)
    result = ingest(None, workspace)
    assert events == [
        ("read", "会议纪要.csv"),  # no dataset: rejected without a check
        ("read", "chain_gaps_a.csv"), ("read", "南澳区新能源产业链缺口清单2026年11月.csv"),
        ("gx", {"chain_gaps": 2}),
        ("read", "leads_a.csv"), ("read", "南澳区招商线索台账2025.csv"),
        ("gx", {"leads": 2}),
        ("read", "projects_a.csv"),
        ("gx", {"projects": 1}),
    ]  # fmt: skip
    assert [f.file for f in result.files] == sorted(names)  # the report in name order
    assert [f.status for f in result.files].count("loaded") == 5
    assert raw("select count(*) from raw.chain_gaps") == [(2 * len(rows_of("chain_gaps")),)]


def test_unresolved_references_are_kept_with_a_warning(workspace, raw):
    write_csv(workspace.inbox / "chain_gaps_1.csv", rows_of("chain_gaps"))
    write_csv(workspace.inbox / "leads_1.csv", rows_of("leads", {"转化项目编号": "P001"}))
    write_csv(
        workspace.inbox / "projects_1.csv",
        rows_of("projects", {"对应缺口编号": "G001", "线索编号": "L404"}, {"对应缺口编号": "G999"}),
    )
    write_csv(
        workspace.inbox / "talent_hires_1.csv", rows_of("talent_hires", {"对应岗位编号": "T404"})
    )
    result = ingest(None, workspace)
    warnings = {
        f.file: [(w["row"], w["column"], w["value"], w["rule"]) for w in f.warnings]
        for f in result.files
    }
    # leads_1 refers to P001, which arrives later in the same run: resolved.
    assert warnings["leads_1.csv"] == []
    assert warnings["chain_gaps_1.csv"] == []
    assert warnings["projects_1.csv"] == [
        (2, "lead_id", "L404", "unresolved_reference"),
        (3, "gap_id", "G999", "unresolved_reference"),
    ]
    assert warnings["talent_hires_1.csv"] == [(2, "position_id", "T404", "unresolved_reference")]
    assert raw("select count(*) from raw.projects") == [(2,)]
    assert raw("select count(*) from raw.ingest_warnings") == [(3,)]
    assert result.exit_code == 0


PEOPLE = [
    ("欧阳明月", "11010519491231002X", "13912345678"),
    ("张伟", "340104198807155432", "138 0013 8000"),
    ("李娜", "440305199912120018", "+86 186-2233-4455"),
]


def _hires_with_people(extra=None):
    rows = rows_of("talent_hires", count=len(PEOPLE))
    for row, (name, id_number, phone) in zip(rows, PEOPLE, strict=True):
        row.update({"姓名": name, "身份证号": id_number, "联系电话": phone})
    if extra:
        rows[-1].update(extra)
    return rows


def _all_text(db_path) -> str:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        chunks = []
        for schema, table in con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall():
            for row in con.execute(f'select * from "{schema}"."{table}"').fetchall():
                chunks.append(" ".join("" if v is None else str(v) for v in row))
        return "\n".join(chunks)
    finally:
        con.close()


def _clear_forms(name: str, id_number: str, phone: str) -> list[str]:
    digits = "".join(ch for ch in phone if ch.isdigit())
    return [name, id_number, id_number.lower(), phone, digits[-11:], name[1:]]


def test_personal_data_never_reaches_the_warehouse_the_report_or_the_log(workspace, tmp_path):
    # One file loads; one row is rejected *because* of a personal column; one xlsx too.
    write_csv(
        workspace.inbox / "talent_hires_a.csv",
        _hires_with_people({"学历": "院士"}),
        encoding="gb18030",
    )
    write_xlsx(
        workspace.inbox / "人才引进2025.xlsx", _hires_with_people(), title_rows=["人才引进台账"]
    )
    report_path = tmp_path / "report.json"
    done = kpi("ingest", "--report", str(report_path))
    assert done.returncode == 0, done.stderr
    texts = {
        "warehouse": _all_text(workspace.raw_db),
        "report": report_path.read_text(encoding="utf-8"),
        "stdout": done.stdout + done.stderr,
        "log": "".join(p.read_text(encoding="utf-8") for p in workspace.logs.iterdir()),
    }
    for where, text in texts.items():
        for person in PEOPLE:
            for clear in _clear_forms(*person):
                assert clear not in text, f"{clear!r} found in {where}"
    # What is kept instead: masks and keyed hashes that match the same person across files.
    con = duckdb.connect(str(workspace.raw_db), read_only=True)
    masks = con.execute(
        "select distinct name_masked, id_number_masked, phone_masked, name_hash from raw.talent_hires order by 1"
    ).fetchall()
    con.close()
    assert [m[:3] for m in masks] == [
        ("张*", "3401**********5432", "138****8000"),
        ("李*", "4403**********0018", "186****4455"),
        ("欧*", "1101**********002X", "139****5678"),
    ]
    assert all(len(m[3]) == 64 for m in masks)


def test_the_hash_is_keyed_by_the_secret(workspace, raw, monkeypatch):
    write_csv(workspace.inbox / "talent_hires_a.csv", _hires_with_people())
    ingest(None, workspace)
    first = raw("select name_hash from raw.talent_hires order by hire_id")
    plain = hashlib.sha256("name:欧阳明月".encode()).hexdigest()
    assert plain not in {h for (h,) in first}
    monkeypatch.setenv("CHAINKPI_SECRET", "another-secret")
    write_csv(workspace.inbox / "talent_hires_b.csv", _hires_with_people({"用人单位": "另一家"}))
    ingest(None, workspace)
    second = raw("select name_hash from raw.talent_hires where _load_id = 2 order by hire_id")
    assert set(first).isdisjoint(second)


def test_secret_file_is_generated_outside_the_repo_on_first_use(workspace, tmp_path, monkeypatch):
    from chainkpi.ingest.privacy import load_secret

    monkeypatch.delenv("CHAINKPI_SECRET")
    key_file = tmp_path / "conf" / "secret.key"
    monkeypatch.setenv("CHAINKPI_SECRET_FILE", str(key_file))
    first = load_secret()
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert load_secret() == first and len(first) == 64


def test_cli_exit_codes_report_and_one_line_errors(workspace, tmp_path):
    write_csv(workspace.inbox / "leads_ok.csv", rows_of("leads", {"线索状态": "乱填"}, {}))
    report_path = tmp_path / "out" / "report.json"
    ok = kpi("ingest", "--report", str(report_path))
    assert ok.returncode == 0, ok.stderr
    assert ok.stderr == ""  # nothing from the GX worker either (a leaked-semaphore warning)
    assert "合计 1 个文件" in ok.stdout and "拒收 1 行" in ok.stdout
    entries = json.loads(report_path.read_text(encoding="utf-8"))
    assert list(entries[0])[:10] == [
        "file", "sha256", "dataset", "status", "rows_read", "rows_loaded", "rows_rejected",
        "errors", "rejected_rows", "warnings",
    ]  # fmt: skip
    assert entries[0]["rejected_rows"] == [
        {"row": 2, "column": "status", "value": "乱填", "rule": "not_in_code_list"}
    ]
    assert entries[0]["rows_read"] == 2 and entries[0]["rows_loaded"] == 1

    (workspace.inbox / "unknown.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    rejected = kpi("ingest")
    assert rejected.returncode == 1
    assert rejected.stderr == ""
    assert "unknown.csv" in rejected.stdout

    missing = kpi("ingest", str(tmp_path / "nope"))
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "Traceback" not in missing.stderr
    assert "nope" in missing.stderr

    bad_option = kpi("ingest", "--frobnicate")
    assert bad_option.returncode == 2 and "Traceback" not in bad_option.stderr


def test_a_second_ingest_while_one_holds_the_raw_layer_is_refused_cleanly(workspace):
    write_csv(workspace.inbox / "leads_ok.csv", rows_of("leads"))
    ingest(None, workspace)
    # It holds the raw layer until killed (it waits on its stdin), however long the refused
    # ingest takes to start.
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb,sys; c=duckdb.connect(sys.argv[1]); print('held', flush=True); sys.stdin.read()",
         str(workspace.raw_db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        refused = kpi("ingest")
        assert refused.returncode == 1
        assert "Traceback" not in refused.stderr and "另一个" in refused.stderr
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("interrupt_after", [1, 2])
def test_an_interrupted_run_loses_and_doubles_nothing_when_run_again(
    workspace, raw, interrupt_after
):
    for i in range(3):
        write_csv(workspace.inbox / f"leads_{i}.csv", rows_of("leads", {"企业名称": f"公司{i}"}))

    class Stop(Exception):
        pass

    seen = []

    def progress(report):
        seen.append(report)
        if len(seen) == interrupt_after:
            raise Stop

    with pytest.raises(Stop):
        ingest(None, workspace, progress=progress)
    assert raw("select count(*) from raw.leads") == [(interrupt_after,)]
    again = ingest(None, workspace)
    assert [f.status for f in again.files] == ["already_ingested"] * interrupt_after + [
        "loaded"
    ] * (3 - interrupt_after)
    assert raw("select count(*), count(distinct _source_file) from raw.leads") == [(3, 3)]

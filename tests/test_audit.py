"""The audit trail (安全审计, issue 20): append-only, hash-chained, outside the warehouse; an
edited or deleted record is found and named. Real files in a temporary workspace; the CLI as
a user runs it."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chainkpi import audit
from chainkpi.errors import UsageError
from chainkpi.settings import PROJECT_ROOT, Workspace

KPI = str(Path(sys.executable).with_name("kpi"))


def _trail(tmp_path) -> Workspace:
    workspace = Workspace(tmp_path / "home")
    audit.record("signin", user="analyst", workspace=workspace, client="127.0.0.1")
    audit.record("view", user="analyst", workspace=workspace, page="projects", chain="NE")
    audit.record("export", user="analyst", workspace=workspace, year=2026, quarter=3, chain=None)
    audit.record("signout", user="analyst", workspace=workspace)
    return workspace


def test_an_untouched_trail_verifies_and_lists_its_records(tmp_path):
    workspace = _trail(tmp_path)
    verdict = audit.verify(workspace)
    assert verdict.ok and verdict.records == 4
    listed = audit.records(workspace, user="analyst")
    assert [r["event"] for r in listed] == ["signin", "view", "export", "signout"]
    assert listed[1]["details"] == {"page": "projects", "chain": "NE"}
    assert oct(audit.trail_path(workspace).stat().st_mode & 0o777) == "0o600"
    assert oct(audit.folder(workspace).stat().st_mode & 0o777) == "0o700"


def test_one_changed_byte_is_found_and_named(tmp_path):
    workspace = _trail(tmp_path)
    path = audit.trail_path(workspace)
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b'"quarter": 3', b'"quarter": 4')
    path.write_bytes(b"\n".join(lines))
    verdict = audit.verify(workspace)
    assert not verdict.ok
    assert verdict.first_bad == 3 and verdict.where == "trail.jsonl:3"
    assert "修改" in verdict.reason


def test_a_deleted_record_is_found_and_named(tmp_path):
    workspace = _trail(tmp_path)
    path = audit.trail_path(workspace)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    del lines[1]
    path.write_text("".join(lines), encoding="utf-8")
    verdict = audit.verify(workspace)
    assert not verdict.ok and verdict.first_bad == 2
    assert "删除" in verdict.reason


def test_a_rewritten_record_with_its_own_hash_recomputed_breaks_the_chain(tmp_path):
    workspace = _trail(tmp_path)
    path = audit.trail_path(workspace)
    entries = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    entries[1]["details"]["chain"] = "SEMI"
    entries[1]["hash"] = audit._digest(entries[1])
    path.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")
    verdict = audit.verify(workspace)
    assert not verdict.ok and verdict.first_bad == 3
    assert "哈希链" in verdict.reason


def test_hostile_text_in_details_cannot_forge_a_record(tmp_path):
    workspace = Workspace(tmp_path / "home")
    forged = '"}\n{"seq": 2, "event": "signin", "user": "district"}\n\x1b[2J'
    audit.record("ingest", workspace=workspace, files=[{"name": forged, "sha256": "ab"}])
    assert len(audit.trail_path(workspace).read_text(encoding="utf-8").splitlines()) == 1
    assert audit.verify(workspace).ok
    assert audit.records(workspace)[0]["details"]["files"][0]["name"] == forged


def _append_many(home: str, start: int) -> None:
    for i in range(start, start + 25):
        audit.record("view", user=f"u{i}", workspace=Workspace(Path(home)))


def test_appends_from_several_processes_form_one_chain(tmp_path):
    home = str(tmp_path / "home")
    # Four interpreters of their own (not multiprocessing's spawn, which re-runs whatever
    # script is this process's __main__: under pytest-xdist, after an AppTest, the dashboard).
    code = "import sys; from tests.test_audit import _append_many as a; a(sys.argv[1], int(sys.argv[2]))"
    workers = [
        subprocess.Popen([sys.executable, "-c", code, home, str(n * 100)], cwd=PROJECT_ROOT)
        for n in range(4)
    ]
    for worker in workers:
        assert worker.wait(120) == 0
    verdict = audit.verify(Workspace(Path(home)))
    assert verdict.ok and verdict.records == 100


def test_records_are_archived_intact_never_dropped_and_not_before_180_days(tmp_path):
    workspace = Workspace(tmp_path / "home")
    old = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    for day in range(3):
        audit.record("view", user="a", workspace=workspace, at=old + dt.timedelta(days=day))
    audit.record("view", user="a", workspace=workspace, at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    today = dt.date(2026, 12, 3)
    with pytest.raises(UsageError, match="180"):
        audit.archive(dt.date(2026, 7, 1), workspace, today=today)
    assert audit.archive(dt.date(2026, 2, 1), workspace, today=today) == 3
    assert len(audit.trail_path(workspace).read_text().splitlines()) == 1
    assert audit.verify(workspace).ok and audit.verify(workspace).records == 4
    assert len(audit.records(workspace)) == 4
    audit.record("view", user="a", workspace=workspace)
    assert audit.verify(workspace).records == 5


def test_the_cli_verifies_shows_and_names_the_first_bad_record(tmp_path):
    workspace = _trail(tmp_path)
    env = {**os.environ, "CHAINKPI_HOME": str(workspace.home)}
    done = subprocess.run([KPI, "audit", "verify"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "4" in done.stdout
    shown = subprocess.run(
        [KPI, "audit", "show", "--user", "analyst", "--since", "2020-01-01"],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert shown.returncode == 0 and "export" in shown.stdout and "signin" in shown.stdout
    first = shown.stdout.splitlines()[0].split("\t")
    assert first[0] == "1" and first[2:4] == ["analyst", "signin"]
    path = audit.trail_path(workspace)
    path.write_bytes(path.read_bytes().replace(b'"page": "projects"', b'"page": "projectz"'))
    done = subprocess.run([KPI, "audit", "verify"], env=env, capture_output=True, text=True)
    assert done.returncode == 1
    assert "2" in done.stdout and "trail.jsonl:2" in done.stdout

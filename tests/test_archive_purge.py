"""Archive retention (issue 20, 个人信息保护): `kpi archive purge --older-than YEARS` removes the
handed-in files older than the limit, with an audit record, and leaves the warehouse as it
is. Real files: a copy of the small warehouse's workspace, whose ledgers were handed in
today, judged from a later day."""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb

from chainkpi import audit
from chainkpi.retention import purge
from chainkpi.settings import Workspace


def _archived(home) -> list:
    return [p for p in (home / "archive").rglob("*") if p.is_file()]


def test_files_older_than_the_limit_go_and_the_warehouse_stays(home, tmp_path):
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    workspace = Workspace(copy)
    before = _archived(copy)
    assert before
    with duckdb.connect(str(workspace.published_db), read_only=True) as con:
        kpis = con.sql("select * from fct_kpi_progress order by all").fetchall()

    assert purge(workspace, 1) == []  # handed in today: not older than a year
    listed = purge(workspace, 1, dry_run=True, today=dt.date.today() + dt.timedelta(days=800))
    assert len(listed) == len({p.parent for p in before}) and _archived(copy) == before

    gone = purge(workspace, 2, today=dt.date.today() + dt.timedelta(days=800))
    assert len(gone) == len(listed)
    assert _archived(copy) == []
    with duckdb.connect(str(workspace.published_db), read_only=True) as con:
        assert con.sql("select * from fct_kpi_progress order by all").fetchall() == kpis


def test_the_cli_purges_with_an_audit_record(home, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    # Handed in two years ago, as the raw layer says: not "a few seconds" (--older-than
    # 0.000001, 32 s), which held only when the shared warehouse was built that long before.
    with duckdb.connect(str(Workspace(copy).raw_db)) as con:
        con.execute("update raw.ingest_files set ingested_at = ingested_at - interval 2 year")
    kpi = str(Path(sys.executable).with_name("kpi"))
    env = {**os.environ, "CHAINKPI_HOME": str(copy)}
    done = subprocess.run([kpi, "archive", "purge", "--older-than", "1"], env=env,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert _archived(copy) == []
    record = audit.records(Workspace(copy))[-1]
    assert record["event"] == "archive_purge" and record["details"]["files"]
    assert all(len(f["sha256"]) == 64 for f in record["details"]["files"])
    assert audit.verify(Workspace(copy)).ok

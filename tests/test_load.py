"""The dashboard under load while builds republish the warehouse: scripts/load_test.py at a
reduced size (3 sessions, about 30 s, at least one `kpi build --force` finished meanwhile).

The benchmark runs the same script at full size; its figures go to the notes, not to asserts.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import duckdb

from chainkpi.settings import PROJECT_ROOT
from tests.test_browser import needs_chromium

SESSIONS = 3
STEPS = 3  # each session's steps, however slow the machine (within the build grace)


@needs_chromium
def test_dashboard_sessions_hold_without_error_while_builds_republish(home, tmp_path):
    copy = tmp_path / "home"  # a copy: the builds replace its warehouse again and again
    shutil.copytree(home, copy)
    summary_file = tmp_path / "load.json"
    # 60 s of load at least; why not less: docs/benchmarks.md (notes).
    done = subprocess.run(
        [
            sys.executable, str(PROJECT_ROOT / "scripts" / "load_test.py"),
            "--sessions", str(SESSIONS), "--duration", "60", "--min-builds", "1",
            "--min-steps", str(STEPS),
            "--home", str(copy), "--json", str(summary_file),
        ],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert summary_file.exists(), done.stderr[-3000:]
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    assert summary["errors"] == 0, summary["error_samples"]
    assert summary["sessions_held"] == SESSIONS, summary
    assert summary["builds_completed"] >= 1 and summary["builds_failed"] == 0, summary
    assert summary["server_tracebacks"] == 0, summary
    assert min(summary["steps_per_session"]) >= STEPS, summary
    assert summary["page_time"]["count"] == summary["steps"], summary
    assert summary["dashboard_rss_mb_after"], summary
    assert done.returncode == 0, done.stderr[-3000:]
    # The published warehouse is whole after it all.
    con = duckdb.connect(str(copy / "warehouse" / "chainkpi.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from main.fct_kpi_progress").fetchone()[0] > 0
    finally:
        con.close()

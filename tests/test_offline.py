"""The whole pipeline runs with no network and makes no outbound connection attempt.

`kpi demo --no-serve` (generate, ingest, build, export) runs in an empty network namespace
where the machine allows one (CI runs as root), with proxy variables pointing nowhere, and
with an audit hook (sitecustomize) that records every socket connect and name lookup the
Python process tries — dbt's and Great Expectations' telemetry included.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

AUDIT_HOOK = """
import json, os, socket, sys
_log = os.environ["CHAINKPI_NET_AUDIT"]
def _hook(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.sendto"):
        target = args[1] if event in ("socket.connect", "socket.sendto") else args[0]
        family = getattr(args[0], "family", None) if event == "socket.connect" else None
        if family == socket.AF_UNIX:
            return
        with open(_log, "a") as fh:
            fh.write(json.dumps([event, repr(target)]) + "\\n")
sys.addaudithook(_hook)
"""


def _can_unshare() -> bool:
    return (
        shutil.which("unshare") is not None
        and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0
    )


def test_the_whole_pipeline_runs_offline_without_any_connection_attempt(tmp_path: Path):
    hook_dir = tmp_path / "hook"
    hook_dir.mkdir()
    (hook_dir / "sitecustomize.py").write_text(AUDIT_HOOK, encoding="utf-8")
    audit_log = tmp_path / "net.jsonl"
    nowhere = "http://127.0.0.1:9"
    env = {
        **os.environ,
        "CHAINKPI_HOME": str(tmp_path / "home"),
        "CHAINKPI_SECRET": "offline-test",
        "PYTHONPATH": str(hook_dir),
        "CHAINKPI_NET_AUDIT": str(audit_log),
        "HTTP_PROXY": nowhere, "HTTPS_PROXY": nowhere, "http_proxy": nowhere,
        "https_proxy": nowhere, "ALL_PROXY": nowhere, "NO_PROXY": "",
    }  # fmt: skip
    # Telemetry must be off by the project's own config, not by the test's environment.
    for key in ("DBT_SEND_ANONYMOUS_USAGE_STATS", "GX_ANALYTICS_ENABLED", "DO_NOT_TRACK"):
        env.pop(key, None)
    kpi = str(Path(sys.executable).with_name("kpi"))
    command = [kpi, "demo", "--no-serve"]
    if _can_unshare():
        command = ["unshare", "-n", *command]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "已发布" in done.stdout
    # The demo's 报送情况 shows every colour (handing_in.md): a late and a missing ledger.
    import duckdb

    published = tmp_path / "home" / "warehouse" / "chainkpi.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        statuses = {
            s
            for (s,) in con.sql(
                "select distinct submission_status from fct_submission_status"
            ).fetchall()
        }
    assert statuses == {"on_time", "late", "missing", "not_due"}
    attempts = (
        [json.loads(line) for line in audit_log.read_text().splitlines()]
        if audit_log.exists()
        else []
    )
    assert attempts == []

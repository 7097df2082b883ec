"""scripts/ws_load.py against the small warehouse: two sessions sign in through the form over
Streamlit's websocket and are served pages. Its figures are the bench's (no timings here)."""

from __future__ import annotations

import json
import subprocess
import sys

from chainkpi.settings import PROJECT_ROOT


def test_two_sessions_sign_in_and_are_served_pages_without_error(home, tmp_path):
    out = tmp_path / "ws_load.json"
    done = subprocess.run(
        [
            sys.executable, str(PROJECT_ROOT / "scripts" / "ws_load.py"),
            "--home", str(home), "--sessions", "2", "--duration", "10", "--json", str(out),
        ],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    summary = json.loads(out.read_text(encoding="utf-8"))
    assert set(summary) >= {
        "sessions", "pages", "pages_per_s", "page_p50_s", "page_p95_s",
        "signin_p50_s", "signin_p95_s", "errors",
    }  # fmt: skip
    assert summary["errors"] == 0, summary["error_samples"]
    assert summary["sessions"] == 2 and summary["signed_in"] == 2
    assert summary["pages"] >= 2
    assert all(n > 0 for n in summary["pages_per_session"])
    assert summary["server_tracebacks"] == 0

"""Backup and restore (issue 20, 数据备份恢复): backup → restore into an empty workspace →
kpi build → the same kpi_progress CSV; a changed or missing file in the backup is refused
before anything is written; the key only with --include-key. The CLI as a user runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from chainkpi import audit
from chainkpi.settings import Workspace
from tests.conftest import TEST_SECRET
from tests.test_build import AS_OF

KPI = str(Path(sys.executable).with_name("kpi"))


def _kpi(home: Path, *args: str, secret: str | None = TEST_SECRET) -> subprocess.CompletedProcess:
    env = {**os.environ, "CHAINKPI_HOME": str(home)}
    env.pop("CHAINKPI_SECRET", None)
    if secret is not None:
        env["CHAINKPI_SECRET"] = secret
    return subprocess.run([KPI, *args], env=env, capture_output=True, text=True, timeout=900)


def test_a_restored_workspace_builds_and_exports_the_same_kpi_table(home, tmp_path):
    original = tmp_path / "original"
    shutil.copytree(home, original)
    year, quarter = 2025, 4  # a quarter of test_build's hand-made ledgers
    first = _kpi(original, "export", "--year", str(year), "--quarter", str(quarter),
                 "--out", str(tmp_path / "before"))  # fmt: skip
    assert first.returncode == 0, first.stderr
    done = _kpi(original, "backup", str(tmp_path / "backup"))
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    paths = {entry["path"] for entry in manifest["files"]}
    assert {"warehouse/chainkpi.duckdb", "warehouse/raw_layer.duckdb", "users.toml"} <= paths
    assert any(p.startswith("archive/") for p in paths)
    assert any(p.startswith("audit/") for p in paths)
    assert manifest["key"] is None and not (tmp_path / "backup" / "secret.key").exists()

    restored = tmp_path / "restored"
    done = _kpi(restored, "restore", str(tmp_path / "backup"))
    assert done.returncode == 0, done.stderr
    done = _kpi(restored, "build", "--force", "--as-of", AS_OF.isoformat())
    assert done.returncode == 0, done.stderr
    done = _kpi(restored, "export", "--year", str(year), "--quarter", str(quarter),
                "--out", str(tmp_path / "after"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    name = f"kpi_progress_{year}Q{quarter}.csv"
    assert (tmp_path / "after" / name).read_bytes() == (tmp_path / "before" / name).read_bytes()
    # The original's trail came along (its export), then the restore and the build.
    events = [r["event"] for r in audit.records(Workspace(restored))]
    assert events[-4:] == ["export", "restore", "build", "export"]
    assert audit.verify(Workspace(restored)).ok
    assert oct((restored / "users.toml").stat().st_mode & 0o777) == "0o600"
    # Restoring again over the restored workspace is refused.
    again = _kpi(restored, "restore", str(tmp_path / "backup"))
    assert again.returncode != 0 and "空工作区" in again.stderr


def test_a_changed_backup_file_is_refused_before_anything_is_written(home, tmp_path):
    original = tmp_path / "original"
    shutil.copytree(home, original)
    assert _kpi(original, "backup", str(tmp_path / "backup")).returncode == 0
    users = tmp_path / "backup" / "workspace" / "users.toml"
    users.write_text(users.read_text() + "\n# edited\n")
    done = _kpi(tmp_path / "restored", "restore", str(tmp_path / "backup"))
    assert done.returncode != 0 and "users.toml" in done.stderr
    assert not (tmp_path / "restored" / "warehouse" / "raw_layer.duckdb").exists()


def test_the_key_goes_in_only_when_asked_and_a_different_key_is_refused(home, tmp_path):
    original = tmp_path / "original"
    shutil.copytree(home, original)
    done = _kpi(original, "backup", str(tmp_path / "backup"), "--include-key")
    assert done.returncode == 0, done.stderr
    key = tmp_path / "backup" / "secret.key"
    assert key.read_bytes() == TEST_SECRET.encode()
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    done = _kpi(tmp_path / "restored", "restore", str(tmp_path / "backup"), secret="another")
    assert done.returncode != 0 and "CHAINKPI_SECRET" in done.stderr

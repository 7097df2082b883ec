"""Faults from outside the code: a workspace that cannot be written, a full disk, a corrupt
published warehouse. Each command must say so in one clear line (no traceback), exit non-zero
and leave nothing half-written: the published warehouse as it was, no partial export, no
partial archive file, and a raw layer that the next ingest completes.

CI runs as root, and for root a chmod makes nothing unwritable, so the faults are real ones:

- a workspace under a regular file (NotADirectoryError) — works anywhere;
- a read-only file system and a full disk: a small tmpfs mounted in a private mount namespace
  (`unshare -m`), filled up to a few KiB, or remounted read-only. The mount exists only in
  that namespace and goes with it. Where the machine allows no namespace (not root, no
  unshare) those tests are skipped, saying why.

Elsewhere: a killed build, two builds at once and a reader during builds (test_build.py); an
interrupted ingest and a second ingest at once (test_ingest_files.py); the dashboard's
message for a corrupt warehouse (test_dashboard_app.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.ledgers import rows_of, write_csv
from tests.test_build import AS_OF

KPI = str(Path(sys.executable).with_name("kpi"))
PUBLISHED = "warehouse/chainkpi.duckdb"
EXPORT_Q2 = [KPI, "export", "--year", "2025", "--quarter", "2", "--out"]

# Runs as root inside `unshare -m`: mounts a tmpfs, copies the workspace in, and for each
# phase applies its fault (a disk filled up to `free_kb`, or read-only), runs its commands,
# and records what every file of the workspace holds (path → sha256) afterwards.
DRIVER = r"""
import hashlib, json, os, shutil, subprocess, sys
spec = json.load(open(sys.argv[1], encoding="utf-8"))
mount, home = spec["mount"], os.path.join(spec["mount"], "home")
filler = os.path.join(mount, ".filler")
subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={spec['size_mb']}m,mode=0755", "tmpfs", mount], check=True)
if spec["copy_home"]:
    shutil.copytree(spec["copy_home"], home, symlinks=True)

def lift():
    subprocess.run(["mount", "-o", "remount,rw", mount], check=True)
    if os.path.exists(filler):
        os.unlink(filler)

def fill(free_kb):
    with open(filler, "wb", buffering=0) as handle:
        for chunk in (1 << 20, 1 << 12):
            try:
                while True:
                    handle.write(b"\0" * chunk)
            except OSError:
                pass
    size = os.path.getsize(filler)
    os.truncate(filler, max(0, size - free_kb * 1024))

def snapshot():
    files = {}
    for folder, _, names in os.walk(home):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                files[os.path.relpath(path, home)] = hashlib.sha256(handle.read()).hexdigest()
    return files

env = {**os.environ, **spec["env"], "CHAINKPI_HOME": home}
phases = []
for phase in spec["phases"]:
    lift()
    if phase.get("free_kb") is not None:
        fill(phase["free_kb"])
    if phase.get("read_only"):
        subprocess.run(["mount", "-o", "remount,ro", mount], check=True)
    commands = []
    for argv in phase["commands"]:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
        commands.append({"argv": argv, "rc": done.returncode, "stdout": done.stdout,
                         "stderr": done.stderr})
    phases.append({"name": phase["name"], "commands": commands, "files": snapshot()})
lift()
json.dump({"home": home, "phases": phases}, open(spec["result"], "w", encoding="utf-8"))
"""


def _namespaces_work() -> str | None:
    """None if a private mount namespace with a tmpfs works here, else why not."""
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return "unshare/mount not installed"
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt && touch /mnt/x"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        return f"no private mount namespace with tmpfs here: {probe.stderr.strip()[:200]}"
    return None


_NO_NAMESPACE = _namespaces_work()
needs_mount_namespace = pytest.mark.skipif(
    _NO_NAMESPACE is not None and not os.environ.get("CI"),  # in CI (root) it must work
    reason=f"full-disk and read-only faults need `unshare -m` as root: {_NO_NAMESPACE}",
)


def confined(tmp_path: Path, phases: list[dict], copy_home: Path | None, size_mb: int = 64):
    """Run `phases` against a copy of `copy_home` on a private tmpfs; the driver's record."""
    mount = tmp_path / "mnt"
    mount.mkdir()
    spec = {
        "mount": str(mount),
        "size_mb": size_mb,
        "copy_home": str(copy_home) if copy_home else None,
        "env": {"CHAINKPI_SECRET": "test-secret"},
        "phases": phases,
        "result": str(tmp_path / "result.json"),
    }
    (tmp_path / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    done = subprocess.run(
        ["unshare", "-m", sys.executable, "-c", DRIVER, str(tmp_path / "spec.json")],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    record = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    return {phase["name"]: phase for phase in record["phases"]}


def assert_one_line_error(done: dict | subprocess.CompletedProcess, *words: str) -> None:
    rc = done["rc"] if isinstance(done, dict) else done.returncode
    stderr = done["stderr"] if isinstance(done, dict) else done.stderr
    argv = done["argv"] if isinstance(done, dict) else done.args
    assert rc != 0, argv
    assert "Traceback" not in stderr, f"{argv}: a traceback\n{stderr[-3000:]}"
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("kpi "), f"{argv}: not one line\n{stderr}"
    for word in words:
        assert word in lines[0], f"{argv}: {word!r} not in {lines[0]!r}"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _partial(files: dict[str, str]) -> list[str]:
    """Files a command left half-written: temporaries of the archive, the export, the build."""
    return [
        name
        for name in files
        if name.endswith((".part", ".partial", ".tmp")) or name.startswith("warehouse/build/")
    ]


# --- A workspace that cannot be created -------------------------------------------------


@pytest.mark.parametrize("command", ["ingest", "build", "export"])
def test_a_workspace_under_a_file_is_a_one_line_error(command, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder", encoding="utf-8")
    ledgers = write_csv(tmp_path / "inbox" / "leads_2025.csv", rows_of("leads")).parent
    args = {
        "ingest": ["ingest", str(ledgers)],
        "build": ["build"],
        "export": ["export", "--year", "2025", "--quarter", "2", "--out", str(tmp_path / "out")],
    }[command]
    env = {**os.environ, "CHAINKPI_HOME": str(blocker / "home"), "CHAINKPI_SECRET": "x"}
    done = subprocess.run([KPI, *args], capture_output=True, text=True, env=env, timeout=300)
    assert_one_line_error(done)
    assert blocker.read_text(encoding="utf-8") == "not a folder"
    assert not (tmp_path / "out").exists()


def test_a_report_or_export_folder_under_a_file_is_a_one_line_error_before_any_work(home, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("", encoding="utf-8")
    fresh = tmp_path / "home"
    env = {**os.environ, "CHAINKPI_HOME": str(fresh), "CHAINKPI_SECRET": "x"}
    ledgers = write_csv(tmp_path / "inbox" / "leads_2025.csv", rows_of("leads")).parent
    report = subprocess.run(
        [KPI, "ingest", str(ledgers), "--report", str(blocker / "report.json")],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert_one_line_error(report, str(blocker))
    # Refused before ingesting: nothing loaded that the report would have described.
    assert not (fresh / "warehouse" / "raw_layer.duckdb").exists()

    env["CHAINKPI_HOME"] = str(home)
    export = subprocess.run(
        [KPI, "export", "--year", "2025", "--quarter", "2", "--out", str(blocker / "out")],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert_one_line_error(export, str(blocker))


# --- A read-only workspace --------------------------------------------------------------


@needs_mount_namespace
def test_a_read_only_workspace_is_a_one_line_error_and_changes_nothing(home, tmp_path):
    ledgers = write_csv(tmp_path / "inbox" / "leads_new.csv", rows_of("leads", count=5)).parent
    run = confined(
        tmp_path,
        [
            {"name": "before", "commands": []},
            {
                "name": "read_only",
                "read_only": True,
                "commands": [
                    [KPI, "ingest", str(ledgers)],
                    [KPI, "build", "--force", "--as-of", AS_OF.isoformat()],
                    [*EXPORT_Q2, str(tmp_path / "mnt" / "home" / "exports" / "2025Q2")],
                ],
            },
        ],
        copy_home=home,
    )
    for done in run["read_only"]["commands"]:
        assert_one_line_error(done, "Read-only file system")
    assert run["read_only"]["files"] == run["before"]["files"]


# --- A full disk ------------------------------------------------------------------------


@needs_mount_namespace
def test_a_full_disk_fails_the_ingest_cleanly_and_the_next_run_loads_everything(home, tmp_path):
    inbox = tmp_path / "inbox"
    # Larger than the space left: the archive copy cannot be written.
    big = write_csv(inbox / "big" / "leads_big.csv", rows_of("leads", count=3000))
    # Small: archived, then the raw layer cannot grow.
    small = write_csv(inbox / "small" / "talent_catalogue_new.csv", rows_of("talent_catalogue", count=40))  # fmt: skip
    assert big.stat().st_size > 200_000
    report = tmp_path / "report.json"
    run = confined(
        tmp_path,
        [
            {"name": "before", "commands": []},
            {"name": "full_archive", "free_kb": 16, "commands": [[KPI, "ingest", str(big.parent)]]},
            {"name": "full_raw", "free_kb": 16, "commands": [[KPI, "ingest", str(small.parent)]]},
            {
                "name": "space_again",
                "commands": [[KPI, "ingest", str(inbox), "--report", str(report)]],
            },
        ],
        copy_home=home,
    )
    # Nothing lost: with space again, the next ingest loads both files whole.
    again = run["space_again"]["commands"][0]
    assert again["rc"] == 0, again["stderr"][-3000:]
    entries = {e["file"]: e for e in json.loads(report.read_text(encoding="utf-8"))}
    assert entries["leads_big.csv"]["status"] == "loaded"
    assert entries["leads_big.csv"]["rows_loaded"] == 3000
    assert entries["talent_catalogue_new.csv"]["status"] == "loaded"
    assert entries["talent_catalogue_new.csv"]["rows_loaded"] == 40
    # And each failure said so in one line, leaving no half-written file behind.
    left_before: set[str] = set()
    for phase in ("full_archive", "full_raw"):
        (done,) = run[phase]["commands"]
        assert_one_line_error(done, "No space left on device")
        left = set(_partial(run[phase]["files"]))
        assert sorted(left - left_before) == [], phase
        left_before = left
        assert run[phase]["files"][PUBLISHED] == run["before"]["files"][PUBLISHED]


@needs_mount_namespace
@pytest.mark.parametrize(
    "free_kb",
    [
        pytest.param(16, id="dbt-cannot-write"),
        pytest.param(512, id="publish-step-cannot-write"),
    ],
)
def test_a_full_disk_fails_the_build_and_leaves_the_published_warehouse(home, tmp_path, free_kb):
    run = confined(
        tmp_path,
        [
            {"name": "before", "commands": []},
            {
                "name": "full",
                "free_kb": free_kb,
                "commands": [[KPI, "build", "--force", "--as-of", AS_OF.isoformat()]],
            },
        ],
        copy_home=home,
    )
    (done,) = run["full"]["commands"]
    assert_one_line_error(done, "No space left on device")
    assert "kpi build" in done["stderr"]
    assert run["full"]["files"][PUBLISHED] == run["before"]["files"][PUBLISHED]
    assert _partial(run["full"]["files"]) == []


@needs_mount_namespace
def test_a_full_disk_fails_the_export_and_keeps_the_previous_export_whole(home, tmp_path):
    exports = tmp_path / "mnt" / "home" / "exports"
    export = EXPORT_Q2
    run = confined(
        tmp_path,
        [
            {"name": "before", "commands": [[*export, str(exports / "2025Q2")]]},
            {
                "name": "full",
                "free_kb": 4,
                "commands": [[*export, str(exports / "2025Q2")], [*export, str(exports / "new")]],
            },
        ],
        copy_home=home,
    )
    assert run["before"]["commands"][0]["rc"] == 0, run["before"]["commands"][0]["stderr"]
    for done in run["full"]["commands"]:
        assert_one_line_error(done, "No space left on device")
    before, full = run["before"]["files"], run["full"]["files"]
    previous = {n: h for n, h in before.items() if n.startswith("exports/2025Q2/")}
    assert len(previous) == 2
    assert {n: h for n, h in full.items() if n.startswith("exports/2025Q2/")} == previous
    assert _partial(full) == []
    # What the failed export into a new folder left is whole files only, never a half one.
    for name in (n for n in full if n.startswith("exports/new/")):
        assert name.endswith(".csv") and full[name] == before[f"exports/2025Q2/{Path(name).name}"]


# --- A corrupt published warehouse ------------------------------------------------------


def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not a duckdb file" * 4000)


def _damaged_block(path: Path) -> None:
    """Zeros over one storage block such that the build record still reads but a table does
    not: a warehouse that looks current to a quick look and is not (disk or copy damage)."""
    from chainkpi.publish import published_info

    original = path.read_bytes()
    header, block = 3 * 4096, 256 * 1024  # DuckDB's file header and block size
    for start in range(header, len(original) - block + 1, block):
        path.write_bytes(original[:start] + b"\0" * block + original[start + block :])
        if published_info(path) is not None and _unreadable_tables(path):
            return
    raise AssertionError("no block whose damage leaves the build record readable")


def _unreadable_tables(path: Path) -> list[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
        assert len(tables) > 10
        bad = []
        for schema, table in tables:
            try:
                con.execute(f'select * from "{schema}"."{table}"').fetchall()
            except duckdb.Error:
                bad.append(f"{schema}.{table}")
        return bad
    finally:
        con.close()


@pytest.mark.parametrize("corrupt", [_garbage, _damaged_block], ids=["garbage", "damaged-block"])
def test_the_next_build_replaces_a_corrupt_published_warehouse(home, tmp_path, corrupt):
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    published = copy / PUBLISHED
    corrupt(published)
    with contextlib.suppress(duckdb.Error):  # the corruption is real: unreadable at all …
        assert _unreadable_tables(published)  # … or in part
    env = {**os.environ, "CHAINKPI_HOME": str(copy), "CHAINKPI_SECRET": "test-secret"}
    # No --force: the build must notice by itself that what is published is not usable.
    done = subprocess.run(
        [KPI, "build", "--as-of", AS_OF.isoformat()],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "已发布" in done.stdout, done.stdout
    assert _unreadable_tables(published) == []
    con = duckdb.connect(str(published), read_only=True)
    try:
        assert con.execute("select count(*) from main.fct_kpi_progress").fetchone()[0] > 0
    finally:
        con.close()

"""`kpi build`: run dbt into a fresh file, and publish it whole by an atomic rename.

    raw_layer.duckdb ──dbt build──▶ build/chainkpi.duckdb ──checks, checkpoint, rename──▶ chainkpi.duckdb

Readers (dashboard, export) open the published file read-only, per query. They never hold
the file dbt writes, so they never block a build, and a build never shows them a half-built
warehouse: until the rename they see the old file, after it the new one. A failed or killed
build leaves the published file as it was. One build at a time (an exclusive lock file).

For the tests of a killed build, one hook: with `CHAINKPI_PUBLISH_PAUSE_FILE` set to a path,
the build writes that file once the new warehouse is complete and checked, just before the
rename, and waits there until the file is removed. A test then kills the build at that
moment on a real signal, not after a guessed delay.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from chainkpi import __version__
from chainkpi.errors import PipelineError, UserError
from chainkpi.files import write_atomically
from chainkpi.settings import PROJECT_ROOT, Workspace

# What dbt reads: a change to any of these is a change to the warehouse.
DBT_INPUTS = (
    "dbt_project.yml",
    "profiles.yml",
    "models",
    "seeds",
    "macros",
    "snapshots",
    "tests/dbt",
)


@dataclass
class BuildResult:
    published: bool
    skipped: bool = False
    seconds: float = 0.0
    dbt_seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    path: Path | None = None


class _BuildLock:
    """An exclusive, non-blocking lock: a second `kpi build` is refused, not queued."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self) -> _BuildLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = self.path.open("a+")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.close()
            raise PipelineError(
                "另一个 kpi build 正在运行，请等它结束后再试 (another build is running)"
            ) from None
        return self

    def __exit__(self, *exc) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def project_fingerprint(root: Path = PROJECT_ROOT) -> str:
    digest = hashlib.sha256(__version__.encode())
    for name in DBT_INPUTS:
        base = root / name
        files = sorted(p for p in base.rglob("*") if p.is_file()) if base.is_dir() else [base]
        for path in files:
            if path.exists() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _upgrade_raw_layer(raw_db: Path) -> None:
    """A raw layer written by an older version gains the tables and columns dbt now reads
    (a new dataset's table, ingest_files.period, …): what `kpi ingest` does on opening it."""
    from chainkpi.ingest.rawstore import RawStore

    RawStore(raw_db).close()


def raw_fingerprint(raw_db: Path) -> str:
    """What the raw layer holds, cheaply: its bookkeeping (append-only, one row per file)."""
    con = _open_read_only(raw_db, "原始数据层 (raw layer)")
    try:
        rows = con.execute(
            "select load_id, sha256, status, rows_loaded from raw.ingest_files order by load_id"
        ).fetchall()
    finally:
        con.close()
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def _open_read_only(path: Path, what: str) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise PipelineError(
                f"{what}正被写入（kpi ingest 正在运行？），请稍后再试: {path}"
            ) from None
        raise PipelineError(f"无法打开{what}: {path}: {exc}") from None


def _checksum_path(published: Path) -> Path:
    return published.with_name(published.name + ".sha256")


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _intact(published: Path) -> bool:
    """The published file is byte for byte what the last build published: a damaged block
    anywhere (not only in meta.build_info) means rebuild, not "nothing changed"."""
    checksum = _checksum_path(published)
    try:
        return checksum.read_text(encoding="ascii").strip() == _file_sha256(published)
    except OSError:
        return False


def published_info(path: Path) -> dict | None:
    """The published warehouse's build record, or None if there is none or it is unreadable."""
    if not path.exists():
        return None
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None
    try:
        row = con.execute(
            "select built_at, fingerprint, as_of_date from meta.build_info"
        ).fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return {"built_at": row[0], "fingerprint": row[1], "as_of_date": row[2]} if row else None


def _dbt_args(command: str, workspace: Workspace, target: Path, extra: list[str]) -> list[str]:
    return [
        command,
        "--project-dir", str(PROJECT_ROOT),
        "--profiles-dir", str(PROJECT_ROOT),
        "--target-path", str(workspace.home / "dbt" / "target"),
        "--log-path", str(workspace.logs / "dbt"),
        *extra,
    ]  # fmt: skip


PARSE_STATE = "partial_parse.msgpack"


def parse_cache() -> Path:
    """dbt's saved parse of this project, shared by the workspaces of this installation."""
    configured = os.environ.get("CHAINKPI_DBT_PARSE_CACHE")
    if configured:
        return Path(configured).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "chainkpi" / "dbt" / PARSE_STATE


def _parse_state(workspace: Workspace) -> Path:
    """Where dbt keeps its saved parse for this workspace (under --target-path)."""
    return workspace.home / "dbt" / "target" / PARSE_STATE


def _fingerprint_file(state: Path) -> Path:
    return state.with_name(state.name + ".project")


def _state_is_current(state: Path, fingerprint: str) -> bool:
    try:
        return state.is_file() and _fingerprint_file(state).read_text("ascii") == fingerprint
    except OSError:
        return False


def _seed_parse_state(workspace: Workspace) -> str:
    """A workspace's first build starts from the parse an earlier build saved, so dbt parses
    only what changed since (checked file by file by dbt itself, which parses everything
    afresh when the saved state does not match: another dbt version, profile or vars). A
    parse saved from other project files is dropped first: dbt's own file-by-file check
    missed a model renamed with its unit tests (fct_leads → dim_leads), and every build after
    that upgrade failed to compile. Returns the project's fingerprint, for _save_parse_state."""
    fingerprint = project_fingerprint()
    saved, cache = _parse_state(workspace), parse_cache()
    if saved.exists() and not _state_is_current(saved, fingerprint):
        saved.unlink()
    if not saved.exists() and _state_is_current(cache, fingerprint):
        saved.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):  # a cache that cannot be read costs a full parse
            shutil.copyfile(cache, saved)
            _fingerprint_file(saved).write_text(fingerprint, "ascii")
    return fingerprint


def _save_parse_state(workspace: Workspace, fingerprint: str) -> None:
    saved, cache = _parse_state(workspace), parse_cache()
    if saved.is_file():
        with contextlib.suppress(OSError):  # a cache that cannot be written costs nothing now
            _fingerprint_file(saved).write_text(fingerprint, "ascii")
            cache.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(cache, lambda part: shutil.copyfile(saved, part))
            write_atomically(
                _fingerprint_file(cache), lambda part: part.write_text(fingerprint, "ascii")
            )


def run_dbt(
    args: list[str],
    env: dict[str, str],
    echo: Callable[[str], None] | None = None,
    cwd: Path | None = None,
):
    """dbt in this process (its start-up is paid once), printing one line per finished node."""
    from dbt.cli.main import dbtRunner

    def on_event(event) -> None:
        # Models and seeds as they finish (the progress of a long build); tests only when
        # they do not pass — a passing test is the normal case and would drown the rest.
        name = event.info.name
        if echo is None:
            return
        if (
            name in ("LogModelResult", "LogSeedResult", "LogSnapshotResult")
            or name == "LogTestResult"
            and getattr(event.data, "status", "pass") != "pass"
        ):
            echo(event.info.msg)

    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    previous_cwd = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        # dbt's own console output off (its file log keeps everything); we print what matters.
        return dbtRunner(callbacks=[on_event]).invoke(
            [*args, "--log-level", "none", "--log-level-file", "info", "--no-use-colors"]
        )
    finally:
        _release_dbt_duckdb()
        os.chdir(previous_cwd)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _release_dbt_duckdb() -> None:
    """dbt-duckdb keeps its DuckDB instance open for the life of the process; close it, so
    that this process can write the raw layer or reopen the built file afterwards."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.adapters.factory import reset_adapters

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()
    reset_adapters()


def _summarise(run_result) -> tuple[dict[str, int], list[str], list[tuple]]:
    counts: dict[str, int] = {}
    failures: list[str] = []
    rows: list[tuple] = []
    for item in getattr(run_result, "results", []) or []:
        status = str(item.status)
        counts[status] = counts.get(status, 0) + 1
        node = item.node
        rows.append(
            (
                node.unique_id,
                node.resource_type.value
                if hasattr(node.resource_type, "value")
                else str(node.resource_type),
                node.name,
                status,
                item.failures,
                (item.message or "")[:500],
                float(item.execution_time or 0),
            )
        )
        if status in ("error", "fail"):
            failures.append(
                f"{node.resource_type} {node.name}: {status} — {(item.message or '').strip()[:200]}"
            )
    return counts, failures, rows


def _broken_rules(run_result, build_db: Path, raw_db: Path) -> list[str]:
    """Which rules a failed `column_rules` test found broken: its own query run again on the
    built file ("stg_projects: not_null planned_investment_wan, 1 row"). The test returns
    rule names and counts only, so no cell value can reach the message."""
    failed = [
        item.node
        for item in getattr(run_result, "results", []) or []
        if str(item.status) == "fail"
        and getattr(getattr(item.node, "test_metadata", None), "name", None) == "column_rules"
        and getattr(item.node, "compiled_code", None)
    ]
    if not failed:
        return []
    found = []
    with contextlib.suppress(duckdb.Error), duckdb.connect(str(build_db), read_only=True) as con:
        quoted = str(raw_db).replace("'", "''")
        con.execute(f"attach '{quoted}' as raw_db (read_only)")
        for node in failed:
            model = (node.attached_node or node.name).rsplit(".", 1)[-1]
            for rule, column, count in con.execute(
                f"select rule, column_name, failing_rows from ({node.compiled_code}) limit 20"
            ).fetchall():
                found.append(f"{model}: {rule} {column}, {count} 行 (rows)")
    return found


def _finalise(path: Path, fingerprint: str, as_of: dt.date, results: list[tuple]) -> None:
    """Make the built file self-contained and record how it was built, then checkpoint it."""
    con = duckdb.connect(str(path))
    try:
        # Staging and intermediate views read the raw layer, which readers never attach:
        # the published warehouse holds tables only.
        views = con.execute(
            "select schema_name, view_name from duckdb_views() where not internal and not temporary"
        ).fetchall()
        for schema, view in views:
            con.execute(f'drop view if exists "{schema}"."{view}"')
        con.execute("create schema if not exists meta")
        con.execute(
            "create or replace table meta.build_info as select ?::timestamp as built_at, "
            "?::varchar as fingerprint, ?::date as as_of_date, ?::varchar as chainkpi_version",
            [dt.datetime.now().replace(microsecond=0), fingerprint, as_of, __version__],
        )
        con.execute(
            "create or replace table meta.dbt_results (unique_id varchar, resource_type varchar, "
            "name varchar, status varchar, failures integer, message varchar, seconds double)"
        )
        if results:
            con.executemany("insert into meta.dbt_results values (?, ?, ?, ?, ?, ?, ?)", results)
        con.execute("checkpoint")
    finally:
        con.close()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _pause_before_publish() -> None:
    """The test hook of the module docstring: say so in the pause file, wait until it is gone."""
    marker = os.environ.get("CHAINKPI_PUBLISH_PAUSE_FILE")
    if not marker:
        return
    path = Path(marker)
    path.write_text(str(os.getpid()), encoding="ascii")
    while path.exists():
        time.sleep(0.05)


def build(
    workspace: Workspace | None = None,
    *,
    force: bool = False,
    as_of: dt.date | None = None,
    echo: Callable[[str], None] | None = None,
    unit_tests: bool = False,
) -> BuildResult:
    """Build the warehouse into a new file and publish it; skip when nothing changed.

    dbt's unit tests check the SQL logic on fixed inputs, not the data, so a build for users
    leaves them out (as dbt recommends for production runs); `unit_tests=True` (CI, and
    `kpi build --unit-tests` while changing a model) runs them too, and always builds.
    """
    workspace = workspace or Workspace.from_env()
    started = time.perf_counter()
    if not workspace.raw_db.exists():
        raise UserError(
            f"还没有导入任何台账：请先运行 kpi ingest (no ingested data in {workspace.home})"
        )
    workspace.ensure()
    _upgrade_raw_layer(workspace.raw_db)
    build_dir = workspace.warehouse_dir / "build"
    with _BuildLock(workspace.warehouse_dir / ".build.lock"):
        as_of = as_of or dt.date.today()
        fingerprint = hashlib.sha256(
            f"{project_fingerprint()}|{raw_fingerprint(workspace.raw_db)}|{as_of}".encode()
        ).hexdigest()
        current = published_info(workspace.published_db)
        if (
            not force
            and not unit_tests
            and current
            and current["fingerprint"] == fingerprint
            and _intact(workspace.published_db)
        ):
            return BuildResult(published=False, skipped=True, seconds=time.perf_counter() - started,
                               path=workspace.published_db)  # fmt: skip

        # A killed build leaves its file behind: it was never published, start clean.
        shutil.rmtree(build_dir, ignore_errors=True)
        build_dir.mkdir(parents=True)
        # Same file name as the published one, so DuckDB's catalog name is the same in both.
        target = build_dir / workspace.published_db.name
        env = {
            # Paths relative to the workspace, which dbt runs in: the profile then reads the
            # same in every workspace, so dbt's saved parse is valid in all (see
            # _seed_parse_state); absolute paths would make dbt parse afresh in each one.
            "CHAINKPI_HOME": ".",
            "CHAINKPI_BUILD_DB": str(target.relative_to(workspace.home)),
            "CHAINKPI_RAW_DB": str(workspace.raw_db.relative_to(workspace.home)),
            # Read by the as_of_date() macro. Not `--vars`: changed vars (a new day) make dbt
            # throw its saved parse away, a changed env var re-parses only the models using it.
            "CHAINKPI_AS_OF_DATE": as_of.isoformat(),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        }
        dbt_started = time.perf_counter()
        extra = [] if unit_tests else ["--exclude-resource-type", "unit_test"]
        project = _seed_parse_state(workspace)
        outcome = run_dbt(
            _dbt_args("build", workspace, target, extra), env, echo, cwd=workspace.home
        )
        dbt_seconds = time.perf_counter() - dbt_started
        counts, failures, rows = _summarise(outcome.result)
        if not outcome.success:
            failures = _broken_rules(outcome.result, target, workspace.raw_db) + failures
            if outcome.exception is not None and not failures:
                failures.append(
                    f"{type(outcome.exception).__name__}: {str(outcome.exception)[:500]}"
                )
            shutil.rmtree(build_dir, ignore_errors=True)
            raise PipelineError(
                "dbt build 未通过，已发布的数据仓库保持不变 (build failed; the published warehouse is "
                "unchanged): " + "; ".join(failures[:5])
            )
        _save_parse_state(workspace, project)
        try:
            _finalise(target, fingerprint, as_of, rows)
            _fsync(target)
            digest = _file_sha256(target)
            _pause_before_publish()
            os.replace(target, workspace.published_db)
            write_atomically(
                _checksum_path(workspace.published_db),
                lambda part: part.write_text(digest, encoding="ascii"),
            )
            _fsync(workspace.warehouse_dir)
        except (duckdb.Error, OSError) as exc:
            raise PipelineError(
                "发布失败，已发布的数据仓库保持不变 (could not publish; the published warehouse is "
                f"unchanged): {str(exc).splitlines()[0]}"
            ) from exc
        finally:
            shutil.rmtree(build_dir, ignore_errors=True)
    from chainkpi import audit

    audit.record("build", workspace=workspace, as_of=as_of.isoformat(), counts=counts)
    return BuildResult(
        published=True,
        seconds=time.perf_counter() - started,
        dbt_seconds=dbt_seconds,
        counts=counts,
        path=workspace.published_db,
    )


def generate_docs(workspace: Workspace | None = None) -> Path:
    """dbt's documentation site (lineage, every model and column) as one offline HTML file.

    dbt reads the catalog from a copy of the published warehouse: it opens its target
    read-write, and the published file belongs to the readers.
    """
    workspace = workspace or Workspace.from_env()
    if published_info(workspace.published_db) is None:
        raise UserError("还没有发布的数据仓库：请先运行 kpi build (no published warehouse)")
    docs_dir = workspace.home / "dbt" / "docs"
    shutil.rmtree(docs_dir, ignore_errors=True)
    docs_dir.mkdir(parents=True)
    copy = docs_dir / workspace.published_db.name
    shutil.copyfile(workspace.published_db, copy)
    env = {"CHAINKPI_BUILD_DB": str(copy), "CHAINKPI_RAW_DB": str(workspace.raw_db)}
    args = [
        "docs", "generate", "--static",
        "--project-dir", str(PROJECT_ROOT), "--profiles-dir", str(PROJECT_ROOT),
        "--target-path", str(docs_dir), "--log-path", str(workspace.logs / "dbt"),
    ]  # fmt: skip
    outcome = run_dbt(args, env)
    copy.unlink(missing_ok=True)
    if not outcome.success:
        raise PipelineError(f"dbt docs generate 失败: {outcome.exception}")
    return docs_dir / "static_index.html"

"""The 数据报送 (Hand in) page's work, without Streamlit (handing_in.md, "Upload in the
dashboard"): the limits, the files written where the ingest reads them, a chain office's own
chain, the job that runs `kpi ingest` and then `kpi build`, and the upload log.

One code path: the job runs the same commands an analyst types — `kpi ingest --report JSON
--returns DIR FILES` and `kpi build` — as subprocesses, from a worker thread, never in the
page's script thread. The page polls the job (`Job.snapshot`) to show its progress; a job
outlives the page run that started it (a reader who navigates away comes back to it).

- Uploaded names are never used as paths: each file is written under a fresh folder
  `$CHAINKPI_HOME/uploads/<generated>/<nn>/` with its name sanitised (`safe_name`: no path
  separators, no leading dots, no control characters), which keeps the original stem — the
  ingest reads the dataset and the period from it. The folder is removed when the job ends
  (the ingest has archived each file by its hash).
- One job at a time per workspace (`.hand_in.lock`, a file lock, so two server processes
  agree too): a second upload waits for the first and says so; a `kpi build` started from a
  shell (publish._BuildLock) is waited for as well. The dashboard's readers keep reading the
  published warehouse until the new one replaces it (publish.py's atomic publish).
- Every upload is recorded in `$CHAINKPI_HOME/logs/uploads.jsonl`: who (user name and role),
  when, each file's name (as data) and sha256, and the result. No cell of any ledger.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chainkpi.settings import Workspace

MAX_FILE_MB = 20
MAX_FILE_BYTES = MAX_FILE_MB * 1024 * 1024
MAX_FILES = 20
SUFFIXES = ("xlsx", "xls", "csv")
UPLOAD_LOG = "uploads.jsonl"
_NAME_LIMIT = 150  # characters of a sanitised file name (the suffix kept)
_UNSAFE = re.compile(r'[\\/:*?"<>|]')
_DBT_STEP = re.compile(r"^\s*(\d+) of (\d+) ")


@dataclass(frozen=True)
class Upload:
    """One file as the browser sent it. `name` is for display and the ingest's file name
    (after `safe_name`), never a path."""

    name: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def limit_errors(uploads: Sequence[Upload]) -> list[str]:
    """Why an upload is refused before anything runs (20 files, 20 MB a file), in Chinese."""
    errors = []
    if len(uploads) > MAX_FILES:
        errors.append(
            f"一次最多报送 {MAX_FILES} 个文件，本次选择了 {len(uploads)} 个：请分批报送。"
        )
    for upload in uploads:
        if len(upload.data) > MAX_FILE_BYTES:
            size = len(upload.data) / 1024 / 1024
            errors.append(
                f"文件「{printable(upload.name)}」为 {size:.1f} MB，超过每个文件 {MAX_FILE_MB} MB "
                "的上限：请删去多余的工作表或图片，或按月份拆分后再报送。"
            )
        if not upload.name.lower().endswith(tuple(f".{s}" for s in SUFFIXES)):
            errors.append(
                f"文件「{printable(upload.name)}」不是 .xlsx、.xls 或 .csv 文件："
                "请在 Excel 或 WPS 中另存为 Excel 工作簿后再报送。"
            )
    return errors


def printable(text: object) -> str:
    """A name from the browser as one line of text: control characters shown escaped."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", lambda m: repr(m.group())[1:-1], str(text))


def safe_name(name: str) -> str:
    """The file name the ingest sees: the last part of what the browser sent, without path
    separators, control characters or leading dots and spaces, at most _NAME_LIMIT
    characters, keeping the stem (dataset and period are read from it) and the suffix."""
    text = unicodedata.normalize("NFC", str(name))
    text = re.split(r"[\\/]", text)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = _UNSAFE.sub("_", text).strip().lstrip(". ").strip()
    stem, dot, suffix = text.rpartition(".")
    if not dot:
        stem, suffix = text, ""
    suffix = suffix[:10]
    stem = stem.rstrip(". ")[: _NAME_LIMIT - len(suffix) - 1] or "ledger"
    return f"{stem}.{suffix}" if suffix else stem


def stage(workspace: Workspace, uploads: Sequence[Upload]) -> tuple[Path, list[Path]]:
    """Write each upload under a fresh folder of the workspace: `<folder>/<nn>/<safe name>`
    (a folder per file: two files of the same name do not overwrite each other)."""
    base = workspace.home / "uploads"
    base.mkdir(parents=True, exist_ok=True)
    base.chmod(0o700)  # handed-in files hold personal data until the ingest has archived them
    folder = Path(tempfile.mkdtemp(prefix="hand-in-", dir=base))
    paths = []
    for number, upload in enumerate(uploads, start=1):
        path = folder / f"{number:02d}" / safe_name(upload.name)
        path.parent.mkdir()
        path.write_bytes(upload.data)
        paths.append(path)
    return folder, paths


# --------------------------------------------------------------------------- a chain's office


def chains_of_rows(path: Path) -> set[str | None] | None:
    """The chain of every row of a ledger, read as the ingest reads it (the same reader,
    header matching and coercion); None when the ingest would refuse the file anyway (it
    says why)."""
    from chainkpi.ingest.coerce import coerce
    from chainkpi.ingest.readers import SUPPORTED_SUFFIXES, UnreadableFile, read_sheets
    from chainkpi.ingest.schema import dataset_for_filename
    from chainkpi.ingest.table import BadUnit, MissingColumns, build_table

    dataset = dataset_for_filename(path.stem)
    if dataset is None or path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return None
    try:
        sheets, left_out = read_sheets(path, path.read_bytes())
        table = build_table(sheets, dataset, path.stem, left_out)
    except (UnreadableFile, BadUnit, MissingColumns):
        return None
    if "chain" not in [column.key for column in dataset.columns]:
        return {None}
    typed, _ = coerce(dataset, table.text, table.factors)
    return set(typed.column("chain").to_pylist())


def office_refusal(path: Path, chain: str) -> str | None:
    """Why a chain office may not hand in this file (a row of another chain, or of none),
    or None."""
    from chainkpi.ingest.schema import CHAIN_NAMES_ZH

    chains = chains_of_rows(path)
    if chains is None or chains <= {chain}:
        return None
    return (
        f"本链办只能报送本产业链（{CHAIN_NAMES_ZH.get(chain, chain)}）的台账：文件中有其他产业链或未填产业链的行，"
        "请交区数据分析员报送，或删去这些行后重新报送。"
    )


# --------------------------------------------------------------------------- the job


@dataclass
class Job:
    """One upload's run: what the page shows while it runs and after."""

    id: str
    username: str
    role: str
    files: list[dict]  # name, sha256, bytes
    started_at: dt.datetime
    state: str = "queued"  # queued | waiting | ingesting | building | done | failed
    lines: list[str] = field(default_factory=list)
    done_files: int = 0
    build_step: tuple[int, int] = (0, 0)
    reports: list[dict] = field(default_factory=list)
    returns: list[tuple[str, bytes]] = field(default_factory=list)  # (file name, bytes)
    build: str = "not_run"  # not_run | published | skipped | failed
    built_at: object = None
    error: str | None = None
    finished_at: dt.datetime | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def say(self, line: str) -> None:
        with self._lock:
            self.lines.append(printable(line.rstrip()))

    def set(self, **values: object) -> None:
        with self._lock:
            for key, value in values.items():
                setattr(self, key, value)

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "state": self.state,
                "lines": list(self.lines),
                "done_files": self.done_files,
                "files": len(self.files),
                "build_step": self.build_step,
            }

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")


# Jobs of this server process by id; a session keeps the id of its own. A finished job is
# dropped when the next one of the same session starts (forget).
_JOBS: dict[str, Job] = {}
_RUNNING = threading.Lock()  # one job at a time in this process (the file lock: across)


def job(job_id: str | None) -> Job | None:
    return _JOBS.get(job_id) if job_id else None


KEPT_FOR = dt.timedelta(hours=12)  # a finished job's report, for a session that comes back


def forget(job_id: str | None) -> None:
    if job_id and (found := _JOBS.get(job_id)) and found.finished:
        _JOBS.pop(job_id, None)


def _prune() -> None:
    """Drop the jobs that finished long ago (a session that never came back for its report)."""
    now = _now()
    for key, old in list(_JOBS.items()):
        if old.finished and old.finished_at and now - old.finished_at > KEPT_FOR:
            _JOBS.pop(key, None)


def start(
    workspace: Workspace,
    uploads: Sequence[Upload],
    username: str,
    role: str,
    office_chain: str | None = None,
) -> Job:
    """Start an upload's job in a worker thread and return it at once."""
    new = Job(
        id=uuid.uuid4().hex[:12],
        username=username,
        role=role,
        files=[{"name": u.name, "sha256": u.sha256, "bytes": len(u.data)} for u in uploads],
        started_at=_now(),
    )
    _prune()
    _JOBS[new.id] = new
    worker = threading.Thread(
        target=run, args=(new, workspace, list(uploads), office_chain), daemon=True,
        name=f"hand-in-{new.id}",
    )  # fmt: skip
    worker.start()
    return new


def run(job: Job, workspace: Workspace, uploads: list[Upload], office_chain: str | None) -> None:
    """The job, start to end (the worker thread's body; tests may call it directly)."""
    folder = None
    try:
        folder, paths = stage(workspace, uploads)
        refused = {}
        if office_chain:
            for upload, path in zip(uploads, paths, strict=True):
                reason = office_refusal(path, office_chain)
                if reason:
                    refused[path] = _refused_report(upload, path, reason)
                    job.say(f"  ✗ {upload.name}  {reason}")
        to_ingest = [path for path in paths if path not in refused]
        with _one_at_a_time(workspace, job):
            if to_ingest:
                _ingest(job, workspace, folder, to_ingest)
            job.set(reports=[*refused.values(), *job.reports])
            # A file the ingest recorded (loaded, or refused: the data-quality page shows
            # it) changes the warehouse; files ingested before and files refused here do not.
            if any(r["status"] != "already_ingested" and not r.get("refused_here")
                   for r in job.reports):  # fmt: skip
                _build(job, workspace)
        job.set(state="done")
    except Exception as exc:  # the page shows it; the log records it
        job.say(f"出错：{exc}")
        job.set(state="failed", error=str(exc) or type(exc).__name__)
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        job.set(finished_at=_now())
        try:
            record(workspace, job)
        except OSError as exc:
            job.say(f"报送记录未能写入 (upload log): {exc}")


def _refused_report(upload: Upload, path: Path, reason: str) -> dict:
    from chainkpi.ingest.schema import dataset_for_filename

    dataset = dataset_for_filename(path.stem)
    return {
        "file": path.name, "sha256": upload.sha256, "dataset": dataset.key if dataset else None,
        "status": "rejected", "rows_read": 0, "rows_loaded": 0, "rows_rejected": 0,
        "errors": [reason], "rejected_rows": [], "warnings": [], "unknown_columns": [],
        "interpretation": {}, "refused_here": True,
    }  # fmt: skip


class _one_at_a_time:
    """This workspace's hand-in lock, held for the ingest and the build; waited for (and
    said so) when another upload holds it."""

    def __init__(self, workspace: Workspace, job: Job):
        self.path = workspace.warehouse_dir / ".hand_in.lock"
        self.job = job

    def __enter__(self) -> _one_at_a_time:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not _RUNNING.acquire(blocking=False):
            self._waiting()
            _RUNNING.acquire()
        self.handle = self.path.open("a+")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._waiting()
            fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def _waiting(self) -> None:
        self.job.set(state="waiting")
        self.job.say("另一项报送正在导入或构建，本次报送排队等待，完成后自动开始…")

    def __exit__(self, *exc) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()
        _RUNNING.release()


def build_running(workspace: Workspace) -> bool:
    """Whether a `kpi build` holds publish's build lock now."""
    path = workspace.warehouse_dir / ".build.lock"
    if not path.exists():
        return False
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def _wait_for_build(job: Job, workspace: Workspace) -> None:
    if build_running(workspace):
        job.set(state="waiting")
        job.say("另一个 kpi build 正在运行，等它结束后继续…")
        while build_running(workspace):
            time.sleep(1)


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "chainkpi", *args]


def _stream(job: Job, command: list[str], workspace: Workspace, on_line) -> tuple[int, str]:
    """Run a `kpi` command for the workspace; each line of its output to `on_line`; its exit
    code and standard error."""
    env = {**os.environ, "CHAINKPI_HOME": str(workspace.home), "PYTHONUNBUFFERED": "1"}
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=errors, env=env, text=True,
            encoding="utf-8", errors="replace",
        )  # fmt: skip
        for line in proc.stdout:
            on_line(line.rstrip("\n"))
        code = proc.wait()
        errors.seek(0)
        return code, errors.read().decode("utf-8", errors="replace").strip()


def _ingest(job: Job, workspace: Workspace, folder: Path, paths: list[Path]) -> None:
    from chainkpi.ingest.returns import return_name

    _wait_for_build(job, workspace)
    job.set(state="ingesting")
    report, returns = folder / "report.json", folder / "returns"

    def on_line(line: str) -> None:
        job.say(line)
        if line.startswith(("  ✓", "  ✗", "  =")):
            job.set(done_files=job.done_files + 1)

    command = _command("ingest", "--report", str(report), "--returns", str(returns))
    code, errors = _stream(job, [*command, *map(str, paths)], workspace, on_line)
    if code not in (0, 1) or not report.exists():
        raise RuntimeError(errors.splitlines()[-1] if errors else f"kpi ingest 退出码 {code}")
    reports = json.loads(report.read_text(encoding="utf-8"))
    back = []
    for item in reports:
        path = returns / return_name(item["file"])
        if path.exists():
            item["return_file"] = path.name
            back.append((path.name, path.read_bytes()))
    job.set(reports=reports, returns=back)


def _build(job: Job, workspace: Workspace) -> None:
    from chainkpi.publish import published_info

    job.set(state="building")

    def on_line(line: str) -> None:
        job.say(line)
        step = _DBT_STEP.match(line)
        if step:
            job.set(build_step=(int(step.group(1)), int(step.group(2))))

    while True:
        _wait_for_build(job, workspace)
        job.set(state="building")
        code, errors = _stream(job, _command("build"), workspace, on_line)
        if code == 0 or "另一个 kpi build 正在运行" not in errors:
            break
    if code != 0:
        job.set(build="failed")
        raise RuntimeError(errors.splitlines()[-1] if errors else f"kpi build 退出码 {code}")
    info = published_info(workspace.published_db) or {}
    skipped = any("数据与模型均无变化" in line for line in job.lines[-3:])
    job.set(build="skipped" if skipped else "published", built_at=info.get("built_at"))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


# --------------------------------------------------------------------------- the upload log


def record(workspace: Workspace, job: Job, refused: Sequence[str] = ()) -> Path:
    """Append the upload to logs/uploads.jsonl: who, when, the files (names as data, sha256)
    and the result. No cell value, no display name."""
    by_name = {r["file"]: r for r in job.reports}
    files = []
    for item in job.files:
        report = by_name.get(safe_name(item["name"]), {})
        files.append(
            {
                **item,
                "status": report.get("status"),
                "rows_loaded": report.get("rows_loaded"),
                "rows_rejected": report.get("rows_rejected"),
            }
        )
    entry = {
        "job": job.id,
        "at": job.started_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "user": job.username,
        "role": job.role,
        "files": files,
        "result": "refused" if refused else ("failed" if job.state == "failed" else "done"),
        "refused": list(refused),
        "build": job.build,
        "built_at": str(job.built_at) if job.built_at else None,
        "error": job.error,
    }
    workspace.logs.mkdir(parents=True, exist_ok=True)
    path = workspace.logs / UPLOAD_LOG
    with path.open("a", encoding="utf-8") as log:
        log.write(json.dumps(entry, ensure_ascii=False) + "\n")
    from chainkpi import audit  # the audit trail (等保 安全审计): the upload, its files' sha256s

    audit.record(
        "upload",
        user=job.username,
        workspace=workspace,
        role=job.role,
        job=job.id,
        files=[
            {k: f.get(k) for k in ("name", "sha256", "bytes", "status", "rows_loaded")}
            for f in files
        ],
        result=entry["result"],
        refused=list(refused),
    )
    return path


def record_refused(
    workspace: Workspace, uploads: Sequence[Upload], username: str, role: str, why: list[str]
) -> Path:
    """An upload refused by the limits is recorded too (nothing of it was written)."""
    refused = Job(
        id=uuid.uuid4().hex[:12], username=username, role=role, started_at=_now(),
        files=[{"name": u.name, "sha256": u.sha256, "bytes": len(u.data)} for u in uploads],
        state="done", finished_at=_now(),
    )  # fmt: skip
    return record(workspace, refused, refused=why)


# --------------------------------------------------------------------------- templates


def templates() -> list[tuple[str, bytes]]:
    """Every dataset's import template, as `kpi template all` writes it: (name, bytes)."""
    from chainkpi.ingest.templates import write_templates

    with tempfile.TemporaryDirectory() as folder:
        return [(p.name, p.read_bytes()) for p in write_templates("all", Path(folder))]

"""`kpi ingest`: read, validate, archive and load the offices' ledgers.

For each file (a dataset's files together, `reading_order`): checksum → already ingested?
→ dataset from the name → grid of cells → header row → normalised text → typed values
(coerce.py) → GX suites (validate.py) → accepted rows, personal data masked and hashed →
archive + raw layer in one step per file.
References are checked once every file of the run is in, against the current state.

The cells travel as Arrow columns from the reader to the raw layer: no Python object per
cell on the way (readers.py says where a file needs one).

Files are read one dataset at a time (name order within it, `reading_order`) and sent to
the GX suites a dataset at a time (up to BATCH_ROWS rows): a suite runs once per dataset
over its files stacked, not once per file: a GX run has a fixed cost whatever its size
(docs/benchmarks.md). The suites run in a worker process (worker.py) that imports GX while
this process reads the first files, then checks one dataset while this process reads the
next. Loading stays one file at a time, in name order within its dataset, each in its own
transaction, as the dataset's results come back; the personal columns are hashed while
results are awaited. At most BATCH_ROWS rows wait unloaded (read, not yet loaded), which
bounds the memory a run holds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from chainkpi.errors import UsageError
from chainkpi.ingest import privacy, validate, worker
from chainkpi.ingest.coerce import coerce
from chainkpi.ingest.keys import derive_keys
from chainkpi.ingest.period import ledger_period
from chainkpi.ingest.rawstore import RawStore
from chainkpi.ingest.readers import SUPPORTED_SUFFIXES, UnreadableFile, read_sheets, unsupported
from chainkpi.ingest.rules import message
from chainkpi.ingest.schema import DATASETS, Dataset, dataset_for_filename
from chainkpi.ingest.table import BadUnit, LedgerTable, MissingColumns, build_table, describe
from chainkpi.settings import Workspace

MAX_REPORTED_VALUE = 200
# Rows read per batch sent to GX, and rows read but not yet loaded: bounds a run's memory.
BATCH_ROWS = 500_000


@dataclass
class FileReport:
    """One object of the `--report` JSON (cli.md), plus a few fields a person finds useful."""

    file: str
    sha256: str
    dataset: str | None
    status: str  # loaded | rejected | already_ingested
    rows_read: int = 0
    rows_loaded: int = 0
    errors: list[str] = field(default_factory=list)
    rejected_rows: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    path: str = ""
    unknown_columns: list[str] = field(default_factory=list)
    header_row: int | None = None
    load_id: int | None = None
    # How the file was read (real_ledgers.md rule 9): sheets, header rows, columns and their
    # source headers and units, rows skipped by kind, chains not from a column, derived keys.
    interpretation: dict = field(default_factory=dict)
    # The month (2025-09) or quarter (2025Q3) the ledger covers, and where that was read.
    period: str | None = None
    period_source: str | None = None
    # The rejected rows as handed in (personal cells masked), for the 退回修改 file: not in
    # the JSON report.
    returned_rows: list[dict] = field(default_factory=list, repr=False)

    def to_json(self) -> dict:
        return {
            "file": self.file,
            "sha256": self.sha256,
            "dataset": self.dataset,
            "status": self.status,
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_rejected": rejected_row_count(self.rejected_rows),
            "errors": self.errors,
            "rejected_rows": self.rejected_rows,
            "warnings": self.warnings,
            "unknown_columns": self.unknown_columns,
            "header_row": self.header_row,
            "interpretation": self.interpretation,
            "period": self.period,
            "period_source": self.period_source,
        }


def rejected_row_count(rejections: list[dict]) -> int:
    """Rows rejected (a row of a workbook is its sheet and number)."""
    return len({(r.get("sheet"), r["row"]) for r in rejections})


@dataclass
class IngestResult:
    files: list[FileReport]
    returns: list[Path] = field(default_factory=list)  # 退回修改 files written

    @property
    def exit_code(self) -> int:
        return 1 if any(f.status == "rejected" for f in self.files) else 0

    def to_json(self) -> list[dict]:
        return [f.to_json() for f in self.files]


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """Every ledger named or inside the folders named, in name order (inputs.md). Symbolic
    links are listed (not followed, not even into folders): the ingest refuses them."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            for folder, folders, names in os.walk(path):
                links = [name for name in folders if (Path(folder) / name).is_symlink()]
                found += [
                    Path(folder) / name
                    for name in (*names, *links)
                    if not name.startswith((".", "~$"))
                    and ((Path(folder) / name).is_file() or (Path(folder) / name).is_symlink())
                ]
        elif path.is_file() or path.is_symlink():
            found.append(path)
        else:
            raise UsageError(f"找不到文件或文件夹 (no such file or folder): {path}")
    return sorted(set(found), key=lambda p: (p.name, str(p)))


SYMLINK_REFUSED = (
    "是符号链接（快捷方式），不予读取：请把台账文件本身放入收件箱 "
    "(a symbolic link: hand in the file itself)"
)


def _short(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value)
    return text if len(text) <= MAX_REPORTED_VALUE else text[:MAX_REPORTED_VALUE] + "…"


def _cell(table: LedgerTable, dataset: Dataset, position: int, column: str) -> str | None:
    if column == dataset.id_column and table.derive_keys is not None:
        return _short(table.derived_ids[position].as_py())
    if column not in table.text.column_names:
        return None
    value = table.text.column(column)[position].as_py()
    if value is not None and dataset.column(column).personal:
        return privacy.mask(column, value)
    return _short(value)


def _parse(dataset: Dataset, table: LedgerTable, secret: bytes) -> tuple[pa.Table, dict, set]:
    """The typed table GX sees (personal columns masked) and the cells that did not parse;
    keys derived where the file has no ID column."""
    typed, parsed = coerce(dataset, table.text, table.factors)
    failures: dict[tuple[int, str, str], None] = {}
    unparsed: set[tuple[int, str]] = set()
    for key, result in parsed.items():
        for position in np.flatnonzero(result.invalid):
            failures[(int(position), key, result.rule)] = None
            unparsed.add((int(position), key))
        if result.month_only is not None and result.month_only.any():
            first = int(np.flatnonzero(result.month_only)[0])
            table.warnings.append(
                {
                    "row": int(table.row_numbers[first]),
                    "column": key,
                    "value": _short(table.text.column(key)[first].as_py()),
                    "rule": "month_only_date",
                    "sheet": table.sheet_of(first),
                    "count": int(result.month_only.sum()),
                }
            )
    if table.derive_keys is not None:
        ids = derive_keys(dataset, typed, table.derive_keys, secret)
        table.derived_ids = ids
        index = typed.column_names.index(dataset.id_column)
        typed = typed.set_column(index, dataset.id_column, ids)
    # GX sees personal columns masked: its results cannot carry a clear value.
    for column in dataset.columns:
        if column.personal:
            index = typed.column_names.index(column.key)
            masked = privacy.mask_array(column.key, typed.column(index).combine_chunks())
            typed = typed.set_column(index, column.key, masked)
    return typed, failures, unparsed


def _rejections(
    dataset: Dataset,
    table: LedgerTable,
    failures: dict[tuple[int, str, str], None],
    unparsed: set[tuple[int, str]],
    suite_failures: list[validate.Failure],
) -> tuple[list[dict], list[int]]:
    """Parse errors first, then the GX suite's failures; and the rejected row positions."""
    failures = dict(failures)
    for failure in suite_failures:
        # A cell that did not parse is reported once, for not parsing.
        if (failure.position, failure.column) not in unparsed:
            failures[(failure.position, failure.column, failure.rule)] = None
    derived = table.derive_keys
    rejections = [
        {
            "row": int(table.row_numbers[position]),
            "column": column,
            "value": _cell(table, dataset, position, column),
            "rule": rule,
            "message": message(rule),
            **({"sheet": table.sheet_of(position)} if table.sheet_index is not None else {}),
        }
        for position, column, rule in sorted(failures, key=lambda f: (f[0], f[1]))
        # A derived key missing: what it is derived from is missing, and reported.
        if not (rule == "required" and column == dataset.id_column and derived is not None
                and derived[position])
    ]  # fmt: skip
    return rejections, sorted({position for position, _, _ in failures})


def personal_hashes(dataset: Dataset, table: LedgerTable, key: bytes) -> dict[str, pa.Array]:
    """The keyed hash of every personal cell of the file (clear text in, digest out): done
    while the file waits for its GX results, since it does not depend on them."""
    hashes: dict[str, pa.Array] = {}
    for column in dataset.columns:
        if column.personal:
            if column.key in table.text.column_names:
                clear = table.text.column(column.key).combine_chunks()
            else:
                clear = pa.nulls(table.text.num_rows, type=pa.large_string())
            hashes[column.key] = privacy.hash_array(key, column.key, clear)
    return hashes


def _stored_rows(
    dataset: Dataset,
    table: LedgerTable,
    typed: pa.Table,
    keep: np.ndarray,
    hashes: dict[str, pa.Array],
) -> pa.Table:
    """The accepted rows as the raw layer stores them: each personal column as its mask
    (`typed` holds it already: _parse masks it for GX) and its keyed hash of the clear text."""
    keep_mask = pa.array(keep)
    rows = typed.filter(keep_mask)
    columns: dict[str, pa.Array] = {}
    for column in dataset.columns:
        values = rows.column(column.key).combine_chunks()
        if column.personal:
            columns[f"{column.key}_masked"] = values
            columns[f"{column.key}_hash"] = hashes[column.key].filter(keep_mask)
        else:
            columns[column.key] = values
    columns["_row_number"] = pa.array(table.row_numbers[keep], type=pa.int32())
    return pa.table(columns)


def archive_file(workspace: Workspace, name: str, sha256: str, data: bytes) -> Path:
    """Keep the handed-in bytes, owner-readable only; the same bytes are stored once."""
    shard = workspace.archive / sha256[:2]
    folder = shard / sha256
    target = folder / name
    if not target.exists():
        for level in (shard, folder):  # mkdir's mode applies to the last level only
            level.mkdir(parents=True, exist_ok=True, mode=0o700)
            level.chmod(0o700)
        temporary = folder / f".{name}.{os.getpid()}.part"
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)  # nothing half-written stays (a full disk)
    return target


@dataclass
class _ReadFile:
    """One file of a batch, read and parsed, waiting for its GX results and its load."""

    path: Path
    data: bytes
    report: FileReport
    previously: str | None
    dataset: Dataset | None
    table: LedgerTable | None = None
    typed: pa.Table | None = None
    parse_failures: dict = field(default_factory=dict)
    unparsed: set = field(default_factory=set)
    suite_failures: list = field(default_factory=list)
    hashes: dict | None = None  # personal_hashes, once computed


def reading_order(files: list[Path]) -> list[Path]:
    """The files one dataset after another (in the order each dataset is first met in name
    order; files of no dataset first, they need no check), name order within a dataset."""
    keys = {path: _dataset_key(path) for path in files}
    first_met: dict[str | None, int] = {}
    for key in keys.values():
        first_met.setdefault(key, len(first_met))
    # sorted is stable: name order kept within a dataset
    return sorted(files, key=lambda path: (keys[path] is not None, first_met[keys[path]]))


def _dataset_key(path: Path) -> str | None:
    dataset = dataset_for_filename(path.stem)
    return dataset.key if dataset else None


def read_file(
    path: Path, data: bytes, sha256: str, store: RawStore, secret: bytes | None = None
) -> _ReadFile:
    dataset = dataset_for_filename(path.stem)
    report = FileReport(
        path.name, sha256, dataset.key if dataset else None, "loaded", path=str(path)
    )
    item = _ReadFile(path, data, report, store.seen(sha256), dataset)
    if item.previously == "loaded":
        report.status = "already_ingested"
        return item
    try:
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise unsupported(path.suffix)
        if dataset is None:
            raise UnreadableFile(
                "无法从文件名识别数据集：文件名应以英文键开头（如 projects_2025Q3.csv）"
                "或包含中文名（如 项目储备库）"
            )
        sheets, left_out = read_sheets(path, data)
        item.table = build_table(sheets, dataset, path.stem, left_out)
    except (UnreadableFile, BadUnit) as exc:
        report.errors.append(str(exc))
    except MissingColumns as exc:
        report.errors.append(f"表头缺少必填列 (missing required columns): {exc}")
    if item.table is not None:
        secret = secret if secret is not None else privacy.load_secret()
        item.typed, item.parse_failures, item.unparsed = _parse(dataset, item.table, secret)
    return item


def suite_frames(batch: list[_ReadFile]) -> validate.Frames:
    """The typed frames of a batch's parsed files, per dataset, for one GX run each."""
    frames: validate.Frames = {}
    for item in batch:
        if item.typed is not None:
            frames.setdefault(item.dataset.key, []).append(item.typed)
    return frames


def load_file(
    item: _ReadFile,
    *,
    store: RawStore,
    workspace: Workspace,
    key: bytes,
    run_id: str,
    ingested_at: dt.datetime,
) -> FileReport:
    report, table, dataset, path = item.report, item.table, item.dataset, item.path
    if report.status == "already_ingested":
        return report
    archive = archive_file(workspace, path.name, report.sha256, item.data)
    report.period, report.period_source = ledger_period(
        path.stem, table.titles if table is not None else [], ingested_at.date()
    )
    if table is None:
        report.status = "rejected"
        if item.previously != "rejected":
            store.record_file(
                run_id=run_id, file_name=path.name, sha256=report.sha256, dataset=dataset,
                status="rejected", rows_read=0, rows=None, rejections=[],
                ingested_at=ingested_at, archive_path=str(archive), errors=report.errors,
                period=report.period,
            )  # fmt: skip
        return report

    report.header_row = table.header_row
    report.unknown_columns = table.unknown_columns
    report.warnings += [
        {"row": table.header_row, "column": name, "value": name, "rule": "duplicate_column",
         "message": "重复的列，只读取第一列"}
        for name in table.duplicate_columns
    ]  # fmt: skip
    report.warnings += file_warnings(dataset, table)
    report.interpretation = {**table.interpretation, "summary_zh": describe(table, dataset)}
    typed = item.typed
    rejections, rejected_positions = _rejections(
        dataset, table, item.parse_failures, item.unparsed, item.suite_failures
    )
    keep = np.ones(typed.num_rows, dtype=bool)
    keep[rejected_positions] = False
    if item.hashes is None:
        item.hashes = personal_hashes(dataset, table, key)
    rows = _stored_rows(dataset, table, typed, keep, item.hashes)
    report.rows_read = typed.num_rows
    report.rows_loaded = int(keep.sum())
    report.rejected_rows = [
        {k: r[k] for k in ("row", "column", "value", "rule", "sheet") if k in r} for r in rejections
    ]
    report.returned_rows = returned_rows(dataset, table, rejected_positions, rejections)
    report.load_id = store.record_file(
        run_id=run_id, file_name=path.name, sha256=report.sha256, dataset=dataset,
        status="loaded", rows_read=report.rows_read, rows=rows, rejections=rejections,
        ingested_at=ingested_at, archive_path=str(archive), errors=[],
        interpretation=report.interpretation, period=report.period,
    )  # fmt: skip
    store.record_warnings(report.load_id, report.file, report.sha256, report.warnings)
    return report


def returned_rows(
    dataset: Dataset, table: LedgerTable, positions: list[int], rejections: list[dict]
) -> list[dict]:
    """Each rejected row as handed in (personal cells masked) with its broken rules by
    column: what the 退回修改 file shows."""
    problems: dict[tuple, dict[str, list[str]]] = {}
    for r in rejections:
        by_column = problems.setdefault((r.get("sheet"), r["row"]), {})
        by_column.setdefault(r["column"], []).append(r["message"])
    rows = []
    for position in positions:
        where = (table.sheet_of(position), int(table.row_numbers[position]))
        if where not in problems:
            continue
        rows.append(
            {
                "row": where[1],
                "sheet": where[0],
                "cells": {c.key: _cell(table, dataset, position, c.key) for c in dataset.columns},
                "problems": problems[where],
            }
        )
    return rows


def file_warnings(dataset: Dataset, table: LedgerTable) -> list[dict]:
    """The warnings of how a file was read: amounts assumed in 万元, month-only dates, keys
    derived (one each, per column)."""
    warnings = []
    for item in table.warnings:
        entry = {k: item[k] for k in ("row", "column", "value", "rule")}
        entry["message"] = message(item["rule"])
        if item.get("count"):
            entry["message"] += f"（共 {item['count']} 个单元格）"
        if item.get("sheet") is not None and table.sheet_index is not None:
            entry["sheet"] = item["sheet"]
        warnings.append(entry)
    if table.derive_keys is not None:
        id_header = dataset.column(dataset.id_column).header_zh
        sources = " 或 ".join(
            "、".join(dataset.column(c).header_zh for c in group) for group in dataset.key_from
        )
        how = "的加密散列（不含明文）" if dataset.key_hashed else "（去除空格和★☆※等符号）"
        warnings.append(
            {
                "row": table.header_row,
                "column": dataset.id_column,
                "value": None,
                "rule": "derived_key",
                "message": f"没有「{id_header}」列：编号由{sources}生成{how}；"
                "下月台账中同名记录将更新同一条",
            }
        )
    return warnings


def check_references(store: RawStore, reports: list[FileReport]) -> None:
    """Unresolved references are kept, with a warning on the file that holds them."""
    for report in reports:
        if report.status != "loaded" or report.load_id is None:
            continue
        dataset = DATASETS[report.dataset]
        warnings = [
            {
                "row": row,
                "column": column,
                "value": _short(value),
                "rule": "unresolved_reference",
                "message": f"{message('unresolved_reference')}：{dataset.column(column).header_zh} → "
                f"{DATASETS[dataset.column(column).refers_to].name_zh}",
            }
            for row, column, value in store.unresolved_references(report.load_id, dataset)
        ]
        store.record_warnings(report.load_id, report.file, report.sha256, warnings)
        report.warnings += warnings


def ingest(
    paths: list[Path] | None = None,
    workspace: Workspace | None = None,
    progress: Callable[[FileReport], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    returns: Path | None = None,
    ingested_at: dt.datetime | None = None,
) -> IngestResult:
    """Ingest the files (or the inbox); with `returns`, also write a 退回修改 workbook there
    for every file with rejected rows or rejected whole (returns.py). `ingested_at`, when the
    files were handed in (UTC), is now unless given: `kpi demo` replays the district's
    history, each month's ledgers handed in early in the month after."""
    workspace = workspace or Workspace.from_env()
    files = collect_files(paths or [workspace.inbox])
    workspace.ensure()
    if on_start:
        on_start(len(files))
    run_id = uuid.uuid4().hex[:12]
    ingested_at = ingested_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    key = privacy.load_secret()
    reports: list[FileReport] = []
    order = {str(path): position for position, path in enumerate(files)}
    # GX starts importing in its worker now, while this process reads the first files.
    with worker.suite_worker() as suites, RawStore(workspace.raw_db) as store:
        batch: list[_ReadFile] = []
        # Batches sent to the worker and not yet loaded, oldest first: as many as fit in
        # BATCH_ROWS rows, so that reading never waits for GX on a run of ordinary size.
        checking: list[list[_ReadFile]] = []

        def load_oldest() -> None:
            oldest = checking.pop(0)
            for item in oldest:
                # While the worker checks: what loading needs that GX's answer does not change.
                if item.table is not None and item.hashes is None:
                    item.hashes = personal_hashes(item.dataset, item.table, key)

            def load(item: _ReadFile) -> None:
                report = load_file(
                    item, store=store, workspace=workspace, key=key, run_id=run_id,
                    ingested_at=ingested_at,
                )  # fmt: skip
                item.data, item.table, item.typed, item.hashes = b"", None, None, None
                reports.append(report)
                if progress:
                    progress(report)

            # Files GX has nothing to say about (already ingested, unreadable) at once; then
            # each dataset's files as its results come back (in the order of `suite_frames`),
            # so that only the last dataset's files are left to load after the last answer.
            # Within a dataset, files load in name order: a later file's rows replace an
            # earlier one's by key.
            for item in oldest:
                if item.typed is None:
                    load(item)
            waiting = [item for item in oldest if item.typed is not None]
            while waiting:
                dataset, failures = suites.part()
                theirs = [item for item in waiting if item.dataset.key == dataset]
                for item, found in zip(theirs, failures, strict=True):
                    item.suite_failures = found
                    load(item)
                waiting = [item for item in waiting if item.dataset.key != dataset]

        def send() -> None:
            frames = suite_frames(batch)
            if frames:  # nothing to check (files already ingested): do not wait for GX
                suites.submit(frames)
            checking.append(batch.copy())
            batch.clear()

        def rows(group: list[_ReadFile]) -> int:
            return sum(item.typed.num_rows for item in group if item.typed is not None)

        for path in reading_order(files):
            if path.is_symlink():  # never followed: refused, recorded, the others go on
                report = FileReport(
                    path.name, hashlib.sha256(f"symlink:{path}".encode()).hexdigest(),
                    _dataset_key(path), "rejected", errors=[SYMLINK_REFUSED], path=str(path),
                )  # fmt: skip
                store.record_file(
                    run_id=run_id, file_name=path.name, sha256=report.sha256,
                    dataset=DATASETS.get(report.dataset), status="rejected", rows_read=0,
                    rows=None, rejections=[], ingested_at=ingested_at, archive_path="",
                    errors=report.errors,
                )  # fmt: skip
                reports.append(report)
                if progress:
                    progress(report)
                continue
            if batch and _dataset_key(path) != batch[-1].report.dataset:
                send()  # a dataset read whole: checked while the next one is read
            data = path.read_bytes()
            sha256 = hashlib.sha256(data).hexdigest()
            if any(item.report.sha256 == sha256 for group in (*checking, batch) for item in group):
                # The same bytes twice: the first must be loaded before the second is read.
                send()
                while checking:
                    load_oldest()
            batch.append(read_file(path, data, sha256, store, key))
            if rows(batch) >= BATCH_ROWS:
                send()
            while len(checking) > 1 and sum(rows(group) for group in checking) >= BATCH_ROWS:
                load_oldest()
        send()
        while checking:
            load_oldest()
        reports.sort(key=lambda report: order[report.path])  # name order, as read
        check_references(store, reports)
    result = IngestResult(reports)
    _log(workspace, run_id, ingested_at, result)
    from chainkpi import audit

    audit.record(
        "ingest",
        workspace=workspace,
        run_id=run_id,
        files=[
            {"name": Path(f.file).name, "sha256": f.sha256, "dataset": f.dataset,
             "status": f.status, "rows_loaded": f.rows_loaded, "rows_rejected": len(f.rejected_rows)}
            for f in reports
        ],
    )  # fmt: skip
    if returns is not None:
        from chainkpi.ingest.returns import write_returns

        result.returns = write_returns(reports, returns)
    return result


def _log(workspace: Workspace, run_id: str, at: dt.datetime, result: IngestResult) -> None:
    """One JSON line per file in logs/ingest.jsonl: counts and rules, never a cell value."""
    workspace.logs.mkdir(parents=True, exist_ok=True)
    with (workspace.logs / "ingest.jsonl").open("a", encoding="utf-8") as log:
        for f in result.files:
            entry = {
                "run_id": run_id, "at": at.isoformat(), "file": f.file, "sha256": f.sha256,
                "dataset": f.dataset, "status": f.status, "rows_read": f.rows_read,
                "rows_loaded": f.rows_loaded, "errors": f.errors,
                "rejections": sorted({r["rule"] for r in f.rejected_rows}),
                "warnings": len(f.warnings),
            }  # fmt: skip
            log.write(json.dumps(entry, ensure_ascii=False) + "\n")

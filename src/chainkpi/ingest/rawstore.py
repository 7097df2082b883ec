"""The raw layer (docs/raw_layer.md): one append-only DuckDB table per dataset, plus bookkeeping.

Only `kpi ingest` writes it. Each file is loaded in one transaction together with its
bookkeeping row, so an interrupted run leaves every file either wholly loaded or not at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from pathlib import Path

import duckdb
import pyarrow as pa

from chainkpi.errors import PipelineError
from chainkpi.ingest.schema import AMOUNT, BOOL, COUNT, DATASETS, DATE, Dataset

PERSONAL_SUFFIXES = ("masked", "hash")
LINEAGE_COLUMNS = (
    ("_load_id", "INTEGER"),
    ("_source_file", "VARCHAR"),
    ("_sha256", "VARCHAR"),
    ("_row_number", "INTEGER"),
    ("_ingested_at", "TIMESTAMP"),
)
CHECKPOINT_THRESHOLD = "256MB"
_SQL_TYPES = {DATE: "DATE", AMOUNT: "DECIMAL(18,2)", COUNT: "INTEGER", BOOL: "BOOLEAN"}

BOOKKEEPING_DDL = """
create table if not exists raw.ingest_files (
    load_id integer, run_id varchar, file_name varchar, sha256 varchar, dataset varchar,
    status varchar, rows_read integer, rows_loaded integer, rows_rejected integer,
    ingested_at timestamp, archive_path varchar, errors varchar
);
create table if not exists raw.ingest_rejections (
    load_id integer, file_name varchar, sha256 varchar, row_number integer,
    column_name varchar, value varchar, rule varchar, message varchar
);
create table if not exists raw.ingest_warnings (
    load_id integer, file_name varchar, sha256 varchar, row_number integer,
    column_name varchar, value varchar, rule varchar, message varchar
);
-- Added with real-shaped ledgers (real_ledgers.md): a raw layer made before gains them.
alter table raw.ingest_files add column if not exists interpretation varchar;
alter table raw.ingest_files add column if not exists period varchar;
alter table raw.ingest_rejections add column if not exists sheet varchar;
alter table raw.ingest_warnings add column if not exists sheet varchar;
"""


def stored_columns(dataset: Dataset) -> list[tuple[str, str]]:
    """(name, SQL type) of the dataset's raw table, personal columns replaced by masked + hash."""
    columns: list[tuple[str, str]] = []
    for column in dataset.columns:
        if column.personal:
            columns += [(f"{column.key}_{suffix}", "VARCHAR") for suffix in PERSONAL_SUFFIXES]
        else:
            columns.append((column.key, _SQL_TYPES.get(column.type, "VARCHAR")))
    return columns + list(LINEAGE_COLUMNS)


def dataset_ddl(dataset: Dataset) -> str:
    body = ",\n    ".join(f"{name} {sql_type}" for name, sql_type in stored_columns(dataset))
    return f"create table if not exists raw.{dataset.key} (\n    {body}\n);"


class RawStore:
    """An open, writable connection to raw.duckdb with the schema in place."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(path))
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise PipelineError(
                    f"原始数据库正被另一个进程使用（另一个 kpi ingest 或 kpi build 正在运行？）: {path}"
                ) from None
            raise
        # DuckDB checkpoints (rewrites the appended data compressed into the file) whenever
        # the log passes 16 MB: on a large ingest several times, each redoing the last.
        # One checkpoint at the end (or the next time the raw layer opens) is the same file.
        self._run(f"set checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
        self._run("create schema if not exists raw")
        for dataset in DATASETS.values():
            self._run(dataset_ddl(dataset))
        self._run(BOOKKEEPING_DDL)
        self._seen: dict[str, str] | None = None

    def _run(self, sql: str, params: list | dict | None = None) -> list[tuple]:
        """Execute and drain: DuckDB refuses new work while a result is still pending."""
        return self.con.execute(sql, params or []).fetchall()

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> RawStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def seen(self, sha256: str) -> str | None:
        """The status a file with these bytes had the last time ('loaded', 'rejected') or None
        (every file's status read once, then kept up to date as files are recorded: a run
        of hundreds of monthly ledgers asked once per file)."""
        if self._seen is None:
            self._seen = {}
            for digest, status in self._run(
                "select sha256, status from raw.ingest_files order by load_id"
            ):
                self._note_seen(digest, status)
        return self._seen.get(sha256)

    def _note_seen(self, sha256: str, status: str) -> None:
        if self._seen is not None and self._seen.get(sha256) != "loaded":
            self._seen[sha256] = status

    def record_file(
        self,
        *,
        run_id: str,
        file_name: str,
        sha256: str,
        dataset: Dataset | None,
        status: str,
        rows_read: int,
        rows: pa.Table | None,
        rejections: list[dict],
        ingested_at: dt.datetime,
        archive_path: str,
        errors: list[str],
        interpretation: dict | None = None,
        period: str | None = None,
    ) -> int:
        """Load one file's accepted rows and its bookkeeping in one transaction; its load_id."""
        con = self.con
        self._run("begin transaction")
        try:
            load_id = self._run("select coalesce(max(load_id), 0) + 1 from raw.ingest_files")[0][0]
            rows_loaded = 0
            if rows is not None and dataset is not None and rows.num_rows:
                self._append_rows(dataset, rows, load_id, file_name, sha256, ingested_at)
                rows_loaded = rows.num_rows
            self._run(
                "insert into raw.ingest_files (load_id, run_id, file_name, sha256, dataset, "
                "status, rows_read, rows_loaded, rows_rejected, ingested_at, archive_path, "
                "errors, interpretation, period) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    load_id,
                    run_id,
                    file_name,
                    sha256,
                    dataset.key if dataset else None,
                    status,
                    rows_read,
                    rows_loaded,
                    len({(r.get("sheet"), r["row"]) for r in rejections}),
                    ingested_at,
                    archive_path,
                    json.dumps(errors, ensure_ascii=False),
                    json.dumps(interpretation, ensure_ascii=False) if interpretation else None,
                    period,
                ],
            )
            if rejections:
                con.executemany(
                    "insert into raw.ingest_rejections (load_id, file_name, sha256, row_number, "
                    "column_name, value, rule, message, sheet) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        [
                            load_id,
                            file_name,
                            sha256,
                            r["row"],
                            r["column"],
                            r["value"],
                            r["rule"],
                            r["message"],
                            r.get("sheet"),
                        ]
                        for r in rejections
                    ],
                )
            self._run("commit")
            self._note_seen(sha256, status)
        except BaseException as exc:
            # A failed commit (a full disk) may already have ended the transaction.
            with contextlib.suppress(duckdb.Error):
                self._run("rollback")
            if isinstance(exc, duckdb.Error):
                raise PipelineError(
                    f"写入原始数据层失败，本文件未导入，可在问题解决后重新运行 kpi ingest "
                    f"(could not write the raw layer; nothing of this file was loaded): "
                    f"{str(exc).splitlines()[0]}"
                ) from exc
            raise
        return load_id

    def _append_rows(
        self,
        dataset: Dataset,
        rows: pa.Table,
        load_id: int,
        file_name: str,
        sha256: str,
        ingested_at: dt.datetime,
    ) -> None:
        """Insert the rows (Arrow, scanned by DuckDB in place) with the load's lineage."""
        lineage = {
            "_load_id": load_id,
            "_source_file": file_name,
            "_sha256": sha256,
            "_ingested_at": ingested_at,
        }
        select = ", ".join(
            f"cast(${name} as {sql_type})"
            if name in lineage
            else f"cast(incoming.{name} as {sql_type})"
            for name, sql_type in stored_columns(dataset)
        )
        self.con.register("incoming", rows)
        try:
            self._run(f"insert into raw.{dataset.key} select {select} from incoming", lineage)
        finally:
            self.con.unregister("incoming")

    def unresolved_references(self, load_id: int, dataset: Dataset) -> list[tuple[int, str, str]]:
        """(row, column, value) of references in this load that point at no known key."""
        found: list[tuple[int, str, str]] = []
        for column in dataset.columns:
            if not column.refers_to:
                continue
            target = DATASETS[column.refers_to]
            rows = self._run(
                f"""
                select r._row_number, r.{column.key}
                from raw.{dataset.key} as r
                where r._load_id = ? and r.{column.key} is not null
                  and r.{column.key} not in (
                      select t.{target.id_column} from raw.{target.key} as t
                      where t.{target.id_column} is not null
                  )
                order by r._row_number
                """,
                [load_id],
            )
            found += [(row, column.key, value) for row, value in rows]
        return sorted(found)

    def record_warnings(
        self, load_id: int, file_name: str, sha256: str, warnings: list[dict]
    ) -> None:
        if warnings:
            self.con.executemany(
                "insert into raw.ingest_warnings (load_id, file_name, sha256, row_number, "
                "column_name, value, rule, message, sheet) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    [
                        load_id,
                        file_name,
                        sha256,
                        w["row"],
                        w["column"],
                        w["value"],
                        w["rule"],
                        w["message"],
                        w.get("sheet"),
                    ]
                    for w in warnings
                ],
            )

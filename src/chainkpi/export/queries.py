"""Read-only SQL against the published warehouse, for the quarterly export.

Each public function attaches the published file read-only to an in-memory DuckDB, runs
parameterised queries and closes it. `read_export` reads everything one export needs through
a single attachment, so that the CSV and every sheet of the workbook come from the same build
even if `kpi build` publishes a new warehouse meanwhile; the long listings (projects, open
gaps) it copies into the in-memory database, where the workbook builds their sheets in SQL
(see xlsx_listing) after the warehouse is detached.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from chainkpi.errors import PipelineError, UserError

Row = dict[str, object]

# The marts the export reads: a published warehouse without one of them is not one we can use.
REQUIRED_TABLES = (
    ("meta", "build_info"),
    ("main", "fct_kpi_progress"),
    ("main", "dim_chains"),
    ("main", "dim_kpis"),
    ("main", "dim_chain_gap_coverage"),
    ("main", "dim_project_pipeline"),
    ("main", "fct_ingest_files"),
    ("main", "fct_ingest_rejections"),
)

_RUN_BUILD = "请先运行 kpi build"


@contextmanager
def connect(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB with the published warehouse attached read-only (as `warehouse`,
    the default database); a missing, empty or broken warehouse is a UserError."""
    if not path.is_file() or path.stat().st_size == 0:
        raise UserError(
            f"还没有发布的数据仓库，{_RUN_BUILD} (no published warehouse at {path}: run kpi build)"
        )
    con = duckdb.connect()
    try:
        try:
            con.execute("attach ? as warehouse (read_only)", [str(path)])
            con.execute("use warehouse")
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise PipelineError(
                    f"数据仓库正被占用，请稍后再试 (warehouse is locked): {path}"
                ) from None
            raise _unreadable(path) from None
        except duckdb.Error:
            raise _unreadable(path) from None
        present = set(
            con.execute(
                """select table_schema, table_name from information_schema.tables
                   where table_catalog = 'warehouse'"""
            ).fetchall()
        )
        missing = [f"{s}.{t}" for s, t in REQUIRED_TABLES if (s, t) not in present]
        if missing:
            raise UserError(
                f"数据仓库不完整（缺少 {', '.join(missing)}），{_RUN_BUILD} "
                f"(the published warehouse at {path} is incomplete: run kpi build)"
            )
        if con.execute("select count(*) from meta.build_info").fetchall()[0][0] != 1:
            raise _unreadable(path)
        yield con
    finally:
        con.close()


def _unreadable(path: Path) -> UserError:
    return UserError(
        f"数据仓库无法读取或已损坏，{_RUN_BUILD} "
        f"(the published warehouse at {path} is unreadable or corrupt: run kpi build)"
    )


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[Row]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


@dataclass(frozen=True)
class BuildInfo:
    built_at: dt.datetime
    as_of_date: dt.date
    fingerprint: str
    chainkpi_version: str


def _build_info(con: duckdb.DuckDBPyConnection) -> BuildInfo:
    row = _rows(
        con, "select built_at, as_of_date, fingerprint, chainkpi_version from meta.build_info"
    )[0]
    return BuildInfo(**row)


def _quarters(con: duckdb.DuckDBPyConnection) -> list[tuple[int, int]]:
    return [
        (int(y), int(q))
        for y, q in con.execute(
            "select distinct year, quarter from main.fct_kpi_progress order by year, quarter"
        ).fetchall()
    ]


def quarters_and_build_info(path: Path) -> tuple[list[tuple[int, int]], BuildInfo]:
    """The (year, quarter) pairs fct_kpi_progress holds, oldest first, and the build's info."""
    with connect(path) as con:
        return _quarters(con), _build_info(con)


@dataclass(frozen=True)
class Listing:
    """A long listing copied into the export's in-memory DuckDB, with `listing_row`, each
    row's place in it: its rows in Python, or its table for SQL through `con`."""

    con: duckdb.DuckDBPyConnection
    table: str
    count: int

    def __len__(self) -> int:
        return self.count

    def rows(self) -> list[Row]:
        return _rows(
            self.con, f"select * exclude (listing_row) from {self.table} order by listing_row"
        )


def _copy_listing(con: duckdb.DuckDBPyConnection, table: str, sql: str, params: list) -> Listing:
    """The query's rows as a table of the in-memory database (which outlives the attachment)."""
    con.execute(f"create table memory.main.{table} as {sql}", params)
    (count,) = con.execute(f"select count(*) from memory.main.{table}").fetchall()[0]
    return Listing(con, f"memory.main.{table}", count)


@dataclass(frozen=True)
class ExportData:
    """Everything one export shows, read from one build of the warehouse."""

    build: BuildInfo
    chains: list[Row]  # dim_chains rows in display order, limited to the export's chains
    progress: list[Row]  # fct_kpi_progress for the quarter, chain then KPI order
    open_gaps: Listing
    pipeline: list[Row]  # chain × stage counts and planned investment
    projects: Listing
    # The district-wide data-quality listings; None in a chain's export, which names no
    # ledger file: a file is not one chain's, and rejected rows are the analysts'.
    files: list[Row] | None
    rejections: list[Row] | None  # per file and rule: count and row numbers
    # 报送情况 (handing_in.md): the export's chains × datasets for the quarter's months
    # (monthly ledgers) and the quarter (quarterly ones).
    submissions: list[Row] = field(default_factory=list)
    scheduled_datasets: list[str] = field(default_factory=list)  # the grid's columns


@contextmanager
def read_export(
    path: Path, year: int, quarter: int, chain_codes: list[str], *, quality: bool = True
) -> Iterator[ExportData]:
    """The export's data for (year, quarter) and the chain codes given (ALL among them or not),
    for the `with` block: the long listings live in its in-memory database. `quality`: read the
    district-wide data-quality listings (files, rejected rows); a chain's export does not.

    Raises UserError when the quarter has no rows, naming the quarters that have."""
    with connect(path) as con:
        info = _build_info(con)
        chains = _rows(
            con,
            """select chain_code, name_zh, name_en, sort_order, is_district_total
               from main.dim_chains where list_contains(?, chain_code) order by sort_order""",
            [chain_codes],
        )
        progress = _rows(
            con,
            """select progress.*, kpis.is_count, chains.name_zh as chain_name_zh,
                      chains.name_en as chain_name_en
               from main.fct_kpi_progress as progress
               inner join main.dim_kpis as kpis on progress.kpi_code = kpis.kpi_code
               inner join main.dim_chains as chains on progress.chain_code = chains.chain_code
               where progress.year = ? and progress.quarter = ?
                 and list_contains(?, progress.chain_code)
               order by chains.sort_order, kpis.sort_order""",
            [year, quarter, chain_codes],
        )
        if not progress:
            available = _quarters(con)
            have = "、".join(f"{y}Q{q}" for y, q in available) or "（无）"
            raise UserError(
                f"{year}年第{quarter}季度没有数据；有数据的季度: {have} "
                f"({year}Q{quarter} has no data; quarters with data: "
                f"{', '.join(f'{y}Q{q}' for y, q in available) or 'none'})"
            )
        open_gaps = _copy_listing(
            con,
            "open_gaps",
            """select gaps.gap_id, gaps.chain_code, gaps.segment, gaps.link_name, gaps.priority,
                      gaps.identified_date, gaps.status, gaps.days_open, gaps.project_count,
                      gaps.project_ids, gaps.planned_investment_wan, gaps.lead_count,
                      gaps.lead_ids, gaps.is_uncovered,
                      row_number() over (
                          order by chains.sort_order,
                                   case gaps.priority when 'high' then 1 when 'medium' then 2
                                        when 'low' then 3 else 4 end,
                                   gaps.identified_date, gaps.gap_id
                      ) as listing_row
               from main.dim_chain_gap_coverage as gaps
               inner join main.dim_chains as chains on gaps.chain_code = chains.chain_code
               where gaps.is_open and list_contains(?, gaps.chain_code)""",
            [chain_codes],
        )
        pipeline = _rows(
            con,
            """select projects.chain_code, projects.stage,
                      count(*) as project_count,
                      sum(projects.planned_investment_wan) as planned_investment_wan
               from main.dim_project_pipeline as projects
               where list_contains(?, projects.chain_code)
               group by projects.chain_code, projects.stage""",
            [chain_codes],
        )
        projects = _copy_listing(
            con,
            "projects",
            """select projects.project_id, projects.project_name, projects.chain_code,
                      projects.project_type, projects.segment, projects.investor,
                      projects.stage, projects.stage_sort_order,
                      projects.planned_investment_wan, projects.capital_in_place_wan,
                      projects.signed_date, projects.started_date, projects.producing_date,
                      projects.gap_id, projects.days_in_stage, projects.is_stuck_over_90_days,
                      row_number() over (
                          order by chains.sort_order, projects.stage_sort_order,
                                   projects.project_id
                      ) as listing_row
               from main.dim_project_pipeline as projects
               inner join main.dim_chains as chains on projects.chain_code = chains.chain_code
               where list_contains(?, projects.chain_code)""",
            [chain_codes],
        )
        files = rejections = None
        if quality:
            files = _rows(
                con,
                """select load_id, file_name, dataset, ingested_at, load_status, rows_read,
                          rows_loaded, rows_rejected, warning_count
                   from main.fct_ingest_files order by load_id""",
            )
            rejections = _rows(
                con,
                """select load_id, file_name, dataset, column_name, rule_name,
                          count(*) as row_count,
                          list(sheet_row_number order by sheet_row_number) as row_numbers
                   from main.fct_ingest_rejections
                   group by load_id, file_name, dataset, column_name, rule_name
                   order by load_id, min(sheet_row_number), column_name, rule_name""",
            )
        months = [f"{year}-{month:02d}" for month in range(3 * quarter - 2, 3 * quarter + 1)]
        submissions = _rows(
            con,
            """select submissions.chain_code, submissions.dataset, submissions.frequency,
                      submissions.period, submissions.due_date, submissions.submission_status,
                      submissions.days_late
               from main.fct_submission_status as submissions
               where list_contains(?, submissions.chain_code)
                 and list_contains(?, submissions.period)
               order by submissions.chain_sort_order, submissions.period_start_date,
                        submissions.frequency, submissions.dataset""",
            [chain_codes, [*months, f"{year}Q{quarter}"]],
        )
        scheduled = [
            row["dataset"]
            for row in _rows(
                con,
                """select schedule.dataset
                   from main.reporting_schedule as schedule
                   where list_contains(?, schedule.chain_code)
                   group by schedule.dataset
                   order by min(schedule.frequency), schedule.dataset""",
                [chain_codes],
            )
        ]
        # Done with the warehouse: let go of the file while the workbook is written.
        con.execute("use memory")
        con.execute("detach warehouse")
        yield ExportData(
            info, chains, progress, open_gaps, pipeline, projects, files, rejections,
            submissions, scheduled,
        )  # fmt: skip

"""Ages that mean something, on the demo (dashboard.md): the demo's ledgers ingested month by
month, as `kpi demo` does, give stage ages counted from the ledgers' periods, stuck
projects, lower bounds where the first ledger already showed a stage, and leads followed up
by their status changes; one ingest of the whole folder (the benchmark's way) gives the
same warehouse.

Real files, the real ingest and a real dbt build.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from chainkpi.demo import by_period, generate_detailed
from chainkpi.ingest.pipeline import ingest
from chainkpi.publish import build
from chainkpi.settings import Workspace
from tests.conftest import workspace_env

AS_OF = dt.date(2026, 11, 25)


def _rows(workspace: Workspace, sql: str) -> list[tuple]:
    con = duckdb.connect(str(workspace.published_db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory):
    """The demo as of AS_OF, ingested month by month into one workspace and in one run into
    another, each built as of AS_OF."""
    folder = tmp_path_factory.mktemp("ledgers")
    result = generate_detailed(folder, as_of=AS_OF)
    months = by_period(result.files)
    with workspace_env(tmp_path_factory.mktemp("monthly")) as monthly:
        for _, paths in months:
            assert ingest(paths, monthly).exit_code == 0
        assert build(monthly, as_of=AS_OF).published
    with workspace_env(tmp_path_factory.mktemp("at_once")) as at_once:
        assert ingest([folder], at_once).exit_code == 0
        assert build(at_once, as_of=AS_OF).published
    return monthly, at_once, len(months)


def test_the_history_comes_month_by_month_and_every_reference_resolves_on_the_way(warehouses):
    monthly, _, months = warehouses
    (runs,) = _rows(monthly, "select count(distinct run_id) from main.fct_ingest_files")[0]
    assert runs == months >= 34
    unresolved = _rows(
        monthly,
        "select cell_value from main.fct_ingest_warnings "
        "where rule_name = 'unresolved_reference' order by 1",
    )
    assert unresolved == [("GW-SEMI-2023-044",), ("QK-NE-2023-017",)]
    # Every project ledger names its month: its period, and its rows describe its last day.
    periods = _rows(
        monthly,
        "select count(*), count(period), min(period), max(period) from main.fct_ingest_files "
        "where dataset = 'projects'",
    )
    assert periods == [(periods[0][0], periods[0][0], "2023-01", "2026-11")]


def test_stage_ages_count_from_the_ledger_period_and_projects_are_stuck(warehouses):
    monthly, _, _ = warehouses
    (projects, from_periods, stuck, ages, lower) = _rows(
        monthly,
        """select count(*),
                  count(*) filter (where stage_entered_date_source = 'ledger_period'),
                  count(*) filter (where is_stuck_over_90_days),
                  count(distinct days_in_stage)
                      filter (where stage in ('reserve', 'negotiating')),
                  count(*) filter (where days_in_stage_is_lower_bound)
           from main.dim_project_pipeline""",
    )[0]
    assert projects > 250 and from_periods > 100
    assert stuck >= 20, "projects that stay in a stage are stuck, as they would be"
    assert ages >= 20, "ages differ: not all counted from one ingest day"
    assert lower >= 1
    # A stage counted from a ledger period enters on that month's last day; a lower bound is
    # a stage the chain's first ledger (January 2023) already showed.
    wrong = _rows(
        monthly,
        """select project_id, stage_entered_period, stage_entered_date,
                  days_in_stage_is_lower_bound
           from main.dim_project_pipeline
           where stage_entered_date_source = 'ledger_period'
             and (stage_entered_date <> last_day(strptime(stage_entered_period, '%Y-%m'))
                  or days_in_stage <> date_diff('day', stage_entered_date, as_of_date)
                  or days_in_stage_is_lower_bound <> (stage_entered_period = '2023-01'))""",
    )
    assert wrong == []


def test_stale_leads_count_from_their_last_follow_up(warehouses):
    monthly, _, _ = warehouses
    (open_leads, followed_up, stale, recent) = _rows(
        monthly,
        """select count(*) filter (where is_open),
                  count(*) filter (where is_open and last_follow_up_source = 'status_change'),
                  count(*) filter (where is_stale),
                  count(*) filter (where is_open and not is_stale
                                   and days_since_first_contact >= 30)
           from main.dim_leads""",
    )[0]
    assert open_leads > 100 and followed_up > 50
    assert 0 < stale < open_leads
    assert recent >= 1, "first contacted long ago, followed up lately: not stale"


def test_one_ingest_of_the_whole_folder_gives_the_same_warehouse(warehouses):
    """The benchmark ingests every month's files in one run, in name order: later months
    replace earlier ones by key, and the ages, follow-ups and KPIs come out the same."""
    monthly, at_once, _ = warehouses
    for table, exclude in (
        ("dim_project_pipeline", "_load_id, _ingested_at"),
        ("dim_leads", "_load_id, _ingested_at"),
        ("dim_chain_gap_coverage", "_load_id, _ingested_at"),
        ("fct_kpi_progress", ""),
    ):
        query = (
            f"select * {f'exclude ({exclude})' if exclude else ''} from main.{table} order by all"
        )
        assert _rows(monthly, query) == _rows(at_once, query), table

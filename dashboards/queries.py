"""Every read the dashboard makes: SQL against the published warehouse's marts, read-only.

Design:

- The warehouse's *version* is the published file's inode, mtime and size (one `stat`, no open).
  `kpi build` publishes by an atomic rename, so every build gives a new version.
- `_fetch(path, version, sql, params)` is the one cached function (`st.cache_data`, TTL 1 h):
  the version is part of its key, so a new build is read at the next rerun and the old entries
  age out. The SQL strings are constants of this module; user choices only ever travel as
  `?` parameters.
- Each query opens `duckdb.connect(path, read_only=True)` and closes it: no connection is kept
  or cached, so a reader never holds the file that a build replaces, and never blocks it.
- Marts only (schema `main`, the code-list seeds, and `meta.*` written by `kpi build`); no dbt,
  no Great Expectations.
- Access by role is enforced here, where the data is read, and is on by default: for a chain
  office every query is wrapped in a filter on its chains (its own chain and the district
  aggregate `ALL`, nothing of its neighbours), so its rows must carry a `chain_code`. A query
  that reads district-wide data (the quarters, the code lists, the file log) says so with
  `district_wide=True`; one that neither has a `chain_code` nor says so is refused
  (NotAllowed), never shown whole. Rejected rows go to analysts only, and the role is part of
  every cache key, so one user never receives another's cached rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from chainkpi.settings import Workspace
from dashboards.signin import current_scope

CACHE_TTL = "1h"


class WarehouseError(Exception):
    """The published warehouse is missing, corrupt, or lacks a mart the page needs."""

    def __init__(self, kind: str, path: Path, detail: str = ""):
        super().__init__(f"{kind}: {path}: {detail}")
        self.kind = kind  # "missing" or "corrupt"
        self.path = path
        self.detail = detail


@dataclass(frozen=True)
class WarehouseInfo:
    path: Path
    version: str
    built_at: object
    as_of_date: object
    fingerprint: str


class NotAllowed(Exception):
    """The signed-in user's role may not read this."""


def published_path() -> Path:
    return Workspace.from_env().published_db


def warehouse_version(path: Path) -> str | None:
    """Inode, mtime and size of the published file: changes with every publish."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return f"{stat.st_ino}-{stat.st_mtime_ns}-{stat.st_size}"


def _connect(path: str) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(path, read_only=True)
    except duckdb.Error as exc:
        if not Path(path).exists():
            raise WarehouseError("missing", Path(path)) from None
        raise WarehouseError("corrupt", Path(path), str(exc).splitlines()[0]) from None


_SCOPED = (
    "select * from (\n{sql}\n) as scoped\nwhere list_contains(?::varchar[], scoped.chain_code)"
)


@st.cache_data(ttl=CACHE_TTL, max_entries=512, show_spinner=False)
def _fetch(path: str, version: str, sql: str, params: tuple, role: str) -> pd.DataFrame:
    # `role` is not used in the body: it is in the cache key, so results are kept per role.
    con = _connect(path)
    try:
        return con.execute(sql, list(params)).df()
    except duckdb.BinderException as exc:
        if sql.endswith("scoped.chain_code)") and "chain_code" in str(exc):
            raise NotAllowed("a query without chain_code, not declared district-wide") from None
        raise WarehouseError("corrupt", Path(path), str(exc).splitlines()[0]) from None
    except duckdb.Error as exc:
        raise WarehouseError("corrupt", Path(path), str(exc).splitlines()[0]) from None
    finally:
        con.close()


def fetch(sql: str, params: tuple = (), *, district_wide: bool = False) -> pd.DataFrame:
    """Run one of this module's SQL constants with `params` against the published warehouse.

    Scoped by default: for a chain office only the rows of its own chain and of the district
    aggregate (`chain_code`), and NotAllowed for a query whose rows have no `chain_code`.
    District and analyst roles read every row, unassigned ones too. `district_wide=True`
    declares that the query reads data every role may see whole (no `chain_code` filter).
    """
    scope = current_scope()
    if not scope.reads_data:  # admin, auditor: separated duties read no data at all
        raise NotAllowed(f"role {scope.role} reads no data")
    path = published_path()
    version = warehouse_version(path)
    if version is None:
        raise WarehouseError("missing", path)
    if scope.chain and not district_wide:
        sql = _SCOPED.format(sql=sql)
        params = (*params, list(scope.chains))
    return _fetch(str(path), version, sql, tuple(params), scope.role)


def warehouse_info() -> WarehouseInfo:
    """What is published, or WarehouseError('missing' | 'corrupt')."""
    path = published_path()
    version = warehouse_version(path)
    if version is None:
        raise WarehouseError("missing", path)
    row = _fetch(
        str(path),
        version,
        "select built_at, as_of_date, fingerprint from meta.build_info limit 1",
        (),
        "any",
    )
    if row.empty:
        raise WarehouseError("corrupt", path, "meta.build_info is empty")
    first = row.iloc[0]
    return WarehouseInfo(path, version, first.built_at, first.as_of_date, first.fingerprint)


# --- KPI marts ------------------------------------------------------------------------------

# Each quarter with its state (finished / running / future: the running one paces by the
# calendar) and the warehouse's as-of date.
_KPI_PERIODS = """
select year, quarter, min(period_state) as period_state, max(as_of_date) as as_of_date
from main.fct_kpi_progress
group by year, quarter
order by year, quarter
"""

_KPI_PROGRESS = """
select
    p.year, p.quarter, p.chain_code, c.name_zh as chain_name_zh, c.name_en as chain_name_en,
    p.kpi_code, p.kpi_name_zh, p.kpi_name_en, p.unit, k.area, k.is_count, k.description_zh,
    p.quarter_actual, p.ytd_actual, p.annual_target, p.expected_to_date, p.pct_of_target,
    p.status, p.projected_year_end, p.is_example_target, p.chain_sort_order, p.kpi_sort_order,
    p.is_year_over, p.probability_to_meet, p.remaining_to_target, p.needed_per_month,
    p.leads_needed, p.forecast_model, s.verdict as forecast_verdict
from main.fct_kpi_progress as p
join main.dim_kpis as k on k.kpi_code = p.kpi_code
join main.dim_chains as c on c.chain_code = p.chain_code
left join main.fct_forecast_skill as s on s.kpi_code = p.kpi_code
where p.year = ? and p.quarter = ?
order by p.chain_sort_order, p.kpi_sort_order
"""

_KPI_PROGRESS_YEAR = """
select
    p.year, p.quarter, p.chain_code, p.kpi_code, p.kpi_name_zh, p.kpi_name_en, p.unit,
    k.is_count, p.quarter_actual, p.ytd_actual, p.annual_target, p.expected_to_date,
    p.pct_of_target, p.status, p.projected_year_end, p.kpi_sort_order
from main.fct_kpi_progress as p
join main.dim_kpis as k on k.kpi_code = p.kpi_code
where p.year = ? and p.chain_code = ?
order by p.kpi_sort_order, p.quarter
"""

_KPI_MONTHLY = """
select year, month, chain_code, kpi_code, kpi_name_zh, unit, month_actual, ytd_actual,
    annual_target, expected_to_date
from main.fct_kpi_monthly
where year = ? and chain_code = ? and kpi_code = ?
order by month
"""

_CHAINS = "select chain_code, name_zh, name_en, sort_order from main.dim_chains order by sort_order"


def kpi_periods() -> pd.DataFrame:
    return fetch(_KPI_PERIODS, district_wide=True)


def kpi_progress(year: int, quarter: int) -> pd.DataFrame:
    """Every chain × KPI for one quarter, with the KPI's area and the chain's names."""
    return fetch(_KPI_PROGRESS, (int(year), int(quarter)))


def kpi_progress_year(year: int, chain_code: str) -> pd.DataFrame:
    """One chain's KPIs quarter by quarter in one year."""
    return fetch(_KPI_PROGRESS_YEAR, (int(year), str(chain_code)))


def kpi_monthly(year: int, chain_code: str, kpi_code: str) -> pd.DataFrame:
    return fetch(_KPI_MONTHLY, (int(year), str(chain_code), str(kpi_code)))


def chains() -> pd.DataFrame:
    """ALL first, then the four chains."""
    return fetch(_CHAINS)


_SUBMISSIONS = """
select
    chain_code,
    dataset,
    frequency,
    period,
    period_start_date,
    due_date,
    handed_in_at,
    submission_status,
    days_late,
    chain_sort_order
from main.fct_submission_status
order by period_start_date, chain_sort_order, dataset
"""


def submission_status() -> pd.DataFrame:
    """报送情况: every chain × dataset × period of the reporting schedule (a chain office: its
    own chain's rows)."""
    return fetch(_SUBMISSIONS)


# --- Investment marts -----------------------------------------------------------------------

_PROJECTS = """
select
    p.project_id, p.project_name, p.chain_code, p.chain_name_zh, p.project_type,
    p.project_type_label_zh, p.segment, p.gap_id, p.lead_id, p.investor, p.origin,
    p.planned_investment_wan, p.capital_in_place_wan, p.is_major, p.is_head_enterprise,
    p.stage, p.stage_label_zh, p.stage_sort_order, p.is_active, p.stage_entered_date,
    p.signed_date, p.started_date, p.producing_date, p.negotiating_date, p.dropped_date,
    p.days_in_stage, p.days_in_stage_is_lower_bound, p.is_stuck_over_60_days,
    p.is_stuck_over_90_days
from main.dim_project_pipeline as p
order by p.chain_code, p.stage_sort_order, p.project_id
"""

_PROJECTS_OF_CHAIN = _PROJECTS.replace(
    "order by p.chain_code", "where p.chain_code = ?\norder by p.chain_code"
)

_GAPS_OF_CHAIN = """
select
    g.gap_id, g.chain_code, g.segment, s.label_zh as segment_label_zh, s.sort_order as segment_order,
    g.link_name, g.priority, pr.label_zh as priority_label_zh, g.identified_date, g.status,
    gs.label_zh as status_label_zh, gs.sort_order as status_order, g.closed_date, g.is_open,
    g.project_count, g.project_ids, g.planned_investment_wan, g.lead_count, g.lead_ids,
    g.is_uncovered, g.days_open
from main.dim_chain_gap_coverage as g
left join main.segments as s on s.code = g.segment
left join main.gap_statuses as gs on gs.code = g.status
left join main.gap_priorities as pr on pr.code = g.priority
where g.chain_code = ?
order by gs.sort_order, s.sort_order, g.gap_id
"""

_CODE_LIST = {
    "project_stages": "select code, label_zh, sort_order from main.project_stages order by sort_order",
    "project_types": "select code, label_zh, sort_order from main.project_types order by sort_order",
    "segments": "select code, label_zh, sort_order from main.segments order by sort_order",
    "gap_statuses": "select code, label_zh, sort_order from main.gap_statuses order by sort_order",
    "lead_channels": "select code, label_zh, sort_order from main.lead_channels order by sort_order",
    "degrees": "select code, label_zh, sort_order from main.degrees order by sort_order",
    "talent_levels": "select code, label_zh, sort_order from main.talent_levels order by sort_order",
    "hire_channels": "select code, label_zh, sort_order from main.hire_channels order by sort_order",
}

_LEAD_YEARS = "select distinct year from main.fct_lead_funnel order by year"

_LEAD_FUNNEL = """
select
    f.year, f.channel_code, ch.label_zh as channel_label_zh, ch.sort_order as channel_order,
    f.chain_code, c.name_zh as chain_name_zh, c.name_en as chain_name_en,
    c.sort_order as chain_order, f.lead_count, f.visited_count, f.converted_count,
    f.conversion_rate, f.median_days_to_conversion
from main.fct_lead_funnel as f
left join main.lead_channels as ch on ch.code = f.channel_code
left join main.dim_chains as c on c.chain_code = f.chain_code
where f.year = ?
order by chain_order, channel_order
"""

_STALE_LEADS = """
select
    lead_id, company, chain_code, chain_name_zh, channel, channel_label_zh, source_city,
    first_contact_date, status, status_label_zh, days_since_first_contact,
    last_follow_up_date, days_since_follow_up, expected_investment_wan
from main.dim_leads
where is_stale
order by days_since_follow_up desc, lead_id
"""


def projects(chain_code: str | None = None) -> pd.DataFrame:
    if chain_code is None:
        return fetch(_PROJECTS)
    return fetch(_PROJECTS_OF_CHAIN, (str(chain_code),))


def gaps(chain_code: str) -> pd.DataFrame:
    return fetch(_GAPS_OF_CHAIN, (str(chain_code),))


def code_list(name: str) -> pd.DataFrame:
    """A code-list seed (code, label_zh, sort_order) by its table name."""
    return fetch(_CODE_LIST[name], district_wide=True)


def lead_years() -> list[int]:
    return [int(y) for y in fetch(_LEAD_YEARS, district_wide=True)["year"]]


def lead_funnel(year: int) -> pd.DataFrame:
    return fetch(_LEAD_FUNNEL, (int(year),))


def stale_leads() -> pd.DataFrame:
    return fetch(_STALE_LEADS)


_CONVERTED_LEADS = """
select lead_id, chain_code, first_contact_date, first_contact_year, converted_date
from main.dim_leads
where converted_date is not null
order by converted_date, lead_id
"""


def converted_leads() -> pd.DataFrame:
    """Every converted lead with its first-contact and conversion dates: the leads page says how
    many of a year's conversions were first contacted that year."""
    return fetch(_CONVERTED_LEADS)


# --- Talent marts ---------------------------------------------------------------------------

_HIRE_YEARS = "select distinct year from main.fct_talent_hires_summary order by year"

_HIRES = """
select
    h.year, h.quarter, h.chain_code, c.name_zh as chain_name_zh, c.name_en as chain_name_en,
    c.sort_order as chain_order, h.degree, h.degree_label_zh, d.sort_order as degree_order,
    h.talent_level, h.talent_level_label_zh, l.sort_order as level_order, h.hire_channel,
    h.hire_channel_label_zh, coalesce(hc.sort_order, 99) as channel_order, h.hire_count,
    h.phd_or_above_count, h.returnee_count, h.catalogue_hire_count
from main.fct_talent_hires_summary as h
left join main.dim_chains as c on c.chain_code = h.chain_code
left join main.degrees as d on d.code = h.degree
left join main.talent_levels as l on l.code = h.talent_level
left join main.hire_channels as hc on hc.code = h.hire_channel
where h.year = ?
order by h.quarter, chain_order
"""

_CATALOGUE = """
select
    f.position_id, f.chain_code, f.chain_name_zh, c.name_en as chain_name_en,
    c.sort_order as chain_order, f.employer, f.position_title, f.discipline, f.min_degree,
    d.label_zh as min_degree_label_zh, f.headcount, f.published_date, f.hire_count,
    f.open_headcount, f.fill_rate, f.is_filled
from main.dim_catalogue_fill as f
left join main.dim_chains as c on c.chain_code = f.chain_code
left join main.degrees as d on d.code = f.min_degree
order by chain_order, f.position_id
"""


def hire_years() -> list[int]:
    return [int(y) for y in fetch(_HIRE_YEARS, district_wide=True)["year"]]


def hires(year: int) -> pd.DataFrame:
    return fetch(_HIRES, (int(year),))


def catalogue_fill() -> pd.DataFrame:
    return fetch(_CATALOGUE)


# --- Party building and service (party_service_funds.md) ---------------------------------

PARTY_KPIS = ("committee_meetings", "party_trainings")

_PARTY_PROGRESS = """
select
    p.year, p.quarter, p.chain_code, p.kpi_code, p.quarter_actual, p.ytd_actual,
    p.annual_target, p.quarter_target, p.target_period, p.status, p.period_state,
    p.is_year_over, p.year_result, p.as_of_date, p.chain_sort_order
from main.fct_kpi_progress as p
where p.year = ? and p.kpi_code in ('committee_meetings', 'party_trainings')
order by p.kpi_code, p.chain_sort_order, p.quarter
"""

_MENTORING_PAIRS = """
select pair_id, chain_code, mentor_org, mentee_org, signed_date, has_agreement, status,
    ended_date, is_active
from main.dim_mentoring_pairs
order by chain_code, mentor_org, pair_id
"""

_ENTERPRISE_ISSUES = """
select issue_id, chain_code, enterprise, track, received_date, status, resolved_date,
    days_to_resolve, days_open, open_over_30_days, open_over_60_days, satisfaction, as_of_date
from main.dim_enterprise_issues
order by received_date, issue_id
"""

# 到位率: funds in place ÷ planned investment of the same projects, those signed and not
# dropped (dim_project_funds), per chain and for the district (ALL).
_FUNDS_IN_PLACE = """
select
    coalesce(chain_code, 'ALL') as chain_code,
    count(*) as signed_projects,
    sum(funds_in_place_wan) as funds_in_place_wan,
    sum(coalesce(planned_investment_wan, 0)) as signed_investment_wan
from main.dim_project_funds
group by grouping sets ((chain_code), ())
"""


def party_progress(year: int) -> pd.DataFrame:
    """Committee meetings (1 a quarter) and party trainings (1 a year) per chain and quarter
    of one year, from fct_kpi_progress."""
    return fetch(_PARTY_PROGRESS, (int(year),))


def mentoring_pairs() -> pd.DataFrame:
    return fetch(_MENTORING_PAIRS)


def enterprise_issues() -> pd.DataFrame:
    """Every enterprise issue (no free-text summary), days to resolve or days open."""
    return fetch(_ENTERPRISE_ISSUES)


_ISSUE_SUMMARIES = """
select issue_id, chain_code, summary
from main.dim_enterprise_issues
order by issue_id
"""


def issue_summaries() -> pd.DataFrame:
    """The issues' free text (诉求内容, may name people): analysts and the chain's own office
    only (party_service_funds.md); NotAllowed for the district role."""
    scope = current_scope()
    if not (scope.role == "analyst" or scope.chain):
        raise NotAllowed(f"role {scope.role} does not read the issues' free text")
    return fetch(_ISSUE_SUMMARIES)


def funds_in_place() -> pd.DataFrame:
    """Per chain and ALL: signed (not dropped) projects' funds in place and planned investment,
    for 到位率."""
    return fetch(_FUNDS_IN_PLACE)


# --- Data quality ---------------------------------------------------------------------------

_FILES = """
select load_id, ingested_at, file_name, dataset, load_status, rows_read, rows_loaded,
    rows_rejected, warning_count, errors_json, interpretation_json
from main.fct_ingest_files
order by load_id desc
"""

_REJECTIONS = """
select ingested_at, file_name, dataset, sheet_name, sheet_row_number, column_name, cell_value,
    rule_name, message
from main.fct_ingest_rejections
order by load_id desc, sheet_name nulls first, sheet_row_number, column_name
"""

_WARNINGS = _REJECTIONS.replace("fct_ingest_rejections", "fct_ingest_warnings")

_DBT_RESULTS = """
select resource_type, name, status, failures, message, seconds
from meta.dbt_results
order by case status when 'error' then 0 when 'fail' then 1 when 'warn' then 2 else 3 end,
    resource_type, name
"""

# Latest ingest per dataset from the file log; latest event date per dataset from the marts
# that hold its rows (hires and leader projects are only in monthly KPI counts: month end).
_FRESHNESS = """
with ingested as (
    select dataset, max(ingested_at) as last_ingested_at, count(*) as file_count,
        sum(rows_loaded) as rows_loaded
    from main.fct_ingest_files
    where dataset is not null
    group by dataset
),
events as (
    select 'projects' as dataset,
        max(greatest(signed_date, started_date, producing_date, stage_entered_date)) as last_event_date
    from main.dim_project_pipeline
    union all
    select 'chain_gaps', max(greatest(identified_date, closed_date)) from main.dim_chain_gap_coverage
    union all
    select 'leads', max(greatest(first_contact_date, converted_date)) from main.dim_leads
    union all
    select 'talent_catalogue', max(published_date) from main.dim_catalogue_fill
    union all
    select 'talent_hires', max(last_day(make_date(year, month, 1)))
    from main.fct_kpi_monthly
    where kpi_code = 'talent_hires' and chain_code = 'ALL' and month_actual > 0
    union all
    select 'leader_projects', max(last_day(make_date(year, month, 1)))
    from main.fct_kpi_monthly
    where kpi_code = 'leader_talent_projects' and chain_code = 'ALL' and month_actual > 0
)
select coalesce(i.dataset, e.dataset) as dataset, i.last_ingested_at, i.file_count,
    i.rows_loaded, e.last_event_date
from ingested as i
full join events as e on e.dataset = i.dataset
order by dataset
"""


# Funds in place that fell (party_service_funds.md): a later project ledger gave a project a
# running total below its previous period's. Chain-scoped by fetch's default: a chain office
# sees its own chain's projects only.
_FUNDS_CORRECTIONS = """
select project_id, project_name, chain_code, period, period_end_date, previous_period,
    previous_period_end_date, previous_running_total_wan, running_total_wan, change_wan,
    source_file, load_id
from main.fct_funds_corrections
order by period_end_date desc, chain_code, project_id
"""


def funds_corrections() -> pd.DataFrame:
    """Every fall of a project's funds in place (fct_funds_corrections), newest first."""
    return fetch(_FUNDS_CORRECTIONS)


_FILE_CHAINS = "select load_id, chain_code from main.fct_ingest_file_chains"
_FILE_FIGURES = ("rows_read", "rows_loaded", "rows_rejected", "warning_count")


def ingest_files() -> pd.DataFrame:
    """Every file handed in; for a chain office (issue 20, 访问控制) only the files holding
    rows of its chain, and those that hold other chains' rows too without their figures
    (counts, reasons, how each was read)."""
    files = fetch(_FILES, district_wide=True)
    chain = current_scope().chain
    if not chain:
        return files
    try:
        chains = fetch(_FILE_CHAINS, district_wide=True)
    except WarehouseError:  # a warehouse built before the table: no file rather than all
        return files.iloc[0:0]
    own = set(chains.load_id[chains.chain_code == chain])
    shared = files.load_id.isin(set(chains.load_id[chains.chain_code != chain]))
    files = files.astype({name: "Float64" for name in _FILE_FIGURES})
    files.loc[shared, list(_FILE_FIGURES)] = pd.NA
    files.loc[shared, ["errors_json", "interpretation_json"]] = None
    return files[files.load_id.isin(own)].reset_index(drop=True)


def ingest_rejections() -> pd.DataFrame:
    if not current_scope().sees_rejected_rows:
        raise NotAllowed
    return fetch(_REJECTIONS, district_wide=True)


def ingest_warnings() -> pd.DataFrame:
    if not current_scope().sees_rejected_rows:
        raise NotAllowed
    return fetch(_WARNINGS, district_wide=True)


def dbt_results() -> pd.DataFrame:
    return fetch(_DBT_RESULTS, district_wide=True)


def freshness() -> pd.DataFrame:
    """Per dataset when it was last ingested. For a chain office from its own files only, and
    without the district's row counts and event dates (other chains' figures)."""
    fresh = fetch(_FRESHNESS, district_wide=True)
    if not current_scope().chain:
        return fresh
    files = ingest_files()
    mine = files.groupby("dataset").agg(
        last_ingested_at=("ingested_at", "max"), file_count=("load_id", "count")
    )
    fresh = fresh[fresh.dataset.isin(mine.index)].copy()
    fresh["last_ingested_at"] = fresh.dataset.map(mine.last_ingested_at)
    fresh["file_count"] = fresh.dataset.map(mine.file_count)
    fresh["rows_loaded"] = pd.NA
    fresh["last_event_date"] = pd.NaT
    return fresh.reset_index(drop=True)


# --- Monthly bulletin (通报排名, bulletin_brief_forecast.md) ----------------------------------

_BULLETIN_MONTHS = "select distinct year, month from main.fct_bulletin_monthly order by year, month"

# The ranking: names, scores, ranks and 红榜 / 黑榜 of the four chains, which is what a bulletin
# is for — every reading role sees it whole (district_wide). Nothing of a chain's KPIs is in it.
_BULLETIN_RANKING = """
select chain_code, chain_name_zh, chain_name_en, chain_sort_order, composite_score, score_rank,
    previous_rank, rank_change, is_red_list, is_black_list
from main.fct_bulletin_monthly
where year = ? and month = ?
order by score_rank nulls last, chain_sort_order
"""

# The KPI detail behind the scores: scoped like every query (a chain office: its own chain).
_BULLETIN_DETAIL = """
select chain_code, chain_name_zh, chain_name_en, chain_sort_order, kpi_code, kpi_name_zh,
    kpi_name_en, kpi_sort_order, unit, ytd_actual, annual_target, completion_rate,
    time_progress, progress_gap_pp, score_ratio, weight, is_behind, is_newly_behind
from main.fct_bulletin_kpi_monthly
where year = ? and month = ?
order by chain_sort_order, kpi_sort_order
"""


def bulletin_months() -> list[tuple[int, int]]:
    months = fetch(_BULLETIN_MONTHS, district_wide=True)
    return [(int(y), int(m)) for y, m in zip(months.year, months.month, strict=True)]


def bulletin_ranking(year: int, month: int) -> pd.DataFrame:
    return fetch(_BULLETIN_RANKING, (int(year), int(month)), district_wide=True)


def bulletin_detail(year: int, month: int) -> pd.DataFrame:
    return fetch(_BULLETIN_DETAIL, (int(year), int(month)))


@st.cache_data(ttl=CACHE_TTL, max_entries=32, show_spinner=False)
def _brief_file(version: str, chain: str, year: int, quarter: int) -> tuple[str, bytes]:
    from chainkpi.bulletin.brief import brief_pdf

    return brief_pdf(Workspace.from_env(), chain, year, quarter)


def brief_file(chain: str, year: int, quarter: int) -> tuple[str, bytes]:
    """The chain committee's brief (chainkpi.bulletin.brief) as (file name, PDF bytes), cached
    per warehouse version. A chain office gets only its own chain's (NotAllowed otherwise);
    roles that read no data get none. Raises chainkpi.errors.UserError for a quarter without
    data or a missing CJK font."""
    scope = current_scope()
    if not scope.reads_data:
        raise NotAllowed(f"role {scope.role} reads no data")
    if scope.chain and chain != scope.chain:
        raise NotAllowed(f"role {scope.role} may not read chain {chain}")
    path = published_path()
    version = warehouse_version(path)
    if version is None:
        raise WarehouseError("missing", path)
    return _brief_file(version, chain, int(year), int(quarter))


# --- Export ---------------------------------------------------------------------------------


@st.cache_data(ttl=CACHE_TTL, max_entries=32, show_spinner=False)
def _export_files(
    version: str, year: int, quarter: int, chain: str | None, lang: str, role: str
) -> list[tuple[str, bytes]]:
    import tempfile

    from chainkpi.export import write_export

    with tempfile.TemporaryDirectory(prefix="chainkpi-export-") as tmp:
        paths = write_export(Workspace.from_env(), year, quarter, Path(tmp), chain=chain, lang=lang)
        return [(p.name, p.read_bytes()) for p in paths]


def export_files(year: int, quarter: int, chain: str | None, lang: str) -> list[tuple[str, bytes]]:
    """The quarterly export (chainkpi.export.write_export) as (file name, bytes), written into a
    temporary folder and cached per warehouse version. Raises chainkpi.errors.UserError for a
    quarter without data."""
    scope = current_scope()
    if scope.chain:
        chain = scope.chain  # a chain office exports its own chain only
    path = published_path()
    version = warehouse_version(path)
    if version is None:
        raise WarehouseError("missing", path)
    return _export_files(version, int(year), int(quarter), chain, lang, scope.role)


def default_export_quarter() -> tuple[int, int] | None:
    """The latest quarter that has ended (as of the warehouse's as-of date) and has data."""
    try:
        from chainkpi.export import latest_complete_quarter
    except ImportError:
        return None
    try:
        return latest_complete_quarter(Workspace.from_env())
    except Exception:  # a missing or odd warehouse: the page falls back to the latest quarter
        return None

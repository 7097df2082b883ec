-- Funds actually in place (实际到位资金, party_service_funds.md), per project and ledger
-- period: one row per (project, period end) at which a project ledger reported the project's
-- capital_in_place_wan, a running total.
--
-- The period of a ledger is stg_ingest_files.period (handing_in.md: from its file name or
-- title, else the month before it was ingested; for a ledger loaded before periods were
-- recorded, the month before the day it was ingested). Of two ledgers of the same period (the
-- same period end: a ledger handed in again, or a quarterly and a monthly ledger ending on
-- the same day) the later ingested replaces the earlier for each project it reports. A
-- ledger that leaves capital_in_place_wan empty for a project reports nothing for it.
--
-- A project's running total at a date is then the running total of its newest period ending
-- on or before that date, and change_wan (this running total − the previous period's, from 0
-- for the first) dated at the period's end adds up, over any span of dates, to the running
-- total at its end − the running total at its start: the KPI funds_in_place_wan sums it by
-- quarter and month (int_kpi_events). A running total below the previous one is a correction
-- (is_correction): it counts as it is, and fct_funds_corrections lists it.

with

versions as (

    select * from {{ ref('stg_project_versions') }}

),

files as (

    select * from {{ ref('stg_ingest_files') }}

),

projects as (

    select * from {{ ref('stg_projects') }}

),

reported as (

    select
        versions.project_id,
        versions.chain_code as ledger_chain_code,
        versions.capital_in_place_wan,
        versions._source_file,
        versions._load_id,
        files.period,
        coalesce(
            files.period_end_date,
            cast(
                {{ dbt.dateadd(
                    'day', -1, dbt.date_trunc('month', 'cast(versions._ingested_at as date)')
                ) }} as date
            )
        ) as period_end_date
    from versions
    left join files
        on versions._load_id = files.load_id
    where versions.capital_in_place_wan is not null

),

-- A later ledger of the same period replaces the earlier one.
newest_per_period as (

    select reported.*
    from reported
    qualify
        row_number() over (
            partition by reported.project_id, reported.period_end_date
            order by reported._load_id desc
        ) = 1

),

with_previous as (

    select
        newest_per_period.*,
        lag(newest_per_period.period) over (
            partition by newest_per_period.project_id
            order by newest_per_period.period_end_date
        ) as previous_period,
        lag(newest_per_period.period_end_date) over (
            partition by newest_per_period.project_id
            order by newest_per_period.period_end_date
        ) as previous_period_end_date,
        lag(newest_per_period.capital_in_place_wan) over (
            partition by newest_per_period.project_id
            order by newest_per_period.period_end_date
        ) as previous_running_total_wan
    from newest_per_period

),

final as (

    select
        with_previous.project_id,
        projects.project_name,
        -- The project's chain now (the KPIs count over the current state), else the ledger's.
        coalesce(projects.chain_code, with_previous.ledger_chain_code) as chain_code,
        with_previous.period,
        with_previous.period_end_date,
        cast(with_previous.capital_in_place_wan as decimal(18, 2)) as running_total_wan,
        with_previous.previous_period,
        with_previous.previous_period_end_date,
        cast(with_previous.previous_running_total_wan as decimal(18, 2))
            as previous_running_total_wan,
        cast(
            with_previous.capital_in_place_wan
            - coalesce(with_previous.previous_running_total_wan, 0) as decimal(18, 2)
        ) as change_wan,
        coalesce(
            with_previous.capital_in_place_wan < with_previous.previous_running_total_wan, false
        ) as is_correction,
        with_previous._source_file,
        with_previous._load_id
    from with_previous
    left join projects
        on with_previous.project_id = projects.project_id

)

select * from final

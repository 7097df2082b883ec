-- When each project entered each stage it has been in: one row per (project, stage).
-- signed / started / producing: the ledger's own date (signed_date, started_date,
-- producing_date of the current version). reserve / negotiating / dropped have no date column:
-- they count from the first ledger, by period, in which a version of the project showed that
-- stage — from that ledger's date (stg_ingest_files.ledger_date: the last day of its period,
-- or the day it was handed in if that came first; the day it was ingested for a ledger loaded
-- before periods were recorded). The same serves a signed / started / producing stage that
-- was seen but has no ledger date (any more). A project that returns to an earlier stage
-- keeps that stage's first date.
--
-- Why the end of the period: a September ledger says where a project stood at the end of
-- September; it entered the stage after the ledger before it and by then, so the age counted
-- is the least it can be, wrong by at most one period. A stage already shown in the first
-- ledger of the project's chain ever seen may be much older: is_lower_bound says so
-- (the page writes `≥ N 天`).

with

projects as (

    select * from {{ ref('stg_projects') }}

),

versions as (

    select * from {{ ref('stg_project_versions') }}

),

files as (

    select * from {{ ref('stg_ingest_files') }}

),

stages as (

    select * from {{ ref('project_stages') }}

),

ledger_dates as (

    select
        projects.project_id,
        'signed' as stage,
        projects.signed_date as entered_date
    from projects
    where projects.signed_date is not null

    union all

    select
        projects.project_id,
        'started' as stage,
        projects.started_date as entered_date
    from projects
    where projects.started_date is not null

    union all

    select
        projects.project_id,
        'producing' as stage,
        projects.producing_date as entered_date
    from projects
    where projects.producing_date is not null

),

versions_dated as (

    select
        versions.project_id,
        versions.chain_code,
        versions.stage,
        versions._load_id,
        files.period,
        coalesce(files.ledger_date, cast(versions._ingested_at as date)) as ledger_date,
        case
            when files.period is not null then 'ledger_period' else 'first_ingested'
        end as ledger_date_source
    from versions
    left join files
        on versions._load_id = files.load_id

),

-- The first ledger of each chain's projects ever seen: what it shows had begun before it.
chain_first_ledgers as (

    select
        versions_dated.chain_code,
        min(versions_dated.ledger_date) as first_ledger_date
    from versions_dated
    group by versions_dated.chain_code

),

first_seen_ranked as (

    select
        versions_dated.*,
        row_number() over (
            partition by versions_dated.project_id, versions_dated.stage
            order by versions_dated.ledger_date, versions_dated._load_id
        ) as seen_rank
    from versions_dated

),

first_seen as (

    select
        first_seen_ranked.project_id,
        first_seen_ranked.stage,
        first_seen_ranked.ledger_date as first_seen_date,
        first_seen_ranked.period as first_seen_period,
        first_seen_ranked.ledger_date_source,
        coalesce(
            first_seen_ranked.ledger_date <= chain_first_ledgers.first_ledger_date, false
        ) as is_in_first_ledger
    from first_seen_ranked
    left join chain_first_ledgers
        on first_seen_ranked.chain_code = chain_first_ledgers.chain_code
    where first_seen_ranked.seen_rank = 1

),

stage_dates as (

    select
        ledger_dates.project_id,
        ledger_dates.stage,
        ledger_dates.entered_date,
        'ledger_date' as entered_date_source,
        cast(null as {{ dbt.type_string() }}) as entered_period,
        false as is_lower_bound
    from ledger_dates

    union all

    select
        first_seen.project_id,
        first_seen.stage,
        first_seen.first_seen_date as entered_date,
        first_seen.ledger_date_source as entered_date_source,
        first_seen.first_seen_period as entered_period,
        first_seen.is_in_first_ledger as is_lower_bound
    from first_seen
    left join ledger_dates
        on
            first_seen.project_id = ledger_dates.project_id
            and first_seen.stage = ledger_dates.stage
    where ledger_dates.project_id is null

),

final as (

    select
        stage_dates.project_id,
        cast(stage_dates.stage as {{ dbt.type_string() }}) as stage,
        stages.sort_order as stage_sort_order,
        stage_dates.entered_date,
        cast(stage_dates.entered_date_source as {{ dbt.type_string() }}) as entered_date_source,
        cast(stage_dates.entered_period as {{ dbt.type_string() }}) as entered_period,
        stage_dates.is_lower_bound,
        coalesce(stage_dates.stage = projects.stage, false) as is_current_stage
    from stage_dates
    inner join projects
        on stage_dates.project_id = projects.project_id
    left join stages
        on stage_dates.stage = stages.code

)

select * from final

-- When each project entered each stage it has been in: one row per (project, stage).
-- signed / started / producing: the ledger's own date (signed_date, started_date,
-- producing_date of the current version). reserve / negotiating / dropped have no date column:
-- the date of the first ingest run in which a version of the project showed that stage. The
-- same fallback serves a signed / started / producing stage that was seen but has no ledger
-- date (any more).

with

projects as (

    select * from {{ ref('stg_projects') }}

),

versions as (

    select * from {{ ref('stg_project_versions') }}

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

first_seen as (

    select
        versions.project_id,
        versions.stage,
        min(cast(versions._ingested_at as date)) as first_seen_date
    from versions
    group by
        versions.project_id,
        versions.stage

),

stage_dates as (

    select
        ledger_dates.project_id,
        ledger_dates.stage,
        ledger_dates.entered_date,
        'ledger_date' as entered_date_source
    from ledger_dates

    union all

    select
        first_seen.project_id,
        first_seen.stage,
        first_seen.first_seen_date as entered_date,
        'first_ingested' as entered_date_source
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
        case when stage_dates.stage = projects.stage then true else false end as is_current_stage
    from stage_dates
    inner join projects
        on stage_dates.project_id = projects.project_id
    left join stages
        on stage_dates.stage = stages.code

)

select * from final

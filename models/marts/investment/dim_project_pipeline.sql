-- Every project (current state) with its stage, when it entered each stage, how long it has
-- been in its current stage as of the as-of date, and the flags a chain office acts on.
-- Stuck: a project not yet under construction (reserve, negotiating, signed) more than
-- `stuck_days_warning` (60) / `stuck_days_alarm` (90) days in its current stage. Construction
-- (started) normally lasts many months and is not flagged; producing and dropped are final.
-- Days in a stage count from the stage's entry in int_project_stage_history: a ledger date
-- column, or the date of the first ledger (by period) that showed the stage; a stage already
-- shown in the chain's first ledger has an age that is a lower bound (≥ N 天).

with

projects as (

    select * from {{ ref('stg_projects') }}

),

stage_history as (

    select * from {{ ref('int_project_stage_history') }}

),

gaps as (

    select * from {{ ref('stg_chain_gaps') }}

),

leads as (

    select * from {{ ref('stg_leads') }}

),

chains as (

    select * from {{ ref('dim_chains') }}

),

stages as (

    select * from {{ ref('project_stages') }}

),

project_types as (

    select * from {{ ref('project_types') }}

),

stage_dates as (

    select
        stage_history.project_id,
        max(case when stage_history.stage = 'reserve' then stage_history.entered_date end)
            as reserve_date,
        max(case when stage_history.stage = 'negotiating' then stage_history.entered_date end)
            as negotiating_date,
        max(case when stage_history.stage = 'dropped' then stage_history.entered_date end)
            as dropped_date,
        max(case when stage_history.is_current_stage then stage_history.entered_date end)
            as stage_entered_date,
        max(case when stage_history.is_current_stage then stage_history.entered_date_source end)
            as stage_entered_date_source,
        max(case when stage_history.is_current_stage then stage_history.entered_period end)
            as stage_entered_period,
        coalesce(
            max(
                case
                    when stage_history.is_current_stage and stage_history.is_lower_bound then 1
                    else 0
                end
            ) = 1,
            false
        ) as is_stage_entry_lower_bound
    from stage_history
    group by stage_history.project_id

),

-- A project comes from a lead through its own lead_id, or else from the lead that names it
-- as its converted project (the first such lead by id when several do).
converting_leads as (

    select
        leads.project_id,
        min(leads.lead_id) as lead_id
    from leads
    where leads.project_id is not null
    group by leads.project_id

),

joined as (

    select
        projects.project_id,
        projects.project_name,
        projects.chain_code,
        chains.name_zh as chain_name_zh,
        projects.project_type,
        project_types.label_zh as project_type_label_zh,
        projects.segment,
        projects.gap_id,
        gaps.gap_id is not null as has_known_gap,
        gaps.link_name as gap_link_name,
        coalesce(projects.lead_id, converting_leads.lead_id) as lead_id,
        projects.investor,
        projects.origin,
        projects.channel,
        projects.planned_investment_wan,
        projects.capital_in_place_wan,
        case
            when projects.planned_investment_wan >= {{ var('major_project_min_wan') }} then true
            else false
        end as is_major,
        projects.is_head_enterprise,
        projects.stage,
        stages.label_zh as stage_label_zh,
        stages.sort_order as stage_sort_order,
        coalesce(
            projects.stage in ('reserve', 'negotiating', 'signed', 'started'), false
        ) as is_active,
        stage_dates.stage_entered_date,
        stage_dates.stage_entered_date_source,
        stage_dates.stage_entered_period,
        coalesce(stage_dates.is_stage_entry_lower_bound, false) as days_in_stage_is_lower_bound,
        stage_dates.reserve_date,
        stage_dates.negotiating_date,
        projects.signed_date,
        projects.started_date,
        projects.producing_date,
        stage_dates.dropped_date,
        {{ as_of_date() }} as as_of_date,
        {{ dbt.datediff('stage_dates.stage_entered_date', as_of_date(), 'day') }}
            as days_in_stage,
        projects._source_file,
        projects._load_id,
        projects._ingested_at
    from projects
    left join stage_dates
        on projects.project_id = stage_dates.project_id
    left join gaps
        on projects.gap_id = gaps.gap_id
    left join converting_leads
        on projects.project_id = converting_leads.project_id
    left join chains
        on projects.chain_code = chains.chain_code
    left join stages
        on projects.stage = stages.code
    left join project_types
        on projects.project_type = project_types.code

),

final as (

    select
        project_id,
        project_name,
        chain_code,
        chain_name_zh,
        project_type,
        project_type_label_zh,
        segment,
        gap_id,
        has_known_gap,
        gap_link_name,
        lead_id,
        investor,
        origin,
        channel,
        cast(planned_investment_wan as decimal(18, 2)) as planned_investment_wan,
        cast(capital_in_place_wan as decimal(18, 2)) as capital_in_place_wan,
        is_major,
        is_head_enterprise,
        stage,
        stage_label_zh,
        cast(stage_sort_order as integer) as stage_sort_order,
        is_active,
        stage_entered_date,
        stage_entered_date_source,
        reserve_date,
        negotiating_date,
        signed_date,
        started_date,
        producing_date,
        dropped_date,
        as_of_date,
        cast(days_in_stage as integer) as days_in_stage,
        case
            when
                stage in ('reserve', 'negotiating', 'signed')
                and days_in_stage > {{ var('stuck_days_warning') }}
                then true
            else false
        end as is_stuck_over_60_days,
        case
            when
                stage in ('reserve', 'negotiating', 'signed')
                and days_in_stage > {{ var('stuck_days_alarm') }}
                then true
            else false
        end as is_stuck_over_90_days,
        _source_file,
        _load_id,
        _ingested_at,
        stage_entered_period,
        days_in_stage_is_lower_bound
    from joined

)

select * from final

-- The KPI events once per chain they count for: under their own chain (when they have one)
-- and under ALL, the district total, which counts every event, chainless ones included.
-- So ALL can be more than the sum of the four chains, never less.

with

events as (

    select * from {{ ref('int_kpi_events') }}

),

on_own_chain as (

    select
        events.kpi_code,
        events.chain_code,
        events.event_date,
        events.event_year,
        events.event_quarter,
        events.event_month,
        events.event_value,
        events.source_dataset,
        events.source_id
    from events
    where events.chain_code is not null

),

on_district_total as (

    select
        events.kpi_code,
        cast('ALL' as {{ dbt.type_string() }}) as chain_code,
        events.event_date,
        events.event_year,
        events.event_quarter,
        events.event_month,
        events.event_value,
        events.source_dataset,
        events.source_id
    from events

),

final as (

    select * from on_own_chain
    union all
    select * from on_district_total

)

select * from final

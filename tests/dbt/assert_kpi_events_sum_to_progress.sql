-- Nothing is lost between the KPI events and the progress mart: per KPI and year, the Q4 (or
-- last) ytd of ALL equals the sum of all events of that year. Returns the mismatches.

with

events as (

    select * from {{ ref('int_kpi_events') }}

),

progress as (

    select * from {{ ref('fct_kpi_progress') }}

),

event_totals as (

    select
        events.kpi_code,
        events.event_year as year,
        sum(events.event_value) as total_value
    from events
    group by
        events.kpi_code,
        events.event_year

),

last_quarters as (

    select
        progress.year,
        max(progress.quarter) as last_quarter
    from progress
    group by progress.year

),

year_end as (

    select
        progress.kpi_code,
        progress.year,
        progress.ytd_actual
    from progress
    inner join last_quarters
        on
            progress.year = last_quarters.year
            and progress.quarter = last_quarters.last_quarter
    where progress.chain_code = 'ALL'

),

final as (

    select
        event_totals.kpi_code,
        event_totals.year,
        event_totals.total_value,
        year_end.ytd_actual
    from event_totals
    left join year_end
        on
            event_totals.kpi_code = year_end.kpi_code
            and event_totals.year = year_end.year
    where year_end.ytd_actual is null or year_end.ytd_actual <> event_totals.total_value

)

select * from final

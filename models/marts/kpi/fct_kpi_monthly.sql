-- Every KPI per chain (ALL, NE, SEMI, EQUIP, MAT) and month, with the year-to-date running
-- total, for the dashboard's pace chart. One row per (year, month, chain_code, kpi_code) for
-- every month from the first to the last month that has any KPI event. The straight-line
-- pace is given where a target exists: annual_target × month / 12 for a month that is over
-- (or not begun), and by the calendar for the running month (the month holding the as-of
-- date): annual_target × the as-of date's day of the year ÷ the days in the year, as
-- fct_kpi_progress paces its running quarter.

with

events as (

    select * from {{ ref('int_kpi_events_by_chain') }}

),

kpis as (

    select * from {{ ref('kpi_definitions') }}

),

targets as (

    select * from {{ ref('kpi_targets') }}

),

chains as (

    select * from {{ ref('dim_chains') }}

),

as_of as (

    select
        {{ as_of_date() }} as as_of_date,
        cast(extract(year from {{ as_of_date() }}) as integer) as as_of_year,
        cast(extract(month from {{ as_of_date() }}) as integer) as as_of_month

),

calendar as (

    select
        as_of.*,
        {{ dbt.datediff(year_start('as_of.as_of_year'), 'as_of.as_of_date', 'day') }} + 1
            as as_of_day_of_year,
        {{ dbt.datediff(year_start('as_of.as_of_year'), year_start('as_of.as_of_year + 1'), 'day') }}
            as as_of_days_in_year
    from as_of

),

bounds as (

    select
        min(events.event_year) as first_year,
        max(events.event_year) as last_year,
        min(events.event_year * 12 + events.event_month) as first_period_key,
        max(events.event_year * 12 + events.event_month) as last_period_key
    from events

),

year_offsets as (

    {{ integer_series(200) }}

),

month_offsets as (

    {{ integer_series(12) }}

),

months as (

    select
        bounds.first_year + year_offsets.n as year,
        month_offsets.n + 1 as month
    from bounds
    inner join year_offsets
        on year_offsets.n <= bounds.last_year - bounds.first_year
    cross join month_offsets
    where
        (bounds.first_year + year_offsets.n) * 12 + month_offsets.n + 1
        between bounds.first_period_key and bounds.last_period_key

),

grid as (

    select
        months.year,
        months.month,
        chains.chain_code,
        kpis.kpi_code,
        kpis.name_zh as kpi_name_zh,
        kpis.unit
    from months
    cross join chains
    cross join kpis

),

month_totals as (

    select
        events.event_year as year,
        events.event_month as month,
        events.chain_code,
        events.kpi_code,
        sum(events.event_value) as month_actual
    from events
    group by
        events.event_year,
        events.event_month,
        events.chain_code,
        events.kpi_code

),

actuals as (

    select
        grid.*,
        coalesce(month_totals.month_actual, 0) as month_actual,
        sum(coalesce(month_totals.month_actual, 0)) over (
            partition by grid.year, grid.chain_code, grid.kpi_code
            order by grid.month
            rows between unbounded preceding and current row
        ) as ytd_actual
    from grid
    left join month_totals
        on
            grid.year = month_totals.year
            and grid.month = month_totals.month
            and grid.chain_code = month_totals.chain_code
            and grid.kpi_code = month_totals.kpi_code

),

in_time as (

    select
        actuals.*,
        calendar.as_of_date,
        case
            when actuals.year * 12 + actuals.month < calendar.as_of_year * 12 + calendar.as_of_month
                then 'finished'
            when actuals.year * 12 + actuals.month = calendar.as_of_year * 12 + calendar.as_of_month
                then 'running'
            else 'future'
        end as period_state,
        calendar.as_of_day_of_year,
        calendar.as_of_days_in_year
    from actuals
    cross join calendar

),

final as (

    select
        cast(actuals.year as integer) as year,
        cast(actuals.month as integer) as month,
        cast(actuals.chain_code as {{ dbt.type_string() }}) as chain_code,
        cast(actuals.kpi_code as {{ dbt.type_string() }}) as kpi_code,
        cast(actuals.kpi_name_zh as {{ dbt.type_string() }}) as kpi_name_zh,
        cast(actuals.unit as {{ dbt.type_string() }}) as unit,
        cast(actuals.month_actual as decimal(18, 2)) as month_actual,
        cast(actuals.ytd_actual as decimal(18, 2)) as ytd_actual,
        cast(targets.annual_target as decimal(18, 2)) as annual_target,
        cast(
            case
                when actuals.period_state = 'running'
                    then round(
                        targets.annual_target * actuals.as_of_day_of_year
                        / actuals.as_of_days_in_year,
                        2
                    )
                else round(targets.annual_target * actuals.month / 12, 2)
            end as decimal(18, 2)
        ) as expected_to_date,
        actuals.as_of_date,
        cast(actuals.period_state as {{ dbt.type_string() }}) as period_state,
        cast(
            case
                when actuals.period_state = 'running'
                    then round(1.0 * actuals.as_of_day_of_year / actuals.as_of_days_in_year, 6)
                else round(1.0 * actuals.month / 12, 6)
            end as decimal(9, 6)
        ) as elapsed_share
    from in_time as actuals
    left join targets
        on
            actuals.year = targets.year
            and actuals.chain_code = targets.chain_code
            and actuals.kpi_code = targets.kpi_code

)

select * from final

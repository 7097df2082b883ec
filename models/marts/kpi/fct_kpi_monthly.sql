-- Every KPI per chain (ALL, NE, SEMI, EQUIP, MAT) and month, with the year-to-date running
-- total, for the dashboard's pace chart. One row per (year, month, chain_code, kpi_code) for
-- every month from the first to the last month that has any KPI event. The straight-line
-- pace (annual_target × month / 12) is given where a target exists.

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
            round(targets.annual_target * actuals.month / 12, 2) as decimal(18, 2)
        ) as expected_to_date
    from actuals
    left join targets
        on
            actuals.year = targets.year
            and actuals.chain_code = targets.chain_code
            and actuals.kpi_code = targets.kpi_code

)

select * from final

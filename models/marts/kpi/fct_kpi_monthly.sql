-- Every KPI per chain (ALL, NE, SEMI, EQUIP, MAT) and month, with the year-to-date running
-- total, for the dashboard's pace chart. One row per (year, month, chain_code, kpi_code) for
-- every month from the first to the last month that has any KPI event. The straight-line
-- pace is given where a target exists: annual_target × month / 12 for a month that is over
-- (or not begun), and by the calendar for the running month (the month holding the as-of
-- date): annual_target × the as-of date's day of the year ÷ the days in the year, as
-- fct_kpi_progress paces its running quarter (both stand on the kpi_period_grid macro).
-- A target per quarter (target_period quarter) is not paced by the calendar: a month expects
-- what its quarter's row of fct_kpi_progress expects, quarter_target × ceil(month / 3) (the
-- meeting of a quarter is due within it), and annual_target is 4 × quarter_target.
-- For the monthly bulletin: completion_rate = ytd ÷ target, pace_share (序时进度) = month / 12.
-- The odds of making the year as of the month (its last day; the as-of date for the running
-- month) and what it takes: the kpi_forecast macro (docs/forecast.md). The forecasts of the
-- months of past years use only the months up to them: they are the backtest.

with

events as (

    select * from {{ ref('int_kpi_events_by_chain') }}

),

chains as (

    select * from {{ ref('dim_chains') }}

),

kpis as (

    select * from {{ ref('dim_kpis') }}

),

targets as (

    select * from {{ ref('kpi_targets') }}

),

grid as (

    {{ kpi_period_grid('month') }}

),

forecast as (

    select * from {{ ref('int_kpi_forecast') }}

),

final as (

    select
        cast(grid.year as integer) as year,
        cast(grid.month as integer) as month,
        cast(grid.chain_code as {{ dbt.type_string() }}) as chain_code,
        cast(grid.kpi_code as {{ dbt.type_string() }}) as kpi_code,
        cast(grid.kpi_name_zh as {{ dbt.type_string() }}) as kpi_name_zh,
        cast(grid.unit as {{ dbt.type_string() }}) as unit,
        cast(grid.period_actual as decimal(18, 2)) as month_actual,
        cast(grid.ytd_actual as decimal(18, 2)) as ytd_actual,
        cast(grid.annual_target as decimal(18, 2)) as annual_target,
        cast(grid.expected_to_date as decimal(18, 2)) as expected_to_date,
        grid.as_of_date,
        cast(grid.period_state as {{ dbt.type_string() }}) as period_state,
        cast(grid.elapsed_share as decimal(9, 6)) as elapsed_share,
        cast(
            case when grid.annual_target is not null then grid.target_period end
            as {{ dbt.type_string() }}
        ) as target_period,
        cast(grid.quarter_target as decimal(18, 2)) as quarter_target,
        cast(
            round(grid.ytd_actual / nullif(grid.annual_target, 0), 4) as decimal(18, 4)
        ) as completion_rate,
        cast(round(grid.month / 12.0, 6) as decimal(9, 6)) as pace_share,
        forecast.forecast_as_of,
        cast(round(forecast.probability_to_meet, 4) as decimal(9, 4)) as probability_to_meet,
        cast(round(forecast.remaining_to_target, 2) as decimal(18, 2)) as remaining_to_target,
        cast(round(forecast.months_left, 4) as decimal(9, 4)) as months_left,
        cast(round(forecast.needed_per_month, 2) as decimal(18, 2)) as needed_per_month,
        cast(forecast.leads_needed as integer) as leads_needed,
        cast(round(forecast.expected_rest_of_year, 2) as decimal(18, 2)) as expected_rest_of_year,
        cast(forecast.history_months as integer) as history_months,
        cast(forecast.forecast_model as {{ dbt.type_string() }}) as forecast_model
    from grid
    left join forecast
        on
            grid.year = forecast.year
            and grid.month = forecast.month
            and grid.chain_code = forecast.chain_code
            and grid.kpi_code = forecast.kpi_code

)

select * from final

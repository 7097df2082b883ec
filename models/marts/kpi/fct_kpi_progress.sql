-- Every KPI, per chain (ALL, NE, SEMI, EQUIP, MAT) and quarter, against its annual target.
-- One row per (year, quarter, chain_code, kpi_code) for every quarter from the first to the
-- last quarter that has any KPI event: quarters without events show 0, never a missing row
-- (the grid and its pace are the kpi_period_grid macro's, shared with fct_kpi_monthly).
--
-- Status arithmetic is spec/kpis.md "Status against target". The elapsed share of the year:
--   finished quarter (it ended before the as-of date), and a quarter after it: q / 4, as the
--     quarterly export has it;
--   running quarter (it holds the as-of date): pace by the calendar (dashboard.md) — the
--     as-of date's day of the year (1 January is day 1, 31 December day 365 or 366) ÷ the
--     days in the year, so 31 December paces as the whole year.
-- The comparisons are done without division, so that bands are exact in decimal arithmetic:
--   ytd >= target × q/4        <=>  4 × ytd >= target × q
--   ytd >= 0.8 × target × q/4  <=>  5 × ytd >= target × q
--   ytd >= target × d/D        <=>  D × ytd >= target × d       (running: day d of D)
--   ytd >= 0.8 × target × d/D  <=>  5 × D × ytd >= 4 × target × d
-- A target of 0 is always met (ytd is never negative); its pct_of_target is empty (no
-- division by zero). Without a target row: status no_target and empty target, expected, pct.
-- A year that is over (the as-of date lies in a later year) has year_result met or missed:
-- its total against its annual target, on every quarter of that year.
--
-- A target per quarter (kpi_targets.target_period = quarter, party_service_funds.md: e.g. 1
-- committee meeting each quarter) is reached by a quarter whose own value is at least the
-- quarterly target. annual_target = 4 × it and expected_to_date = it × q (the grid macro);
-- the status of quarter q of year Y looks at the quarters 1..q of Y:
--   off_track  a finished quarter among them (one before the as-of date's quarter) missed;
--   met        otherwise, when quarter q is finished too (so every quarter so far reached it);
--   on_track   otherwise (q is the running quarter, or after it) when every quarter 1..q,
--              the running one included, has reached it;
--   at_risk    otherwise: the running quarter has not reached it (yet).
-- A quarter before the first quarter of the grid (no event of any KPI yet) counts with a
-- value of 0. year_result: met when all four quarters of the year reached the target.
-- pct_of_target and projected_year_end keep the annual arithmetic on 4 × the target.
--
-- The odds of making the year and what it takes (the kpi_forecast macro, docs/forecast.md):
-- as of the quarter's last day for a finished quarter, as of the as-of date for the running
-- one (none for a quarter after it); only for a target per year.

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

    {{ kpi_period_grid('quarter') }}

),

forecast as (

    select * from {{ ref('int_kpi_forecast') }}

),

-- Per quarter target: how many of the quarters 1..q of the year missed it, and how many of
-- those that are finished. Quarters before the grid's first count with 0 (missed unless the
-- target is 0): the grid runs without gaps, so they are quarters 1 .. q − (rows so far).
quarters_so_far as (

    select
        grid.*,
        cast(extract(year from grid.as_of_date) as integer) as as_of_year,
        cast(extract(quarter from grid.as_of_date) as integer) as as_of_quarter,
        grid.quarter - count(*) over quarters_to_date as quarters_before_grid,
        4 - count(*) over whole_year as quarters_outside_grid,
        sum(
            case when grid.period_actual < grid.quarter_target then 1 else 0 end
        ) over quarters_to_date as missed_in_grid,
        sum(
            case
                when grid.period_state = 'finished' and grid.period_actual < grid.quarter_target
                    then 1
                else 0
            end
        ) over quarters_to_date as finished_missed_in_grid,
        sum(
            case when grid.period_actual < grid.quarter_target then 1 else 0 end
        ) over whole_year as missed_in_year
    from grid
    window
        quarters_to_date as (
            partition by grid.year, grid.chain_code, grid.kpi_code
            order by grid.quarter
            rows between unbounded preceding and current row
        ),
        whole_year as (
            partition by grid.year, grid.chain_code, grid.kpi_code
        )

),

counted as (

    select
        quarters_so_far.*,
        quarters_so_far.missed_in_grid
        + case
            when quarters_so_far.quarter_target > 0 then quarters_so_far.quarters_before_grid
            else 0
        end as quarters_missed,
        quarters_so_far.finished_missed_in_grid
        + case
            when quarters_so_far.quarter_target <= 0 then 0
            when quarters_so_far.year < quarters_so_far.as_of_year
                then quarters_so_far.quarters_before_grid
            when quarters_so_far.year = quarters_so_far.as_of_year
                then least(
                    quarters_so_far.quarters_before_grid, quarters_so_far.as_of_quarter - 1
                )
            else 0
        end as finished_quarters_missed,
        quarters_so_far.missed_in_year
        + case
            when quarters_so_far.quarter_target > 0 then quarters_so_far.quarters_outside_grid
            else 0
        end as quarters_missed_in_year
    from quarters_so_far

),

against_target as (

    select
        counted.*,
        case
            when counted.annual_target is null then 'no_target'
            when counted.target_period = 'quarter'
                then
                    case
                        when counted.finished_quarters_missed > 0 then 'off_track'
                        when counted.quarters_missed > 0 then 'at_risk'
                        when counted.period_state = 'finished' then 'met'
                        else 'on_track'
                    end
            when counted.ytd_actual >= counted.annual_target then 'met'
            when
                counted.year_days * counted.ytd_actual
                >= counted.annual_target * counted.elapsed_days
                then 'on_track'
            when
                5 * counted.year_days * counted.ytd_actual
                >= 4 * counted.annual_target * counted.elapsed_days
                then 'at_risk'
            else 'off_track'
        end as status,
        case
            when counted.annual_target is null or not counted.is_year_over then null
            when counted.target_period = 'quarter'
                then case when counted.quarters_missed_in_year > 0 then 'missed' else 'met' end
            when counted.year_actual >= counted.annual_target then 'met'
            else 'missed'
        end as year_result
    from counted

),

with_forecast as (

    select
        against_target.*,
        forecast.forecast_as_of,
        forecast.probability_to_meet,
        forecast.remaining_to_target,
        forecast.months_left,
        forecast.needed_per_month,
        forecast.leads_needed,
        forecast.expected_rest_of_year,
        forecast.history_months,
        forecast.forecast_model
    from against_target
    left join forecast
        on
            against_target.year = forecast.year
            and against_target.chain_code = forecast.chain_code
            and against_target.kpi_code = forecast.kpi_code
            and forecast.month = case
                when against_target.period_state = 'running'
                    then extract(month from against_target.as_of_date)
                else 3 * against_target.quarter
            end

),

final as (

    select
        cast(year as integer) as year,
        cast(quarter as integer) as quarter,
        cast(chain_code as {{ dbt.type_string() }}) as chain_code,
        cast(kpi_code as {{ dbt.type_string() }}) as kpi_code,
        cast(kpi_name_zh as {{ dbt.type_string() }}) as kpi_name_zh,
        cast(unit as {{ dbt.type_string() }}) as unit,
        cast(period_actual as decimal(18, 2)) as quarter_actual,
        cast(ytd_actual as decimal(18, 2)) as ytd_actual,
        cast(annual_target as decimal(18, 2)) as annual_target,
        cast(expected_to_date as decimal(18, 2)) as expected_to_date,
        cast(
            round(ytd_actual / nullif(annual_target, 0), 4) as decimal(18, 4)
        ) as pct_of_target,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(
            case
                when period_state = 'running'
                    then round(ytd_actual * year_days / elapsed_days, 2)
                else round(ytd_actual * 4 / quarter, 2)
            end as decimal(18, 2)
        ) as projected_year_end,
        cast(kpi_name_en as {{ dbt.type_string() }}) as kpi_name_en,
        coalesce(is_example_target, false) as is_example_target,
        cast(target_note as {{ dbt.type_string() }}) as target_note,
        {{ dbt.concat([
            "cast(year as " ~ dbt.type_string() ~ ")",
            "'Q'",
            "cast(quarter as " ~ dbt.type_string() ~ ")",
        ]) }} as period_label,
        cast(chain_sort_order as integer) as chain_sort_order,
        cast(kpi_sort_order as integer) as kpi_sort_order,
        as_of_date,
        cast(period_state as {{ dbt.type_string() }}) as period_state,
        cast(elapsed_share as decimal(9, 6)) as elapsed_share,
        is_year_over,
        cast(year_result as {{ dbt.type_string() }}) as year_result,
        cast(
            case when annual_target is not null then target_period end
            as {{ dbt.type_string() }}
        ) as target_period,
        cast(quarter_target as decimal(18, 2)) as quarter_target,
        forecast_as_of,
        cast(round(probability_to_meet, 4) as decimal(9, 4)) as probability_to_meet,
        cast(round(remaining_to_target, 2) as decimal(18, 2)) as remaining_to_target,
        cast(round(months_left, 4) as decimal(9, 4)) as months_left,
        cast(round(needed_per_month, 2) as decimal(18, 2)) as needed_per_month,
        cast(leads_needed as integer) as leads_needed,
        cast(round(expected_rest_of_year, 2) as decimal(18, 2)) as expected_rest_of_year,
        cast(history_months as integer) as history_months,
        cast(forecast_model as {{ dbt.type_string() }}) as forecast_model
    from with_forecast

)

select * from final

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

against_target as (

    select
        grid.*,
        case
            when grid.annual_target is null then 'no_target'
            when grid.ytd_actual >= grid.annual_target then 'met'
            when grid.year_days * grid.ytd_actual >= grid.annual_target * grid.elapsed_days
                then 'on_track'
            when
                5 * grid.year_days * grid.ytd_actual
                >= 4 * grid.annual_target * grid.elapsed_days
                then 'at_risk'
            else 'off_track'
        end as status,
        case
            when grid.annual_target is null or not grid.is_year_over then null
            when grid.year_actual >= grid.annual_target then 'met'
            else 'missed'
        end as year_result
    from grid

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
        cast(year_result as {{ dbt.type_string() }}) as year_result
    from against_target

)

select * from final

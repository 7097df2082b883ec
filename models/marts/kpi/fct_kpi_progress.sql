-- Every KPI, per chain (ALL, NE, SEMI, EQUIP, MAT) and quarter, against its annual target.
-- One row per (year, quarter, chain_code, kpi_code) for every quarter from the first to the
-- last quarter that has any KPI event: quarters without events show 0, never a missing row.
-- (The spine does not run on to an as-of quarter without events: the quarters listed are
-- the quarters with data, which the export and the pages offer.)
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
        cast(extract(quarter from {{ as_of_date() }}) as integer) as as_of_quarter

),

calendar as (

    select
        as_of.*,
        -- Day of the year of the as-of date (1 January = 1) and the days in its year.
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
        min(events.event_year * 4 + events.event_quarter) as first_period_key,
        max(events.event_year * 4 + events.event_quarter) as last_period_key
    from events

),

year_offsets as (

    {{ integer_series(200) }}

),

years as (

    select bounds.first_year + year_offsets.n as year
    from bounds
    inner join year_offsets
        on year_offsets.n <= bounds.last_year - bounds.first_year

),

quarter_numbers as (

    select 1 as quarter
    union all
    select 2 as quarter
    union all
    select 3 as quarter
    union all
    select 4 as quarter

),

quarters as (

    select
        years.year,
        quarter_numbers.quarter
    from years
    cross join quarter_numbers
    cross join bounds
    where
        years.year * 4 + quarter_numbers.quarter
        between bounds.first_period_key and bounds.last_period_key

),

grid as (

    select
        quarters.year,
        quarters.quarter,
        chains.chain_code,
        chains.sort_order as chain_sort_order,
        kpis.kpi_code,
        kpis.name_zh as kpi_name_zh,
        kpis.name_en as kpi_name_en,
        kpis.unit,
        kpis.sort_order as kpi_sort_order
    from quarters
    cross join chains
    cross join kpis

),

quarter_totals as (

    select
        events.event_year as year,
        events.event_quarter as quarter,
        events.chain_code,
        events.kpi_code,
        sum(events.event_value) as quarter_actual
    from events
    group by
        events.event_year,
        events.event_quarter,
        events.chain_code,
        events.kpi_code

),

actuals as (

    select
        grid.*,
        coalesce(quarter_totals.quarter_actual, 0) as quarter_actual,
        sum(coalesce(quarter_totals.quarter_actual, 0)) over (
            partition by grid.year, grid.chain_code, grid.kpi_code
            order by grid.quarter
            rows between unbounded preceding and current row
        ) as ytd_actual
    from grid
    left join quarter_totals
        on
            grid.year = quarter_totals.year
            and grid.quarter = quarter_totals.quarter
            and grid.chain_code = quarter_totals.chain_code
            and grid.kpi_code = quarter_totals.kpi_code

),

in_time as (

    select
        actuals.*,
        calendar.as_of_date,
        case
            when actuals.year * 4 + actuals.quarter < calendar.as_of_year * 4 + calendar.as_of_quarter
                then 'finished'
            when actuals.year * 4 + actuals.quarter = calendar.as_of_year * 4 + calendar.as_of_quarter
                then 'running'
            else 'future'
        end as period_state,
        calendar.as_of_day_of_year,
        calendar.as_of_days_in_year,
        case when actuals.year < calendar.as_of_year then true else false end as is_year_over,
        sum(actuals.quarter_actual) over (
            partition by actuals.year, actuals.chain_code, actuals.kpi_code
        ) as year_actual
    from actuals
    cross join calendar

),

-- The elapsed share as a fraction elapsed_days / year_days, kept whole for exact bands:
-- (q, 4) for a finished or future quarter, (day of the year, days in the year) when running.
elapsed as (

    select
        in_time.*,
        case
            when in_time.period_state = 'running' then in_time.as_of_day_of_year
            else in_time.quarter
        end as elapsed_days,
        case
            when in_time.period_state = 'running' then in_time.as_of_days_in_year
            else 4
        end as year_days
    from in_time

),

against_target as (

    select
        elapsed.*,
        targets.annual_target,
        targets.is_example as is_example_target,
        targets.note as target_note,
        case
            when targets.annual_target is null then 'no_target'
            when elapsed.ytd_actual >= targets.annual_target then 'met'
            when elapsed.year_days * elapsed.ytd_actual >= targets.annual_target * elapsed.elapsed_days
                then 'on_track'
            when
                5 * elapsed.year_days * elapsed.ytd_actual
                >= 4 * targets.annual_target * elapsed.elapsed_days
                then 'at_risk'
            else 'off_track'
        end as status,
        case
            when targets.annual_target is null or not elapsed.is_year_over then null
            when elapsed.year_actual >= targets.annual_target then 'met'
            else 'missed'
        end as year_result
    from elapsed
    left join targets
        on
            elapsed.year = targets.year
            and elapsed.chain_code = targets.chain_code
            and elapsed.kpi_code = targets.kpi_code

),

final as (

    select
        cast(year as integer) as year,
        cast(quarter as integer) as quarter,
        cast(chain_code as {{ dbt.type_string() }}) as chain_code,
        cast(kpi_code as {{ dbt.type_string() }}) as kpi_code,
        cast(kpi_name_zh as {{ dbt.type_string() }}) as kpi_name_zh,
        cast(unit as {{ dbt.type_string() }}) as unit,
        cast(quarter_actual as decimal(18, 2)) as quarter_actual,
        cast(ytd_actual as decimal(18, 2)) as ytd_actual,
        cast(annual_target as decimal(18, 2)) as annual_target,
        cast(
            case
                when period_state = 'running'
                    then round(annual_target * elapsed_days / year_days, 2)
                else round(annual_target * quarter * 0.25, 2)
            end as decimal(18, 2)
        ) as expected_to_date,
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
        cast(round(1.0 * elapsed_days / year_days, 6) as decimal(9, 6)) as elapsed_share,
        is_year_over,
        cast(year_result as {{ dbt.type_string() }}) as year_result
    from against_target

)

select * from final

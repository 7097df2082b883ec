-- Every KPI, per chain (ALL, NE, SEMI, EQUIP, MAT) and quarter, against its annual target.
-- One row per (year, quarter, chain_code, kpi_code) for every quarter from the first to the
-- last quarter that has any KPI event: quarters without events show 0, never a missing row.
--
-- Status arithmetic is spec/kpis.md "Status against target", with elapsed = quarter / 4.
-- The comparisons are done without division, so that bands are exact in decimal arithmetic:
--   ytd >= target × q/4        <=>  4 × ytd >= target × q
--   ytd >= 0.8 × target × q/4  <=>  5 × ytd >= target × q
-- A target of 0 is always met (ytd is never negative); its pct_of_target is empty (no
-- division by zero). Without a target row: status no_target and empty target, expected, pct.

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

against_target as (

    select
        actuals.*,
        targets.annual_target,
        targets.is_example as is_example_target,
        targets.note as target_note,
        case
            when targets.annual_target is null then 'no_target'
            when actuals.ytd_actual >= targets.annual_target then 'met'
            when 4 * actuals.ytd_actual >= targets.annual_target * actuals.quarter then 'on_track'
            when 5 * actuals.ytd_actual >= targets.annual_target * actuals.quarter then 'at_risk'
            else 'off_track'
        end as status
    from actuals
    left join targets
        on
            actuals.year = targets.year
            and actuals.chain_code = targets.chain_code
            and actuals.kpi_code = targets.kpi_code

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
        cast(round(annual_target * quarter * 0.25, 2) as decimal(18, 2)) as expected_to_date,
        cast(
            round(ytd_actual / nullif(annual_target, 0), 4) as decimal(18, 4)
        ) as pct_of_target,
        cast(status as {{ dbt.type_string() }}) as status,
        cast(round(ytd_actual * 4 / quarter, 2) as decimal(18, 2)) as projected_year_end,
        cast(kpi_name_en as {{ dbt.type_string() }}) as kpi_name_en,
        coalesce(is_example_target, false) as is_example_target,
        cast(target_note as {{ dbt.type_string() }}) as target_note,
        {{ dbt.concat([
            "cast(year as " ~ dbt.type_string() ~ ")",
            "'Q'",
            "cast(quarter as " ~ dbt.type_string() ~ ")",
        ]) }} as period_label,
        cast(chain_sort_order as integer) as chain_sort_order,
        cast(kpi_sort_order as integer) as kpi_sort_order
    from against_target

)

select * from final

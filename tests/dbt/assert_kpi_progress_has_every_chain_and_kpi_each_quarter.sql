-- The quarterly export needs one row per chain (ALL + 4) × every KPI of the catalogue for
-- every quarter in the spine: returns the quarters where a row is missing.

with

progress as (

    select * from {{ ref('fct_kpi_progress') }}

),

kpis as (

    select * from {{ ref('dim_kpis') }}

),

chains as (

    select * from {{ ref('dim_chains') }}

),

expected as (

    select (select count(*) from kpis) * (select count(*) from chains) as row_count

),

per_quarter as (

    select
        progress.year,
        progress.quarter,
        count(*) as row_count
    from progress
    group by
        progress.year,
        progress.quarter

),

final as (

    select
        per_quarter.year,
        per_quarter.quarter,
        per_quarter.row_count,
        expected.row_count as expected_row_count
    from per_quarter
    cross join expected
    where per_quarter.row_count <> expected.row_count

)

select * from final

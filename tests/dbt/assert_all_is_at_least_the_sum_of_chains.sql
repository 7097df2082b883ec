-- ALL counts every event, chainless ones included: for every KPI and period it is never less
-- than the sum of the four chains. Returns the (year, quarter, KPI) where it is.

with

progress as (

    select * from {{ ref('fct_kpi_progress') }}

),

chain_sums as (

    select
        progress.year,
        progress.quarter,
        progress.kpi_code,
        sum(
            case when progress.chain_code = 'ALL' then progress.ytd_actual else 0 end
        ) as all_ytd,
        sum(
            case when progress.chain_code <> 'ALL' then progress.ytd_actual else 0 end
        ) as chains_ytd,
        sum(
            case when progress.chain_code = 'ALL' then progress.quarter_actual else 0 end
        ) as all_quarter,
        sum(
            case when progress.chain_code <> 'ALL' then progress.quarter_actual else 0 end
        ) as chains_quarter
    from progress
    group by
        progress.year,
        progress.quarter,
        progress.kpi_code

),

final as (

    select *
    from chain_sums
    where all_ytd < chains_ytd or all_quarter < chains_quarter

)

select * from final

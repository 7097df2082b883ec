-- Every target is "at least" a non-negative amount: returns targets below zero.

with

targets as (

    select * from {{ ref('kpi_targets') }}

),

final as (

    select
        targets.year,
        targets.chain_code,
        targets.kpi_code,
        targets.annual_target
    from targets
    where targets.annual_target < 0

)

select * from final

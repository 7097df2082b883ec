-- A bulletin weight is a share of the composite score: returns weights below zero.

with

weights as (

    select * from {{ ref('assessment_weights') }}

),

final as (

    select
        weights.kpi_code,
        weights.weight
    from weights
    where weights.weight < 0

)

select * from final

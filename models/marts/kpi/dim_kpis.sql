-- The KPI catalogue (seeds/kpi_definitions.csv) with what the dashboard and export need to
-- show a value: whether it is a whole-number count and whether an official target exists.

with

definitions as (

    select * from {{ ref('kpi_definitions') }}

),

targets as (

    select * from {{ ref('kpi_targets') }}

),

official_targets as (

    select distinct targets.kpi_code
    from targets
    where not targets.is_example

),

final as (

    select
        definitions.kpi_code,
        definitions.name_zh,
        definitions.name_en,
        definitions.unit,
        definitions.area,
        definitions.description_zh,
        definitions.source_sentence,
        definitions.sort_order,
        coalesce(definitions.unit <> '万元', true) as is_count,
        official_targets.kpi_code is not null as has_official_target
    from definitions
    left join official_targets
        on definitions.kpi_code = official_targets.kpi_code

)

select * from final

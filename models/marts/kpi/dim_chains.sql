-- The four chains and the district total ALL (全区), the five "chain" rows every KPI has.

with

chains as (

    select * from {{ ref('chains') }}

),

four_chains as (

    select
        chains.chain_code,
        chains.name_zh,
        chains.name_en,
        chains.sort_order,
        false as is_district_total
    from chains

),

district_total as (

    select
        'ALL' as chain_code,
        '全区' as name_zh,
        'District total' as name_en,
        0 as sort_order,
        true as is_district_total

),

unioned as (

    select * from district_total
    union all
    select * from four_chains

),

final as (

    select
        cast(chain_code as {{ dbt.type_string() }}) as chain_code,
        cast(name_zh as {{ dbt.type_string() }}) as name_zh,
        cast(name_en as {{ dbt.type_string() }}) as name_en,
        cast(sort_order as integer) as sort_order,
        is_district_total
    from unioned

)

select * from final

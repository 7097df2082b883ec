-- Corrections of funds in place (party_service_funds.md) for the data-quality page: every
-- time a project ledger gave a project a running total capital_in_place_wan below the one of
-- the project's previous ledger period. The KPI funds_in_place_wan counts the fall as it is
-- (int_funds_in_place); this lists it, so that an office can say whether it is a real
-- correction or a typing error. One row per (project, period).

with

funds as (

    select * from {{ ref('int_funds_in_place') }}

),

final as (

    select
        cast(funds.project_id as {{ dbt.type_string() }}) as project_id,
        cast(funds.project_name as {{ dbt.type_string() }}) as project_name,
        cast(funds.chain_code as {{ dbt.type_string() }}) as chain_code,
        cast(funds.period as {{ dbt.type_string() }}) as period,
        funds.period_end_date,
        cast(funds.previous_period as {{ dbt.type_string() }}) as previous_period,
        funds.previous_period_end_date,
        cast(funds.previous_running_total_wan as decimal(18, 2)) as previous_running_total_wan,
        cast(funds.running_total_wan as decimal(18, 2)) as running_total_wan,
        cast(funds.change_wan as decimal(18, 2)) as change_wan,
        cast(funds._source_file as {{ dbt.type_string() }}) as source_file,
        cast(funds._load_id as integer) as load_id
    from funds
    where funds.is_correction

)

select * from final

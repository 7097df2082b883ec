-- 到位率 (party_service_funds.md, "On the dashboard"): every signed project that is not
-- dropped, its planned investment and its funds in place as of the as-of date — the running
-- total of its newest ledger period ending on or before it (int_funds_in_place, the same
-- figures the KPI funds_in_place_wan adds up), 0 when no ledger has reported any. The
-- dashboard divides the sum of funds by the sum of planned investment of these projects.

with

projects as (

    select * from {{ ref('dim_project_pipeline') }}

),

funds as (

    select * from {{ ref('int_funds_in_place') }}

),

latest_funds as (

    select
        funds.project_id,
        funds.period_end_date,
        funds.running_total_wan
    from funds
    where funds.period_end_date <= {{ as_of_date() }}
    qualify row_number() over (
        partition by funds.project_id
        order by funds.period_end_date desc
    ) = 1

),

final as (

    select
        projects.project_id,
        projects.chain_code,
        projects.stage,
        projects.signed_date,
        projects.planned_investment_wan,
        cast(coalesce(latest_funds.running_total_wan, 0) as decimal(18, 2))
            as funds_in_place_wan,
        latest_funds.period_end_date as funds_period_end_date
    from projects
    left join latest_funds
        on projects.project_id = latest_funds.project_id
    where
        projects.signed_date is not null
        and projects.stage != 'dropped'

)

select * from final

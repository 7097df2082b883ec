-- Every enterprise issue of the three through trains (企业诉求 / 直通车, party_service_funds.md;
-- current state): one row per issue, with how long it took to resolve or how long it has been
-- open as of the as-of date. The free-text summary (诉求内容) may name people: the dashboard
-- reads it only for analysts and the chain's own office (queries.issue_summaries).

with

issues as (

    select * from {{ ref('stg_enterprise_issues') }}

),

aged as (

    select
        issues.issue_id,
        issues.chain_code,
        issues.enterprise,
        issues.track,
        issues.received_date,
        issues.status,
        issues.resolved_date,
        issues.satisfaction,
        issues.summary,
        {{ as_of_date() }} as as_of_date,
        case
            when issues.status = 'resolved' and issues.resolved_date is not null
                then {{ dbt.datediff('issues.received_date', 'issues.resolved_date', 'day') }}
        end as days_to_resolve,
        case
            when issues.status = 'open'
                then {{ dbt.datediff('issues.received_date', as_of_date(), 'day') }}
        end as days_open
    from issues

),

final as (

    select
        aged.issue_id,
        aged.chain_code,
        aged.enterprise,
        aged.track,
        aged.received_date,
        aged.status,
        aged.resolved_date,
        cast(aged.days_to_resolve as integer) as days_to_resolve,
        cast(aged.days_open as integer) as days_open,
        coalesce(aged.days_open > 30, false) as open_over_30_days,
        coalesce(aged.days_open > 60, false) as open_over_60_days,
        aged.satisfaction,
        aged.as_of_date,
        aged.summary
    from aged

)

select * from final

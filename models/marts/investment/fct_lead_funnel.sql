-- The lead funnel per year of first contact (a cohort view), channel and chain: how many
-- leads came in, how many were visited (已拜访 or later: visited, converted), how many were
-- converted, and how long conversion took. channel_code and chain_code ALL are totals; leads
-- without a chain count in chain ALL only. Combinations without leads have no row.

with

leads as (

    select * from {{ ref('int_leads_classified') }}

),

by_chain as (

    select
        leads.lead_id,
        leads.first_contact_year,
        leads.channel,
        leads.chain_code,
        leads.has_been_visited,
        leads.is_converted,
        leads.days_to_conversion
    from leads
    where leads.chain_code is not null

    union all

    select
        leads.lead_id,
        leads.first_contact_year,
        leads.channel,
        'ALL' as chain_code,
        leads.has_been_visited,
        leads.is_converted,
        leads.days_to_conversion
    from leads

),

by_chain_and_channel as (

    select
        by_chain.first_contact_year,
        by_chain.channel as channel_code,
        by_chain.chain_code,
        by_chain.has_been_visited,
        by_chain.is_converted,
        by_chain.days_to_conversion
    from by_chain

    union all

    select
        by_chain.first_contact_year,
        'ALL' as channel_code,
        by_chain.chain_code,
        by_chain.has_been_visited,
        by_chain.is_converted,
        by_chain.days_to_conversion
    from by_chain

),

aggregated as (

    select
        by_chain_and_channel.first_contact_year as year,
        by_chain_and_channel.channel_code,
        by_chain_and_channel.chain_code,
        count(*) as lead_count,
        sum(case when by_chain_and_channel.has_been_visited then 1 else 0 end) as visited_count,
        sum(case when by_chain_and_channel.is_converted then 1 else 0 end) as converted_count,
        {{ median('by_chain_and_channel.days_to_conversion') }} as median_days_to_conversion
    from by_chain_and_channel
    group by
        by_chain_and_channel.first_contact_year,
        by_chain_and_channel.channel_code,
        by_chain_and_channel.chain_code

),

final as (

    select
        cast(year as integer) as year,
        cast(channel_code as {{ dbt.type_string() }}) as channel_code,
        cast(chain_code as {{ dbt.type_string() }}) as chain_code,
        cast(lead_count as integer) as lead_count,
        cast(visited_count as integer) as visited_count,
        cast(converted_count as integer) as converted_count,
        cast(round(cast(converted_count as decimal(18, 4)) / lead_count, 4) as decimal(18, 4))
            as conversion_rate,
        cast(median_days_to_conversion as decimal(18, 1)) as median_days_to_conversion
    from aggregated

)

select * from final

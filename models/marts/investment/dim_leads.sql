-- Every investor lead (current state) with its funnel position, age and stale flag.
-- Stale (30 天以上未跟进, not followed up): a lead still open (new, following, visited) whose
-- last follow-up lies `stale_lead_days` (30) or more days before the as-of date. The ledger
-- has no follow-up date: the last follow-up is the newest ledger, by period, in which the
-- lead's status changed, else its first contact (int_lead_follow_ups).

with

leads as (

    select * from {{ ref('int_leads_classified') }}

),

chains as (

    select * from {{ ref('dim_chains') }}

),

channels as (

    select * from {{ ref('lead_channels') }}

),

statuses as (

    select * from {{ ref('lead_statuses') }}

),

follow_ups as (

    select * from {{ ref('int_lead_follow_ups') }}

),

aged as (

    select
        leads.*,
        follow_ups.last_follow_up_date,
        follow_ups.last_follow_up_source,
        {{ as_of_date() }} as as_of_date,
        {{ dbt.datediff('leads.first_contact_date', as_of_date(), 'day') }}
            as days_since_first_contact,
        {{ dbt.datediff('follow_ups.last_follow_up_date', as_of_date(), 'day') }}
            as days_since_follow_up
    from leads
    left join follow_ups
        on leads.lead_id = follow_ups.lead_id

),

final as (

    select
        leads.lead_id,
        leads.company,
        leads.chain_code,
        chains.name_zh as chain_name_zh,
        leads.channel,
        channels.label_zh as channel_label_zh,
        leads.source_city,
        leads.first_contact_date,
        leads.first_contact_year,
        leads.status,
        statuses.label_zh as status_label_zh,
        cast(statuses.sort_order as integer) as status_sort_order,
        leads.converted_date,
        leads.project_id,
        leads.has_known_project,
        cast(leads.expected_investment_wan as decimal(18, 2)) as expected_investment_wan,
        leads.is_open,
        leads.has_been_visited,
        leads.is_converted,
        cast(leads.days_to_conversion as integer) as days_to_conversion,
        leads.as_of_date,
        cast(leads.days_since_first_contact as integer) as days_since_first_contact,
        case
            when leads.is_open and leads.days_since_follow_up >= {{ var('stale_lead_days') }}
                then true
            else false
        end as is_stale,
        leads._source_file,
        leads._load_id,
        leads._ingested_at,
        leads.last_follow_up_date,
        cast(leads.last_follow_up_source as {{ dbt.type_string() }}) as last_follow_up_source,
        cast(leads.days_since_follow_up as integer) as days_since_follow_up
    from aged as leads
    left join chains
        on leads.chain_code = chains.chain_code
    left join channels
        on leads.channel = channels.code
    left join statuses
        on leads.status = statuses.code

)

select * from final

-- Each current lead with the funnel flags the lead marts share. Nothing here depends on the
-- as-of date (this is a view): ages against the as-of date are computed in the marts.

with

leads as (

    select * from {{ ref('stg_leads') }}

),

projects as (

    select * from {{ ref('stg_projects') }}

),

classified as (

    select
        leads.lead_id,
        leads.company,
        leads.chain_code,
        leads.channel,
        leads.source_city,
        leads.first_contact_date,
        cast(extract(year from leads.first_contact_date) as integer) as first_contact_year,
        leads.status,
        leads.converted_date,
        leads.project_id,
        projects.project_id is not null as has_known_project,
        leads.expected_investment_wan,
        coalesce(leads.status in ('new', 'following', 'visited'), false) as is_open,
        coalesce(
            leads.status in ('visited', 'converted') or leads.converted_date is not null, false
        ) as has_been_visited,
        leads.converted_date is not null as is_converted,
        {{ dbt.datediff('leads.first_contact_date', 'leads.converted_date', 'day') }}
            as days_to_conversion,
        leads._source_file,
        leads._load_id,
        leads._ingested_at
    from leads
    left join projects
        on leads.project_id = projects.project_id

),

final as (

    select * from classified

)

select * from final

-- Each chain gap (current state) with the projects that address it (project.gap_id) and the
-- leads behind those projects (the lead a project names in lead_id, and any lead that names
-- the project as its converted project). A gap not yet closed with neither is uncovered.

with

gaps as (

    select * from {{ ref('stg_chain_gaps') }}

),

projects as (

    select * from {{ ref('stg_projects') }}

),

leads as (

    select * from {{ ref('stg_leads') }}

),

chains as (

    select * from {{ ref('dim_chains') }}

),

gap_projects as (

    select
        projects.gap_id,
        projects.project_id,
        projects.lead_id,
        projects.planned_investment_wan
    from projects
    inner join gaps
        on projects.gap_id = gaps.gap_id

),

gap_leads as (

    select
        gap_projects.gap_id,
        leads.lead_id
    from gap_projects
    inner join leads
        on gap_projects.project_id = leads.project_id

    union

    select
        gap_projects.gap_id,
        leads.lead_id
    from gap_projects
    inner join leads
        on gap_projects.lead_id = leads.lead_id

),

project_summary as (

    select
        gap_projects.gap_id,
        count(*) as project_count,
        sum(gap_projects.planned_investment_wan) as planned_investment_wan,
        {{ dbt.listagg('gap_projects.project_id', "', '", 'order by gap_projects.project_id') }}
            as project_ids
    from gap_projects
    group by gap_projects.gap_id

),

lead_summary as (

    select
        gap_leads.gap_id,
        count(*) as lead_count,
        {{ dbt.listagg('gap_leads.lead_id', "', '", 'order by gap_leads.lead_id') }}
            as lead_ids
    from gap_leads
    group by gap_leads.gap_id

),

final as (

    select
        gaps.gap_id,
        gaps.chain_code,
        chains.name_zh as chain_name_zh,
        gaps.segment,
        gaps.link_name,
        gaps.priority,
        gaps.identified_date,
        gaps.status,
        gaps.closed_date,
        coalesce(gaps.status <> 'closed', true) as is_open,
        cast(coalesce(project_summary.project_count, 0) as integer) as project_count,
        project_summary.project_ids,
        cast(
            coalesce(project_summary.planned_investment_wan, 0) as decimal(18, 2)
        ) as planned_investment_wan,
        cast(coalesce(lead_summary.lead_count, 0) as integer) as lead_count,
        lead_summary.lead_ids,
        coalesce(
            gaps.status <> 'closed'
            and project_summary.gap_id is null
            and lead_summary.gap_id is null,
            false
        ) as is_uncovered,
        {{ as_of_date() }} as as_of_date,
        {%- set closed_or_as_of = 'coalesce(gaps.closed_date, ' ~ as_of_date() ~ ')' %}
        cast(
            {{ dbt.datediff('gaps.identified_date', closed_or_as_of, 'day') }}
            as integer
        ) as days_open,
        gaps._source_file,
        gaps._load_id,
        gaps._ingested_at
    from gaps
    left join project_summary
        on gaps.gap_id = project_summary.gap_id
    left join lead_summary
        on gaps.gap_id = lead_summary.gap_id
    left join chains
        on gaps.chain_code = chains.chain_code

)

select * from final

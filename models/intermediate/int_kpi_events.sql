-- The one place where each KPI of spec/kpis.md is defined: one row per counted event, with
-- the date that puts it in a period and the value it adds (1 for a count, an amount for a sum).
-- Counts run over the current state of each dataset (the staging models).
-- To add a KPI: a row in seeds/kpi_definitions.csv and a CTE here, added to `unioned`.

with

hires as (

    select * from {{ ref('stg_talent_hires') }}

),

leader_projects as (

    select * from {{ ref('stg_leader_projects') }}

),

catalogue as (

    select * from {{ ref('stg_talent_catalogue') }}

),

projects as (

    select * from {{ ref('stg_projects') }}

),

gaps as (

    select * from {{ ref('stg_chain_gaps') }}

),

leads as (

    select * from {{ ref('stg_leads') }}

),

-- 博士及以上人才引进数: hires whose degree is 博士 or 博士后, by hire_date.
phd_hires as (

    select
        'phd_hires' as kpi_code,
        hires.chain_code,
        hires.hire_date as event_date,
        1 as event_value,
        'talent_hires' as source_dataset,
        hires.hire_id as source_id
    from hires
    where hires.degree in ('phd', 'postdoc')

),

-- 国家级、省级领军人才项目数: leader projects of national or provincial level, by approved_date.
leader_talent_projects as (

    select
        'leader_talent_projects' as kpi_code,
        leader_projects.chain_code,
        leader_projects.approved_date as event_date,
        1 as event_value,
        'leader_projects' as source_dataset,
        leader_projects.leader_project_id as source_id
    from leader_projects
    where leader_projects.level in ('national', 'provincial')

),

-- 人才引进总数: all hires, by hire_date.
talent_hires as (

    select
        'talent_hires' as kpi_code,
        hires.chain_code,
        hires.hire_date as event_date,
        1 as event_value,
        'talent_hires' as source_dataset,
        hires.hire_id as source_id
    from hires

),

-- 回引本土人才数: hires flagged as local returnees, by hire_date.
returnee_hires as (

    select
        'returnee_hires' as kpi_code,
        hires.chain_code,
        hires.hire_date as event_date,
        1 as event_value,
        'talent_hires' as source_dataset,
        hires.hire_id as source_id
    from hires
    where hires.is_local_returnee

),

-- 急需紧缺岗位需求人数: headcount of catalogue positions, by published_date.
catalogue_headcount as (

    select
        'catalogue_headcount' as kpi_code,
        catalogue.chain_code,
        catalogue.published_date as event_date,
        catalogue.headcount as event_value,
        'talent_catalogue' as source_dataset,
        catalogue.position_id as source_id
    from catalogue

),

-- 目录岗位引进人数: hires whose position_id is a known catalogue position, by hire_date,
-- on the hire's own chain.
catalogue_hires as (

    select
        'catalogue_hires' as kpi_code,
        hires.chain_code,
        hires.hire_date as event_date,
        1 as event_value,
        'talent_hires' as source_dataset,
        hires.hire_id as source_id
    from hires
    inner join catalogue
        on hires.position_id = catalogue.position_id

),

-- 签约项目数: projects with a signed_date, whatever their stage now (终止 included).
projects_signed as (

    select
        'projects_signed' as kpi_code,
        projects.chain_code,
        projects.signed_date as event_date,
        1 as event_value,
        'projects' as source_dataset,
        projects.project_id as source_id
    from projects
    where projects.signed_date is not null

),

-- 签约项目计划总投资: planned investment of those projects, by signed_date.
signed_investment_wan as (

    select
        'signed_investment_wan' as kpi_code,
        projects.chain_code,
        projects.signed_date as event_date,
        projects.planned_investment_wan as event_value,
        'projects' as source_dataset,
        projects.project_id as source_id
    from projects
    where projects.signed_date is not null

),

-- 亿元以上签约项目数: signed projects with planned investment >= 10000 万元.
major_projects_signed as (

    select
        'major_projects_signed' as kpi_code,
        projects.chain_code,
        projects.signed_date as event_date,
        1 as event_value,
        'projects' as source_dataset,
        projects.project_id as source_id
    from projects
    where
        projects.signed_date is not null
        and projects.planned_investment_wan >= {{ var('major_project_min_wan') }}

),

-- 开工项目数: projects with a started_date.
projects_started as (

    select
        'projects_started' as kpi_code,
        projects.chain_code,
        projects.started_date as event_date,
        1 as event_value,
        'projects' as source_dataset,
        projects.project_id as source_id
    from projects
    where projects.started_date is not null

),

-- 投产项目数: projects with a producing_date.
projects_producing as (

    select
        'projects_producing' as kpi_code,
        projects.chain_code,
        projects.producing_date as event_date,
        1 as event_value,
        'projects' as source_dataset,
        projects.project_id as source_id
    from projects
    where projects.producing_date is not null

),

-- 新识别产业链缺口数: chain gaps, by identified_date.
gaps_identified as (

    select
        'gaps_identified' as kpi_code,
        gaps.chain_code,
        gaps.identified_date as event_date,
        1 as event_value,
        'chain_gaps' as source_dataset,
        gaps.gap_id as source_id
    from gaps

),

-- 补齐产业链缺口数: chain gaps with a closed_date.
gaps_closed as (

    select
        'gaps_closed' as kpi_code,
        gaps.chain_code,
        gaps.closed_date as event_date,
        1 as event_value,
        'chain_gaps' as source_dataset,
        gaps.gap_id as source_id
    from gaps
    where gaps.closed_date is not null

),

-- 新增招商线索数: leads, by first_contact_date.
leads_new as (

    select
        'leads_new' as kpi_code,
        leads.chain_code,
        leads.first_contact_date as event_date,
        1 as event_value,
        'leads' as source_dataset,
        leads.lead_id as source_id
    from leads

),

-- 转化招商线索数: leads with a converted_date.
leads_converted as (

    select
        'leads_converted' as kpi_code,
        leads.chain_code,
        leads.converted_date as event_date,
        1 as event_value,
        'leads' as source_dataset,
        leads.lead_id as source_id
    from leads
    where leads.converted_date is not null

),

unioned as (

    select * from phd_hires
    union all
    select * from leader_talent_projects
    union all
    select * from talent_hires
    union all
    select * from returnee_hires
    union all
    select * from catalogue_headcount
    union all
    select * from catalogue_hires
    union all
    select * from projects_signed
    union all
    select * from signed_investment_wan
    union all
    select * from major_projects_signed
    union all
    select * from projects_started
    union all
    select * from projects_producing
    union all
    select * from gaps_identified
    union all
    select * from gaps_closed
    union all
    select * from leads_new
    union all
    select * from leads_converted

),

final as (

    select
        cast(kpi_code as {{ dbt.type_string() }}) as kpi_code,
        chain_code,
        event_date,
        cast(extract(year from event_date) as integer) as event_year,
        cast(extract(quarter from event_date) as integer) as event_quarter,
        cast(extract(month from event_date) as integer) as event_month,
        cast(event_value as decimal(18, 2)) as event_value,
        cast(source_dataset as {{ dbt.type_string() }}) as source_dataset,
        source_id
    from unioned
    where event_date is not null

)

select * from final

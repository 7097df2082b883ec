-- The one place where each KPI of spec/kpis.md and party_service_funds.md is defined: one row
-- per counted event, with the date that puts it in a period and the value it adds (1 for a
-- count, an amount for a sum).
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

party_activities as (

    select * from {{ ref('stg_party_activities') }}

),

mentoring_pairs as (

    select * from {{ ref('stg_mentoring_pairs') }}

),

enterprise_issues as (

    select * from {{ ref('stg_enterprise_issues') }}

),

funds as (

    select * from {{ ref('int_funds_in_place') }}

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

-- 党建工作培训次数: party activities of type 党建培训, by activity_date.
party_trainings as (

    select
        'party_trainings' as kpi_code,
        party_activities.chain_code,
        party_activities.activity_date as event_date,
        1 as event_value,
        'party_activities' as source_dataset,
        party_activities.activity_id as source_id
    from party_activities
    where party_activities.activity_type = 'training'

),

-- 产业链党委会议次数: party activities of type 党委会议, by activity_date.
committee_meetings as (

    select
        'committee_meetings' as kpi_code,
        party_activities.chain_code,
        party_activities.activity_date as event_date,
        1 as event_value,
        'party_activities' as source_dataset,
        party_activities.activity_id as source_id
    from party_activities
    where party_activities.activity_type = 'committee_meeting'

),

-- 新增帮带结对数: mentoring pairs, by signed_date (ended pairs included).
mentoring_pairs_signed as (

    select
        'mentoring_pairs_signed' as kpi_code,
        mentoring_pairs.chain_code,
        mentoring_pairs.signed_date as event_date,
        1 as event_value,
        'mentoring_pairs' as source_dataset,
        mentoring_pairs.pair_id as source_id
    from mentoring_pairs

),

-- 受理企业诉求数: enterprise issues, by received_date.
issues_received as (

    select
        'issues_received' as kpi_code,
        enterprise_issues.chain_code,
        enterprise_issues.received_date as event_date,
        1 as event_value,
        'enterprise_issues' as source_dataset,
        enterprise_issues.issue_id as source_id
    from enterprise_issues

),

-- 办结企业诉求数: enterprise issues with status 已办结 (not 无法办理), by resolved_date.
issues_resolved as (

    select
        'issues_resolved' as kpi_code,
        enterprise_issues.chain_code,
        enterprise_issues.resolved_date as event_date,
        1 as event_value,
        'enterprise_issues' as source_dataset,
        enterprise_issues.issue_id as source_id
    from enterprise_issues
    where enterprise_issues.status = 'resolved'

),

-- 实际到位资金: per project, the change of its running total capital_in_place_wan from one
-- ledger period to the next (from 0 for the first), at the period's end (int_funds_in_place):
-- a quarter's sum is Σ over projects of (running total at its end − at the previous quarter's
-- end). A correction that falls counts as it is (a negative event). No change, no event.
funds_in_place_wan as (

    select
        'funds_in_place_wan' as kpi_code,
        funds.chain_code,
        funds.period_end_date as event_date,
        funds.change_wan as event_value,
        'projects' as source_dataset,
        {{ dbt.concat([
            "funds.project_id",
            "'@'",
            "cast(funds.period_end_date as " ~ dbt.type_string() ~ ")",
        ]) }} as source_id
    from funds
    where funds.change_wan <> 0

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
    union all
    select * from party_trainings
    union all
    select * from committee_meetings
    union all
    select * from mentoring_pairs_signed
    union all
    select * from issues_received
    union all
    select * from issues_resolved
    union all
    select * from funds_in_place_wan

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

-- When each current lead was last followed up: the newest ledger, by period, in which its
-- status differed from its status in the ledger before it (the ledgers have no follow-up
-- date column; a status change — 新线索 → 跟进中 → 已拜访 … — is what a follow-up leaves in
-- them). From that ledger's date (stg_ingest_files.ledger_date: the last day of its period,
-- or the day it was handed in if earlier). A lead whose status has not changed since the
-- first ledger that listed it (or whose change is dated before its first contact) was last
-- followed up at its first contact. One row per current lead.

with

leads as (

    select * from {{ ref('stg_leads') }}

),

versions as (

    select * from {{ ref('stg_lead_versions') }}

),

files as (

    select * from {{ ref('stg_ingest_files') }}

),

versions_dated as (

    select
        versions.lead_id,
        versions.status,
        versions._load_id,
        files.period,
        coalesce(files.ledger_date, cast(versions._ingested_at as date)) as ledger_date
    from versions
    left join files
        on versions._load_id = files.load_id

),

versions_ordered as (

    select
        versions_dated.*,
        lag(versions_dated.status) over (
            partition by versions_dated.lead_id
            order by versions_dated.ledger_date, versions_dated._load_id
        ) as previous_status
    from versions_dated

),

status_changes as (

    select
        versions_ordered.lead_id,
        versions_ordered.ledger_date,
        versions_ordered.period,
        row_number() over (
            partition by versions_ordered.lead_id
            order by versions_ordered.ledger_date desc, versions_ordered._load_id desc
        ) as newest_rank
    from versions_ordered
    where
        versions_ordered.previous_status is not null
        and versions_ordered.status <> versions_ordered.previous_status

),

last_changes as (

    select
        status_changes.lead_id,
        status_changes.ledger_date as last_status_change_date,
        status_changes.period as last_status_change_period
    from status_changes
    where status_changes.newest_rank = 1

),

final as (

    select
        leads.lead_id,
        last_changes.last_status_change_date,
        cast(last_changes.last_status_change_period as {{ dbt.type_string() }})
            as last_status_change_period,
        case
            when last_changes.last_status_change_date > leads.first_contact_date
                then last_changes.last_status_change_date
            else leads.first_contact_date
        end as last_follow_up_date,
        cast(
            case
                when last_changes.last_status_change_date > leads.first_contact_date
                    then 'status_change'
                else 'first_contact'
            end as {{ dbt.type_string() }}
        ) as last_follow_up_source
    from leads
    left join last_changes
        on leads.lead_id = last_changes.lead_id

)

select * from final

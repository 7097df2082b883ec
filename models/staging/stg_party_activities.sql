-- Current state of the party_activities ledger (party_service_funds.md): per activity_id,
-- the row of the latest load.

with

source as (

    select * from {{ source('raw', 'party_activities') }}

),

final as (

    select
        activity_id,
        chain as chain_code,
        activity_type,
        title,
        activity_date,
        participants,
        problems_solved,
        _source_file,
        _row_number,
        _load_id,
        _ingested_at
    from source
    qualify {{ is_newest_version('activity_id') }}

)

select * from final

-- Current state of the mentoring_pairs ledger (party_service_funds.md): per pair_id, the row
-- of the latest load.

with

source as (

    select * from {{ source('raw', 'mentoring_pairs') }}

),

final as (

    select
        pair_id,
        chain as chain_code,
        mentor_org,
        mentee_org,
        signed_date,
        coalesce(has_agreement, false) as has_agreement,
        status,
        ended_date,
        _source_file,
        _row_number,
        _load_id,
        _ingested_at
    from source
    qualify {{ is_newest_version('pair_id') }}

)

select * from final

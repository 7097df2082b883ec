-- Current state of the mentoring_pairs ledger (party_service_funds.md): per pair_id, the row of the
-- latest load.

with

source as (

    select * from {{ source('raw', 'mentoring_pairs') }}

),

versions_ranked as (

    select
        source.*,
        row_number() over (
            partition by source.pair_id
            order by source._load_id desc
        ) as version_rank
    from source

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
    from versions_ranked
    where version_rank = 1

)

select * from final

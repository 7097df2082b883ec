-- Current state of the enterprise_issues ledger (party_service_funds.md): per issue_id, the
-- row of the latest load.

with

source as (

    select * from {{ source('raw', 'enterprise_issues') }}

),

final as (

    select
        issue_id,
        chain as chain_code,
        enterprise,
        track,
        summary,
        received_date,
        status,
        resolved_date,
        satisfaction,
        _source_file,
        _row_number,
        _load_id,
        _ingested_at
    from source
    qualify {{ is_newest_version('issue_id') }}

)

select * from final

-- Current state of the enterprise_issues ledger (party_service_funds.md): per issue_id, the row of the
-- latest load.

with

source as (

    select * from {{ source('raw', 'enterprise_issues') }}

),

versions_ranked as (

    select
        source.*,
        row_number() over (
            partition by source.issue_id
            order by source._load_id desc
        ) as version_rank
    from source

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
    from versions_ranked
    where version_rank = 1

)

select * from final

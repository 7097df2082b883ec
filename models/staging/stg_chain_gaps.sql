-- Current state of the chain gaps: per gap_id, the row of the latest load.

with

source as (

    select * from {{ source('raw', 'chain_gaps') }}

),

versions_ranked as (

    select
        source.*,
        row_number() over (
            partition by source.gap_id
            order by source._load_id desc
        ) as version_rank
    from source

),

final as (

    select
        gap_id,
        chain as chain_code,
        segment,
        link_name,
        priority,
        identified_date,
        status,
        closed_date,
        _source_file,
        _row_number,
        _load_id,
        _ingested_at
    from versions_ranked
    where version_rank = 1

)

select * from final

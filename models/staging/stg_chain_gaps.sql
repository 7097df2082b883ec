-- Current state of the chain gaps: per gap_id, the row of the latest load.

with

source as (

    select * from {{ source('raw', 'chain_gaps') }}

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
    from source
    qualify {{ is_newest_version('gap_id') }}

)

select * from final

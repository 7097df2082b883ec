-- Current state of the talent catalogue: per position_id, the row of the latest load.

with

source as (

    select * from {{ source('raw', 'talent_catalogue') }}

),

final as (

    select
        position_id,
        chain as chain_code,
        employer,
        position_title,
        discipline,
        min_degree,
        headcount,
        published_date,
        _source_file,
        _row_number,
        _load_id,
        _ingested_at
    from source
    qualify {{ is_newest_version('position_id') }}

)

select * from final

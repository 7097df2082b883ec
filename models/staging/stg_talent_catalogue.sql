-- Current state of the talent catalogue: per position_id, the row of the latest load.

with

source as (

    select * from {{ source('raw', 'talent_catalogue') }}

),

versions_ranked as (

    select
        source.*,
        row_number() over (
            partition by source.position_id
            order by source._load_id desc
        ) as version_rank
    from source

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
    from versions_ranked
    where version_rank = 1

)

select * from final

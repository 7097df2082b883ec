-- Current state of the leading-talent projects: per leader_project_id, the row of the latest load.

with

source as (

    select * from {{ source('raw', 'leader_projects') }}

),

versions_ranked as (

    select
        source.*,
        row_number() over (
            partition by source.leader_project_id
            order by source._load_id desc
        ) as version_rank
    from source

),

final as (

    select
        leader_project_id,
        title,
        level,
        chain as chain_code,
        employer,
        approved_date,
        _source_file,
        _row_number,
        _load_id,
        _ingested_at
    from versions_ranked
    where version_rank = 1

)

select * from final

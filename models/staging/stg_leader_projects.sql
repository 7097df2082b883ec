-- Current state of the leading-talent projects: per leader_project_id, the row of the latest load.

with

source as (

    select * from {{ source('raw', 'leader_projects') }}

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
    from source
    qualify {{ is_newest_version('leader_project_id') }}

)

select * from final

-- Every version of every project ever handed in (the history the stage timeline and funds in
-- place are built from).

with

source as (

    select * from {{ source('raw', 'projects') }}

),

versions_numbered as (

    select
        source.*,
        row_number() over (
            partition by source.project_id
            order by source._load_id
        ) as version_number,
        {{ is_newest_version('source.project_id') }} as is_current_version
    from source

),

final as (

    select
        project_id,
        version_number,
        is_current_version,
        chain as chain_code,
        stage,
        planned_investment_wan,
        capital_in_place_wan,
        signed_date,
        started_date,
        producing_date,
        _source_file,
        _row_number,
        _load_id,
        _ingested_at
    from versions_numbered

)

select * from final

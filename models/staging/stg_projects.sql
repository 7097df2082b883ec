-- Current state of the project reserve library: per project_id, the row of the latest load.

with

source as (

    select * from {{ source('raw', 'projects') }}

),

final as (

    select
        project_id,
        project_name,
        chain as chain_code,
        project_type,
        segment,
        gap_id,
        investor,
        origin,
        channel,
        planned_investment_wan,
        capital_in_place_wan,
        stage,
        signed_date,
        started_date,
        producing_date,
        coalesce(head_enterprise, false) as is_head_enterprise,
        lead_id,
        _source_file,
        _row_number,
        _load_id,
        _ingested_at
    from source
    qualify {{ is_newest_version('project_id') }}

)

select * from final

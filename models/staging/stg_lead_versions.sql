-- Every version of every investor lead ever handed in (the history the follow-ups are read
-- from: a lead's status in each ledger).

with

source as (

    select * from {{ source('raw', 'leads') }}

),

versions_numbered as (

    select
        source.*,
        row_number() over (
            partition by source.lead_id
            order by source._load_id
        ) as version_number,
        {{ is_newest_version('source.lead_id') }} as is_current_version
    from source

),

final as (

    select
        lead_id,
        version_number,
        is_current_version,
        chain as chain_code,
        status,
        converted_date,
        _source_file,
        _row_number,
        _load_id,
        _ingested_at
    from versions_numbered

)

select * from final

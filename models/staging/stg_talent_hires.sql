-- Current state of the talent hires: per hire_id, the row of the latest load.
-- Personal data arrives masked and hashed only; the hashes stay here (for matching people)
-- and go no further than staging.

with

source as (

    select * from {{ source('raw', 'talent_hires') }}

),

final as (

    select
        hire_id,
        name_masked,
        name_hash,
        id_number_masked,
        id_number_hash,
        phone_masked,
        phone_hash,
        degree,
        coalesce(talent_level, 'other') as talent_level,
        chain as chain_code,
        employer,
        hire_date,
        channel,
        coalesce(local_returnee, false) as is_local_returnee,
        position_id,
        _source_file,
        _row_number,
        _load_id,
        _ingested_at
    from source
    qualify {{ is_newest_version('hire_id') }}

)

select * from final

-- The files handed in to `kpi ingest`, loaded or rejected whole, with how each was read.

with

source as (

    select * from {{ source('raw', 'ingest_files') }}

),

final as (

    select
        load_id,
        run_id,
        file_name,
        sha256,
        dataset,
        status as load_status,
        rows_read,
        rows_loaded,
        rows_rejected,
        ingested_at,
        archive_path,
        errors as errors_json,
        interpretation as interpretation_json
    from source

)

select * from final

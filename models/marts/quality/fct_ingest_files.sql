-- Every file handed in to `kpi ingest`, with what became of it, so the published warehouse
-- answers "what was loaded, what was rejected" without opening the raw layer.

with

files as (

    select * from {{ ref('stg_ingest_files') }}

),

warnings as (

    select * from {{ ref('stg_ingest_warnings') }}

),

warnings_per_load as (

    select
        warnings.load_id,
        count(*) as warning_count
    from warnings
    group by warnings.load_id

),

final as (

    select
        files.load_id,
        files.run_id,
        files.file_name,
        files.sha256,
        files.dataset,
        files.load_status,
        cast(files.rows_read as integer) as rows_read,
        cast(files.rows_loaded as integer) as rows_loaded,
        cast(files.rows_rejected as integer) as rows_rejected,
        cast(coalesce(warnings_per_load.warning_count, 0) as integer) as warning_count,
        files.ingested_at,
        files.archive_path,
        files.errors_json,
        files.interpretation_json,
        files.period,
        files.ledger_date
    from files
    left join warnings_per_load
        on files.load_id = warnings_per_load.load_id

)

select * from final

-- Every warning on a row that was kept (a reference that does not resolve, …), with its file.

with

warnings as (

    select * from {{ ref('stg_ingest_warnings') }}

),

files as (

    select * from {{ ref('stg_ingest_files') }}

),

final as (

    select
        warnings.load_id,
        warnings.file_name,
        warnings.sha256,
        files.dataset,
        files.run_id,
        files.ingested_at,
        warnings.sheet_name,
        cast(warnings.sheet_row_number as integer) as sheet_row_number,
        warnings.column_name,
        warnings.cell_value,
        warnings.rule_name,
        warnings.message
    from warnings
    left join files
        on warnings.load_id = files.load_id

)

select * from final

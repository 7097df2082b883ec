-- Every rejected row and the rule it broke, with the file it came from: what an office is
-- sent back to fix. Personal values arrive masked from the raw layer.

with

rejections as (

    select * from {{ ref('stg_ingest_rejections') }}

),

files as (

    select * from {{ ref('stg_ingest_files') }}

),

final as (

    select
        rejections.load_id,
        rejections.file_name,
        rejections.sha256,
        files.dataset,
        files.run_id,
        files.ingested_at,
        rejections.sheet_name,
        cast(rejections.sheet_row_number as integer) as sheet_row_number,
        rejections.column_name,
        rejections.cell_value,
        rejections.rule_name,
        rejections.message
    from rejections
    left join files
        on rejections.load_id = files.load_id

)

select * from final

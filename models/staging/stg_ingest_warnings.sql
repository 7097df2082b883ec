-- Warnings on rows that were kept (e.g. a reference that does not resolve).

with

source as (

    select * from {{ source('raw', 'ingest_warnings') }}

),

final as (

    select
        load_id,
        file_name,
        sha256,
        sheet as sheet_name,
        row_number as sheet_row_number,
        column_name,
        value as cell_value,
        rule as rule_name,
        message
    from source

)

select * from final

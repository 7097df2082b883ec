-- Rejected rows, one line per broken rule (personal values arrive masked).

with

source as (

    select * from {{ source('raw', 'ingest_rejections') }}

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

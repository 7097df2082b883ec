-- Current state of the investor leads: per lead_id, the row of the latest load.

with

source as (

    select * from {{ source('raw', 'leads') }}

),

final as (

    select
        lead_id,
        company,
        chain as chain_code,
        channel,
        source_city,
        first_contact_date,
        status,
        converted_date,
        project_id,
        expected_investment_wan,
        _source_file,
        _row_number,
        _load_id,
        _ingested_at
    from source
    qualify {{ is_newest_version('lead_id') }}

)

select * from final

-- Which chains each loaded ledger file holds rows of, published (issue 20, 访问控制): the
-- data-quality page shows a chain office only the files holding its chain's rows, and a
-- file that holds other chains' rows too without their figures. One row per (load_id,
-- chain_code), from int_ledger_file_chains (every row the raw layer kept).

with

file_chains as (

    select * from {{ ref('int_ledger_file_chains') }}

),

final as (

    select distinct
        cast(file_chains.load_id as integer) as load_id,
        cast(file_chains.chain_code as varchar) as chain_code
    from file_chains

)

select * from final

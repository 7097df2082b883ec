-- Each position of the urgent and scarce talent catalogue (current state) against the hires
-- made for it (hires whose position_id names it, whenever hired).

with

catalogue as (

    select * from {{ ref('stg_talent_catalogue') }}

),

hires as (

    select * from {{ ref('stg_talent_hires') }}

),

chains as (

    select * from {{ ref('dim_chains') }}

),

hires_per_position as (

    select
        hires.position_id,
        count(*) as hire_count,
        min(hires.hire_date) as first_hire_date,
        max(hires.hire_date) as last_hire_date
    from hires
    where hires.position_id is not null
    group by hires.position_id

),

final as (

    select
        catalogue.position_id,
        catalogue.chain_code,
        chains.name_zh as chain_name_zh,
        catalogue.employer,
        catalogue.position_title,
        catalogue.discipline,
        catalogue.min_degree,
        cast(catalogue.headcount as integer) as headcount,
        catalogue.published_date,
        cast(coalesce(hires_per_position.hire_count, 0) as integer) as hire_count,
        cast(
            case
                when catalogue.headcount > coalesce(hires_per_position.hire_count, 0)
                    then catalogue.headcount - coalesce(hires_per_position.hire_count, 0)
                else 0
            end
            as integer
        ) as open_headcount,
        cast(
            round(
                cast(coalesce(hires_per_position.hire_count, 0) as decimal(18, 4))
                / nullif(catalogue.headcount, 0),
                4
            )
            as decimal(18, 4)
        ) as fill_rate,
        coalesce(
            coalesce(hires_per_position.hire_count, 0) >= catalogue.headcount, false
        ) as is_filled,
        hires_per_position.first_hire_date,
        hires_per_position.last_hire_date,
        catalogue._source_file,
        catalogue._load_id,
        catalogue._ingested_at
    from catalogue
    left join hires_per_position
        on catalogue.position_id = hires_per_position.position_id
    left join chains
        on catalogue.chain_code = chains.chain_code

)

select * from final

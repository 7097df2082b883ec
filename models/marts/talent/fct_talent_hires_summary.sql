-- Hires (current state) counted by year, quarter and chain (ALL included; hires without a
-- chain count in ALL only), degree, talent level and recruitment channel. Hires without a
-- channel are grouped under 'unspecified'. Only counts leave this model: no person is
-- identifiable from it.

with

hires as (

    select * from {{ ref('stg_talent_hires') }}

),

catalogue as (

    select * from {{ ref('stg_talent_catalogue') }}

),

degrees as (

    select * from {{ ref('degrees') }}

),

talent_levels as (

    select * from {{ ref('talent_levels') }}

),

hire_channels as (

    select * from {{ ref('hire_channels') }}

),

hires_classified as (

    select
        hires.hire_id,
        cast(extract(year from hires.hire_date) as integer) as year,
        cast(extract(quarter from hires.hire_date) as integer) as quarter,
        hires.chain_code,
        hires.degree,
        hires.talent_level,
        coalesce(hires.channel, 'unspecified') as hire_channel,
        case when hires.degree in ('phd', 'postdoc') then 1 else 0 end as is_phd_or_above,
        case when hires.is_local_returnee then 1 else 0 end as is_returnee,
        case when catalogue.position_id is not null then 1 else 0 end as is_catalogue_hire
    from hires
    left join catalogue
        on hires.position_id = catalogue.position_id

),

by_chain as (

    select
        hires_classified.year,
        hires_classified.quarter,
        hires_classified.chain_code,
        hires_classified.degree,
        hires_classified.talent_level,
        hires_classified.hire_channel,
        hires_classified.is_phd_or_above,
        hires_classified.is_returnee,
        hires_classified.is_catalogue_hire
    from hires_classified
    where hires_classified.chain_code is not null

    union all

    select
        hires_classified.year,
        hires_classified.quarter,
        'ALL' as chain_code,
        hires_classified.degree,
        hires_classified.talent_level,
        hires_classified.hire_channel,
        hires_classified.is_phd_or_above,
        hires_classified.is_returnee,
        hires_classified.is_catalogue_hire
    from hires_classified

),

aggregated as (

    select
        by_chain.year,
        by_chain.quarter,
        by_chain.chain_code,
        by_chain.degree,
        by_chain.talent_level,
        by_chain.hire_channel,
        count(*) as hire_count,
        sum(by_chain.is_phd_or_above) as phd_or_above_count,
        sum(by_chain.is_returnee) as returnee_count,
        sum(by_chain.is_catalogue_hire) as catalogue_hire_count
    from by_chain
    group by
        by_chain.year,
        by_chain.quarter,
        by_chain.chain_code,
        by_chain.degree,
        by_chain.talent_level,
        by_chain.hire_channel

),

final as (

    select
        cast(aggregated.year as integer) as year,
        cast(aggregated.quarter as integer) as quarter,
        cast(aggregated.chain_code as {{ dbt.type_string() }}) as chain_code,
        aggregated.degree,
        degrees.label_zh as degree_label_zh,
        aggregated.talent_level,
        talent_levels.label_zh as talent_level_label_zh,
        cast(aggregated.hire_channel as {{ dbt.type_string() }}) as hire_channel,
        coalesce(hire_channels.label_zh, '未填写') as hire_channel_label_zh,
        cast(aggregated.hire_count as integer) as hire_count,
        cast(aggregated.phd_or_above_count as integer) as phd_or_above_count,
        cast(aggregated.returnee_count as integer) as returnee_count,
        cast(aggregated.catalogue_hire_count as integer) as catalogue_hire_count
    from aggregated
    left join degrees
        on aggregated.degree = degrees.code
    left join talent_levels
        on aggregated.talent_level = talent_levels.code
    left join hire_channels
        on aggregated.hire_channel = hire_channels.code

)

select * from final

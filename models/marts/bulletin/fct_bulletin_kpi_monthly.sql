-- The monthly bulletin's detail (月度通报, bulletin_brief_forecast.md): one row per (year, month,
-- chain, KPI) for the four chains and every KPI with an annual target for that chain and year,
-- for every month of fct_kpi_monthly. 完成率 = ytd_actual ÷ annual_target; 序时进度 = month / 12
-- (the bulletin's straight line, by whole months); 超/落后序时进度 = 完成率 − 序时进度 in
-- percentage points. The KPI's term of the composite score is min(完成率 ÷ 序时进度, 1.2), with
-- the weight of seeds/assessment_weights.csv (1 when the KPI is not listed). A KPI is behind
-- when 完成率 < 序时进度 (ytd × 12 < target × month, exactly), newly behind when it was not
-- behind in the previous month of the same year (January: behind at all). A target of 0 is
-- met by any figure and is left out (no division by zero).

with

monthly as (

    select * from {{ ref('fct_kpi_monthly') }}

),

chains as (

    select * from {{ ref('dim_chains') }}

),

kpis as (

    select * from {{ ref('dim_kpis') }}

),

weights as (

    select * from {{ ref('assessment_weights') }}

),

targeted as (

    select
        monthly.year,
        monthly.month,
        monthly.chain_code,
        chains.name_zh as chain_name_zh,
        chains.name_en as chain_name_en,
        chains.sort_order as chain_sort_order,
        monthly.kpi_code,
        monthly.kpi_name_zh,
        kpis.name_en as kpi_name_en,
        kpis.sort_order as kpi_sort_order,
        monthly.unit,
        monthly.ytd_actual,
        monthly.annual_target,
        coalesce(weights.weight, 1) as weight,
        cast(monthly.ytd_actual as double) / cast(monthly.annual_target as double)
            as completion_rate,
        cast(monthly.month as double) / 12 as time_progress,
        monthly.ytd_actual * 12 < monthly.annual_target * monthly.month as is_behind
    from monthly
    inner join chains
        on monthly.chain_code = chains.chain_code
    inner join kpis
        on monthly.kpi_code = kpis.kpi_code
    left join weights
        on monthly.kpi_code = weights.kpi_code
    where
        not chains.is_district_total
        and monthly.annual_target > 0

),

with_previous as (

    select
        targeted.*,
        lag(targeted.is_behind) over (
            partition by targeted.year, targeted.chain_code, targeted.kpi_code
            order by targeted.month
        ) as was_behind
    from targeted

),

final as (

    select
        cast(year as integer) as year,
        cast(month as integer) as month,
        cast(chain_code as {{ dbt.type_string() }}) as chain_code,
        cast(chain_name_zh as {{ dbt.type_string() }}) as chain_name_zh,
        cast(chain_name_en as {{ dbt.type_string() }}) as chain_name_en,
        cast(chain_sort_order as integer) as chain_sort_order,
        cast(kpi_code as {{ dbt.type_string() }}) as kpi_code,
        cast(kpi_name_zh as {{ dbt.type_string() }}) as kpi_name_zh,
        cast(kpi_name_en as {{ dbt.type_string() }}) as kpi_name_en,
        cast(kpi_sort_order as integer) as kpi_sort_order,
        cast(unit as {{ dbt.type_string() }}) as unit,
        cast(ytd_actual as decimal(18, 2)) as ytd_actual,
        cast(annual_target as decimal(18, 2)) as annual_target,
        cast(round(completion_rate, 6) as decimal(18, 6)) as completion_rate,
        cast(round(time_progress, 6) as decimal(9, 6)) as time_progress,
        cast(round((completion_rate - time_progress) * 100, 2) as decimal(18, 2))
            as progress_gap_pp,
        cast(round(least(completion_rate / time_progress, 1.2), 6) as decimal(9, 6))
            as score_ratio,
        cast(weight as decimal(9, 2)) as weight,
        is_behind,
        coalesce(is_behind and not coalesce(was_behind, false), false) as is_newly_behind
    from with_previous

)

select * from final

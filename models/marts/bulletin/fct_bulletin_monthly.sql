-- The monthly bulletin's ranking (月度通报 · 比学赶超 · 红黑榜, bulletin_brief_forecast.md): one
-- row per (year, month, chain) for the chains with at least one KPI target that year. The
-- composite score is the weighted mean of min(完成率 ÷ 序时进度, 1.2) over the chain's KPIs
-- with a target (fct_bulletin_kpi_monthly; weights from seeds/assessment_weights.csv), rounded
-- to 4 decimals before ranking so that chains showing the same score share a rank. Rank 1 is
-- the best; rank_change = the previous month's rank − this month's (positive: moved up),
-- empty in January (the year's figures start again) or when the chain was not ranked the
-- month before. 红榜 is rank 1, 黑榜 every chain whose score is below 0.8. The KPIs behind
-- 序时进度 this month are listed in KPI order.

with

detail as (

    select * from {{ ref('fct_bulletin_kpi_monthly') }}

),

scored as (

    select
        detail.year,
        detail.month,
        detail.chain_code,
        detail.chain_name_zh,
        detail.chain_name_en,
        detail.chain_sort_order,
        round(
            sum(detail.weight * detail.score_ratio) / nullif(sum(detail.weight), 0), 4
        ) as composite_score,
        count(*) as kpis_with_target,
        count(*) filter (where detail.is_behind) as kpis_behind,
        count(*) filter (where detail.is_newly_behind) as kpis_newly_behind,
        string_agg(
            case when detail.is_behind then detail.kpi_name_zh end,
            '、' order by detail.kpi_sort_order
        ) as behind_kpis_zh
    from detail
    group by
        detail.year,
        detail.month,
        detail.chain_code,
        detail.chain_name_zh,
        detail.chain_name_en,
        detail.chain_sort_order

),

ranked as (

    select
        scored.*,
        case
            when scored.composite_score is not null
                then rank() over (
                    partition by scored.year, scored.month
                    order by scored.composite_score desc nulls last
                )
        end as score_rank
    from scored

),

with_previous as (

    select
        ranked.*,
        lag(ranked.score_rank) over (
            partition by ranked.year, ranked.chain_code
            order by ranked.month
        ) as previous_rank,
        lag(ranked.month) over (
            partition by ranked.year, ranked.chain_code
            order by ranked.month
        ) as previous_month
    from ranked

),

final as (

    select
        cast(year as integer) as year,
        cast(month as integer) as month,
        cast(chain_code as {{ dbt.type_string() }}) as chain_code,
        cast(chain_name_zh as {{ dbt.type_string() }}) as chain_name_zh,
        cast(chain_name_en as {{ dbt.type_string() }}) as chain_name_en,
        cast(chain_sort_order as integer) as chain_sort_order,
        cast(composite_score as decimal(9, 4)) as composite_score,
        cast(score_rank as integer) as score_rank,
        cast(case when previous_month = month - 1 then previous_rank end as integer)
            as previous_rank,
        cast(
            case when previous_month = month - 1 then previous_rank - score_rank end
            as integer
        ) as rank_change,
        coalesce(score_rank = 1, false) as is_red_list,
        coalesce(composite_score < 0.8, false) as is_black_list,
        cast(kpis_with_target as integer) as kpis_with_target,
        cast(kpis_behind as integer) as kpis_behind,
        cast(kpis_newly_behind as integer) as kpis_newly_behind,
        cast(behind_kpis_zh as {{ dbt.type_string() }}) as behind_kpis_zh
    from with_previous

)

select * from final

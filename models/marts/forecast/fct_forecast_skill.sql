-- Whether 达成概率 is shown as a number (bulletin_brief_forecast.md: "a forecast that does no
-- better than the share of past years that met the target is not shipped as a number"): per
-- KPI, the Brier score of the model and of the baseline over every backtest row of every
-- chain and past year (fct_forecast_backtest). One row per KPI that has forecasts.
--   verdict  shown                the model's Brier score is below the baseline's;
--            worse_than_baseline  it is not (equal included): the tiles say so, no number;
--            not_backtested       no past year to replay yet: the tiles say so, no number.

with

monthly as (

    select * from {{ ref('fct_kpi_monthly') }}

),

backtest as (

    select * from {{ ref('fct_forecast_backtest') }}

),

forecast_kpis as (

    select distinct monthly.kpi_code
    from monthly
    where monthly.forecast_model is not null

),

scores as (

    select
        backtest.kpi_code,
        count(*) as forecasts,
        count(distinct backtest.year) as years,
        min(backtest.year) as first_year,
        max(backtest.year) as last_year,
        avg(backtest.model_squared_error) as model_brier,
        avg(backtest.baseline_squared_error) as baseline_brier
    from backtest
    group by backtest.kpi_code

),

final as (

    select
        cast(forecast_kpis.kpi_code as {{ dbt.type_string() }}) as kpi_code,
        cast(coalesce(scores.forecasts, 0) as integer) as forecasts,
        cast(coalesce(scores.years, 0) as integer) as years,
        cast(scores.first_year as integer) as first_year,
        cast(scores.last_year as integer) as last_year,
        cast(round(scores.model_brier, 4) as decimal(9, 4)) as model_brier,
        cast(round(scores.baseline_brier, 4) as decimal(9, 4)) as baseline_brier,
        cast(
            case
                when scores.forecasts is null then 'not_backtested'
                when scores.model_brier < scores.baseline_brier then 'shown'
                else 'worse_than_baseline'
            end as {{ dbt.type_string() }}
        ) as verdict,
        coalesce(scores.model_brier < scores.baseline_brier, false) as is_shown
    from forecast_kpis
    left join scores
        on forecast_kpis.kpi_code = scores.kpi_code

)

select * from final

-- The backtest of 达成概率 (docs/forecast.md): every forecast fct_kpi_monthly made as of the
-- end of months 1–11 of a year that is over, against what happened, beside the naive
-- baseline "the share of past years that met the target". One row per (year, month,
-- chain_code, kpi_code) with a target per year where both the model and the baseline give a
-- probability.
--
-- The forecasts of a month use only the months up to its end (the kpi_forecast macro), so
-- they replay what was known then, cut by event date: a row handed in late but dated before
-- the month's end counts as known (the warehouse keeps the current state of each record, not
-- what the ledgers said on that day).
-- The baseline for year Y: of the years before Y that the warehouse holds whole (all twelve
-- months in the grid), the share whose total reached Y's target; it uses no figure of Y.
-- Month 12 is left out: at its end nothing remains to forecast.

with

monthly as (

    select * from {{ ref('fct_kpi_monthly') }}

),

year_totals as (

    select
        monthly.year,
        monthly.chain_code,
        monthly.kpi_code,
        count(*) as months_in_grid,
        sum(monthly.month_actual) as year_total,
        bool_or(monthly.period_state = 'finished' and monthly.month = 12) as is_finished
    from monthly
    group by monthly.year, monthly.chain_code, monthly.kpi_code

),

forecasts as (

    select
        monthly.year,
        monthly.month,
        monthly.chain_code,
        monthly.kpi_code,
        monthly.forecast_as_of,
        monthly.annual_target,
        monthly.probability_to_meet,
        monthly.forecast_model,
        year_totals.year_total
    from monthly
    inner join year_totals
        on
            monthly.year = year_totals.year
            and monthly.chain_code = year_totals.chain_code
            and monthly.kpi_code = year_totals.kpi_code
    where
        monthly.month <= 11
        and monthly.probability_to_meet is not null
        and year_totals.is_finished
        and year_totals.months_in_grid = 12

),

baselines as (

    select
        forecasts.year,
        forecasts.chain_code,
        forecasts.kpi_code,
        count(*) as past_years,
        avg(case when past.year_total >= forecasts.annual_target then 1.0 else 0.0 end)
            as baseline_probability
    from (
        select distinct
            forecasts.year,
            forecasts.chain_code,
            forecasts.kpi_code,
            forecasts.annual_target
        from forecasts
    ) as forecasts
    inner join year_totals as past
        on
            forecasts.chain_code = past.chain_code
            and forecasts.kpi_code = past.kpi_code
            and forecasts.year > past.year
            and past.months_in_grid = 12
            and past.is_finished
    group by forecasts.year, forecasts.chain_code, forecasts.kpi_code

),

final as (

    select
        cast(forecasts.year as integer) as year,
        cast(forecasts.month as integer) as month,
        cast(forecasts.chain_code as {{ dbt.type_string() }}) as chain_code,
        cast(forecasts.kpi_code as {{ dbt.type_string() }}) as kpi_code,
        forecasts.forecast_as_of,
        cast(forecasts.forecast_model as {{ dbt.type_string() }}) as forecast_model,
        cast(forecasts.probability_to_meet as decimal(9, 4)) as probability_to_meet,
        cast(round(baselines.baseline_probability, 4) as decimal(9, 4)) as baseline_probability,
        cast(baselines.past_years as integer) as past_years,
        forecasts.year_total >= forecasts.annual_target as is_met,
        cast(
            power(
                forecasts.probability_to_meet
                - case when forecasts.year_total >= forecasts.annual_target then 1 else 0 end,
                2
            ) as double
        ) as model_squared_error,
        cast(
            power(
                baselines.baseline_probability
                - case when forecasts.year_total >= forecasts.annual_target then 1 else 0 end,
                2
            ) as double
        ) as baseline_squared_error
    from forecasts
    inner join baselines
        on
            forecasts.year = baselines.year
            and forecasts.chain_code = baselines.chain_code
            and forecasts.kpi_code = baselines.kpi_code

)

select * from final

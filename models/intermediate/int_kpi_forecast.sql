-- The odds of making the year (达成概率) and what it takes (还需完成), per chain, KPI with a
-- target per year and month: the kpi_forecast macro (its header and docs/forecast.md say how).
-- fct_kpi_monthly carries it per month, fct_kpi_progress per quarter, and the backtest
-- (fct_forecast_backtest) scores the months of past years. A table: both marts read it.

{{ config(materialized='table') }}

with

events as (

    select * from {{ ref('int_kpi_events_by_chain') }}

),

chains as (

    select * from {{ ref('dim_chains') }}

),

kpis as (

    select * from {{ ref('dim_kpis') }}

),

targets as (

    select * from {{ ref('kpi_targets') }}

),

forecast as (

    {{ kpi_forecast() }}

)

select * from forecast

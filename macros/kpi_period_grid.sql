{#-
    The period grid both KPI marts stand on (fct_kpi_monthly by month, fct_kpi_progress by
    quarter): every period from the first to the last one with any KPI event, for every chain
    and KPI, with the KPI's value in it, and its pace against the annual target by the as-of
    date. One row per (year, <grain>, chain_code, kpi_code); periods without events show 0.
    (The spine does not run on to an as-of period without events: the periods listed are the
    periods with data, which the export and the pages offer.)

    The pace (spec/kpis.md; pace by the calendar, dashboard.md):
      period_state     finished (it ended before the as-of date), running (it holds the as-of
                       date) or future;
      elapsed_days / year_days
                       the elapsed share of the year as a fraction of whole numbers, so the
                       status bands can compare without division: period / periods in the
                       year (q / 4, m / 12) for a finished or future period; for the running
                       one, the as-of date's day of the year (1 January is day 1) / the days
                       in its year, so 31 December paces as the whole year;
      elapsed_share    that fraction, rounded to 6 decimals;
      expected_to_date annual_target × elapsed share, rounded to 2 decimals;
      is_year_over     the as-of date lies in a later year.

    Targets per quarter (party_service_funds.md): a kpi_targets row with target_period
    `quarter` holds its value for each quarter (target_period `year`, or empty, is the annual
    target). For it: quarter_target = the seed's value, annual_target = 4 × it, and
    expected_to_date = quarter_target × the quarters the period reaches into, with no pacing
    by the calendar (a quarter's meeting is due in that quarter, whichever day it is): by
    quarter q, q × quarter_target; by month m, its quarter's: ceil(m / 3) × quarter_target,
    so a month shows what its quarter's row of fct_kpi_progress shows. The status of a
    quarter target is fct_kpi_progress's (it needs every quarter of the year).

    grain: 'month' or 'quarter' (the column is named after it; events need event_<grain>).
    events, chains, kpis, targets: the calling model's CTEs of int_kpi_events_by_chain,
    dim_chains, dim_kpis and the kpi_targets seed.
-#}
{% macro kpi_period_grid(grain, events='events', chains='chains', kpis='kpis', targets='targets') -%}
    {%- set periods_in_year = {'month': 12, 'quarter': 4}[grain] -%}
    with

    year_and_quarter_targets as (

        select
            targets.year,
            targets.chain_code,
            targets.kpi_code,
            coalesce(targets.target_period, 'year') as target_period,
            case
                when targets.target_period = 'quarter' then 4 * targets.annual_target
                else targets.annual_target
            end as annual_target,
            case
                when targets.target_period = 'quarter' then targets.annual_target
            end as quarter_target,
            targets.is_example,
            targets.note
        from {{ targets }} as targets

    ),

    as_of as (

        select
            {{ as_of_date() }} as as_of_date,
            cast(extract(year from {{ as_of_date() }}) as integer) as as_of_year,
            cast(extract({{ grain }} from {{ as_of_date() }}) as integer) as as_of_period

    ),

    calendar as (

        select
            as_of.*,
            {{ dbt.datediff(year_start('as_of.as_of_year'), 'as_of.as_of_date', 'day') }} + 1
                as as_of_day_of_year,
            {{ dbt.datediff(year_start('as_of.as_of_year'), year_start('as_of.as_of_year + 1'), 'day') }}
                as as_of_days_in_year
        from as_of

    ),

    bounds as (

        select
            min(events.event_year) as first_year,
            max(events.event_year) as last_year,
            min(events.event_year * {{ periods_in_year }} + events.event_{{ grain }}) as first_period_key,
            max(events.event_year * {{ periods_in_year }} + events.event_{{ grain }}) as last_period_key
        from {{ events }} as events

    ),

    year_offsets as (

        {{ integer_series(200) }}

    ),

    period_offsets as (

        {{ integer_series(periods_in_year) }}

    ),

    periods as (

        select
            bounds.first_year + year_offsets.n as period_year,
            period_offsets.n + 1 as period_of_year
        from bounds
        inner join year_offsets
            on year_offsets.n <= bounds.last_year - bounds.first_year
        cross join period_offsets
        where
            (bounds.first_year + year_offsets.n) * {{ periods_in_year }} + period_offsets.n + 1
            between bounds.first_period_key and bounds.last_period_key

    ),

    period_states as (

        select
            periods.*,
            calendar.as_of_date,
            calendar.as_of_day_of_year,
            calendar.as_of_days_in_year,
            case
                when
                    periods.period_year * {{ periods_in_year }} + periods.period_of_year
                    < calendar.as_of_year * {{ periods_in_year }} + calendar.as_of_period
                    then 'finished'
                when
                    periods.period_year * {{ periods_in_year }} + periods.period_of_year
                    = calendar.as_of_year * {{ periods_in_year }} + calendar.as_of_period
                    then 'running'
                else 'future'
            end as period_state,
            periods.period_year < calendar.as_of_year as is_year_over
        from periods
        cross join calendar

    ),

    paced_periods as (

        select
            period_states.period_year,
            period_states.period_of_year,
            period_states.as_of_date,
            period_states.period_state,
            period_states.is_year_over,
            case
                when period_states.period_state = 'running' then period_states.as_of_day_of_year
                else period_states.period_of_year
            end as elapsed_days,
            case
                when period_states.period_state = 'running' then period_states.as_of_days_in_year
                else {{ periods_in_year }}
            end as year_days
        from period_states

    ),

    period_totals as (

        select
            events.event_year as period_year,
            events.event_{{ grain }} as period_of_year,
            events.chain_code,
            events.kpi_code,
            sum(events.event_value) as period_actual
        from {{ events }} as events
        group by
            events.event_year,
            events.event_{{ grain }},
            events.chain_code,
            events.kpi_code

    ),

    actuals as (

        select
            paced_periods.*,
            chains.chain_code,
            chains.sort_order as chain_sort_order,
            kpis.kpi_code,
            kpis.name_zh as kpi_name_zh,
            kpis.name_en as kpi_name_en,
            kpis.unit,
            kpis.sort_order as kpi_sort_order,
            coalesce(period_totals.period_actual, 0) as period_actual
        from paced_periods
        cross join {{ chains }} as chains
        cross join {{ kpis }} as kpis
        left join period_totals
            on
                paced_periods.period_year = period_totals.period_year
                and paced_periods.period_of_year = period_totals.period_of_year
                and chains.chain_code = period_totals.chain_code
                and kpis.kpi_code = period_totals.kpi_code

    ),

    final as (

        select
            actuals.period_year as year,
            actuals.period_of_year as {{ grain }},
            actuals.chain_code,
            actuals.chain_sort_order,
            actuals.kpi_code,
            actuals.kpi_name_zh,
            actuals.kpi_name_en,
            actuals.unit,
            actuals.kpi_sort_order,
            actuals.period_actual,
            sum(actuals.period_actual) over (
                partition by actuals.period_year, actuals.chain_code, actuals.kpi_code
                order by actuals.period_of_year
                rows between unbounded preceding and current row
            ) as ytd_actual,
            sum(actuals.period_actual) over (
                partition by actuals.period_year, actuals.chain_code, actuals.kpi_code
            ) as year_actual,
            targets.annual_target,
            targets.target_period,
            targets.quarter_target,
            targets.is_example as is_example_target,
            targets.note as target_note,
            actuals.as_of_date,
            actuals.period_state,
            actuals.is_year_over,
            actuals.elapsed_days,
            actuals.year_days,
            round(1.0 * actuals.elapsed_days / actuals.year_days, 6) as elapsed_share,
            case
                when targets.target_period = 'quarter'
                {%- if grain == 'quarter' %}
                    then round(targets.quarter_target * actuals.period_of_year, 2)
                {%- else %}
                    then round(targets.quarter_target * ceil(actuals.period_of_year / 3.0), 2)
                {%- endif %}
                when actuals.period_state = 'running'
                    then round(targets.annual_target * actuals.elapsed_days / actuals.year_days, 2)
                {%- if grain == 'quarter' %}
                -- q × 0.25 is exact in decimals (the quarterly export's figure); q / 4 would
                -- divide in floating point and round some half cents the other way.
                else round(targets.annual_target * actuals.elapsed_days * 0.25, 2)
                {%- else %}
                else round(targets.annual_target * actuals.elapsed_days / actuals.year_days, 2)
                {%- endif %}
            end as expected_to_date
        from actuals
        left join year_and_quarter_targets as targets
            on
                actuals.period_year = targets.year
                and actuals.chain_code = targets.chain_code
                and actuals.kpi_code = targets.kpi_code

    )

    select * from final
{%- endmacro %}

{#-
    The odds of making the year (达成概率) and what it takes (还需完成), for every chain and KPI
    with an annual target, as of every month: docs/forecast.md explains the model and why.
    One row per (year, month, chain_code, kpi_code) from the first month with any KPI event
    to the later of the last one and the as-of month, for the (year, chain, KPI) that have a
    target per year (a target per quarter is a schedule, not a count to reach: not modelled).

    The forecast point of a month:
      finished   the month's last day: its whole count is known, months month+1 .. 12 remain;
      running    the as-of date: the count so far is known and the rest of the month is still
                 to come (1 − day / days in the month of it), then months month+1 .. 12;
      future     no forecast (the as-of date lies before it).
    The history it is fitted on: the `history_months` whole months before the point that the
    data has (a finished month's window ends with it, the running month's with the month
    before: its partial count is not a month's count). Nothing after the point is read, so
    the forecasts of past months are the backtest (fct_forecast_backtest).

    The model, per chain and KPI (its own history only):
      rate of calendar month c   λ_c = (sum_c + k × mean) / (n_c + k): the months c seen in the
                                 window, shrunk toward the window's monthly mean by k
                                 (`shrinkage`) pseudo-observations;
      expected rest of year      M = Σ λ_c over the months still to come (a fraction of the
                                 running month);
      counts (dim_kpis.is_count) the rest of the year is negative binomial with mean M and
                                 variance M + φ Σ w_c² λ_c², φ the over-dispersion of the window's
                                 months around their λ (method of moments, corrected for the
                                 fitted rates' degrees of freedom); Poisson when φ = 0.
                                 P(X ≥ R) = 1 − Σ_{k<R} P(X = k), the pmf by its recurrence
                                 (a running sum of logarithms: no lgamma, any SQL engine);
      amounts (万元)             normal with mean M and variance σ² × the months to come, σ²
                                 the residual variance of the window's months;
      probability_to_meet        1 when ytd ≥ target; 0 when no time remains and it is not met;
                                 empty with fewer than `min_history_months` months of history;
                                 else P(rest of year ≥ remaining_to_target).
    remaining_to_target = max(target − ytd, 0); needed_per_month = it ÷ the months still to
    come (a fraction of the running month counts as that fraction); for projects_signed,
    leads_needed = ceil(remaining ÷ the chain's signed projects per new lead in the window).

    events, chains, kpis, targets: the calling model's CTEs of int_kpi_events_by_chain,
    dim_chains, dim_kpis and the kpi_targets seed.
-#}
{% macro kpi_forecast(
    events='events', chains='chains', kpis='kpis', targets='targets',
    history_months=36, min_history_months=12, shrinkage=1
) -%}
    with

    fc_as_of as (

        select
            {{ as_of_date() }} as as_of_date,
            cast(extract(year from {{ as_of_date() }}) as integer) * 12
            + cast(extract(month from {{ as_of_date() }}) as integer) - 1 as as_of_key,
            cast(extract(day from {{ as_of_date() }}) as integer) as as_of_day,
            {{ dbt.datediff(
                dbt.date_trunc('month', as_of_date()),
                dbt.dateadd('month', 1, dbt.date_trunc('month', as_of_date())),
                'day',
            ) }} as as_of_days_in_month

    ),

    fc_month_totals as (

        select
            events.event_year * 12 + events.event_month - 1 as month_key,
            events.chain_code,
            events.kpi_code,
            sum(events.event_value) as month_value
        from {{ events }} as events
        group by events.event_year, events.event_month, events.chain_code, events.kpi_code

    ),

    fc_bounds as (

        select
            min(fc_month_totals.month_key) as first_key,
            max(fc_month_totals.month_key) as last_key
        from fc_month_totals

    ),

    fc_offsets as (

        {{ integer_series(2400) }}

    ),

    fc_spine as (

        select fc_bounds.first_key + fc_offsets.n as month_key
        from fc_bounds
        cross join fc_as_of
        inner join fc_offsets
            on
                fc_offsets.n
                <= greatest(fc_bounds.last_key, fc_as_of.as_of_key) - fc_bounds.first_key

    ),

    -- Every chain and KPI in every month of the spine, 0 without events.
    fc_history as (

        select
            fc_spine.month_key,
            cast(floor(fc_spine.month_key / 12.0) as integer) as history_year,
            fc_spine.month_key - 12 * cast(floor(fc_spine.month_key / 12.0) as integer) + 1
                as calendar_month,
            chains.chain_code,
            kpis.kpi_code,
            kpis.is_count,
            coalesce(fc_month_totals.month_value, 0) as month_value
        from fc_spine
        cross join {{ chains }} as chains
        cross join {{ kpis }} as kpis
        left join fc_month_totals
            on
                fc_spine.month_key = fc_month_totals.month_key
                and chains.chain_code = fc_month_totals.chain_code
                and kpis.kpi_code = fc_month_totals.kpi_code

    ),

    fc_ytd as (

        select
            fc_history.*,
            sum(fc_history.month_value) over (
                partition by fc_history.chain_code, fc_history.kpi_code, fc_history.history_year
                order by fc_history.month_key
                rows between unbounded preceding and current row
            ) as ytd_value
        from fc_history

    ),

    -- The forecast points: the months of a (year, chain, KPI) with a target per year.
    fc_points as (

        select
            fc_ytd.month_key,
            fc_ytd.history_year as year,
            fc_ytd.calendar_month as month,
            fc_ytd.chain_code,
            fc_ytd.kpi_code,
            fc_ytd.is_count,
            fc_ytd.ytd_value,
            targets.annual_target,
            fc_as_of.as_of_date,
            case
                when fc_ytd.month_key < fc_as_of.as_of_key then 'finished'
                when fc_ytd.month_key = fc_as_of.as_of_key then 'running'
                else 'future'
            end as point_state,
            -- The share of the point's month still to come.
            case
                when fc_ytd.month_key = fc_as_of.as_of_key
                    then 1.0 - 1.0 * fc_as_of.as_of_day / fc_as_of.as_of_days_in_month
                else 0.0
            end as month_left,
            case
                when fc_ytd.month_key = fc_as_of.as_of_key then fc_ytd.month_key - 1
                else fc_ytd.month_key
            end as history_last_key
        from fc_ytd
        cross join fc_as_of
        inner join {{ targets }} as targets
            on
                fc_ytd.history_year = targets.year
                and fc_ytd.chain_code = targets.chain_code
                and fc_ytd.kpi_code = targets.kpi_code
                and coalesce(targets.target_period, 'year') = 'year'
        where fc_ytd.month_key <= fc_as_of.as_of_key

    ),

    -- The window's months of the point's chain and KPI, per calendar month.
    fc_calendar_sums as (

        select
            fc_points.month_key as point_key,
            fc_points.chain_code,
            fc_points.kpi_code,
            fc_history.calendar_month,
            count(*) as months_seen,
            sum(fc_history.month_value) as value_sum
        from fc_points
        inner join fc_history
            on
                fc_points.chain_code = fc_history.chain_code
                and fc_points.kpi_code = fc_history.kpi_code
                and fc_history.month_key <= fc_points.history_last_key
                and fc_history.month_key > fc_points.history_last_key - {{ history_months }}
        group by
            fc_points.month_key, fc_points.chain_code, fc_points.kpi_code,
            fc_history.calendar_month

    ),

    fc_window_totals as (

        select
            fc_calendar_sums.point_key,
            fc_calendar_sums.chain_code,
            fc_calendar_sums.kpi_code,
            sum(fc_calendar_sums.months_seen) as history_months,
            1.0 * sum(fc_calendar_sums.value_sum) / sum(fc_calendar_sums.months_seen)
                as monthly_mean
        from fc_calendar_sums
        group by fc_calendar_sums.point_key, fc_calendar_sums.chain_code, fc_calendar_sums.kpi_code

    ),

    fc_calendar_months as (

        {{ integer_series(12) }}

    ),

    -- λ of each calendar month, shrunk toward the mean; a month never seen has the mean.
    fc_rates as (

        select
            fc_points.month_key as point_key,
            fc_points.chain_code,
            fc_points.kpi_code,
            fc_points.month as point_month,
            fc_points.month_left,
            fc_calendar_months.n + 1 as calendar_month,
            coalesce(fc_calendar_sums.months_seen, 0) as months_seen,
            (
                coalesce(fc_calendar_sums.value_sum, 0)
                + {{ shrinkage }} * fc_window_totals.monthly_mean
            )
            / (coalesce(fc_calendar_sums.months_seen, 0) + {{ shrinkage }}) as rate,
            -- How much of this calendar month is still to come at the point.
            case
                when fc_calendar_months.n + 1 > fc_points.month then 1.0
                when fc_calendar_months.n + 1 = fc_points.month then fc_points.month_left
                else 0.0
            end as weight_to_come
        from fc_points
        inner join fc_window_totals
            on
                fc_points.month_key = fc_window_totals.point_key
                and fc_points.chain_code = fc_window_totals.chain_code
                and fc_points.kpi_code = fc_window_totals.kpi_code
        cross join fc_calendar_months
        left join fc_calendar_sums
            on
                fc_points.month_key = fc_calendar_sums.point_key
                and fc_points.chain_code = fc_calendar_sums.chain_code
                and fc_points.kpi_code = fc_calendar_sums.kpi_code
                and fc_calendar_months.n + 1 = fc_calendar_sums.calendar_month

    ),

    fc_rest_of_year as (

        select
            fc_rates.point_key,
            fc_rates.chain_code,
            fc_rates.kpi_code,
            sum(fc_rates.weight_to_come * fc_rates.rate) as expected_rest,
            sum(fc_rates.weight_to_come * fc_rates.weight_to_come * fc_rates.rate * fc_rates.rate)
                as rest_rate_squares,
            sum(fc_rates.weight_to_come) as months_to_come,
            -- Effective parameters of the shrunk rates, for the residuals' degrees of freedom.
            sum(1.0 * fc_rates.months_seen / (fc_rates.months_seen + {{ shrinkage }}))
                as fitted_parameters
        from fc_rates
        group by fc_rates.point_key, fc_rates.chain_code, fc_rates.kpi_code

    ),

    -- The window's months around their calendar month's λ: the dispersion.
    fc_residuals as (

        select
            fc_points.month_key as point_key,
            fc_points.chain_code,
            fc_points.kpi_code,
            sum((fc_history.month_value - fc_rates.rate) * (fc_history.month_value - fc_rates.rate))
                as squared_residuals,
            sum(fc_rates.rate) as rate_sum,
            sum(fc_rates.rate * fc_rates.rate) as rate_squares
        from fc_points
        inner join fc_history
            on
                fc_points.chain_code = fc_history.chain_code
                and fc_points.kpi_code = fc_history.kpi_code
                and fc_history.month_key <= fc_points.history_last_key
                and fc_history.month_key > fc_points.history_last_key - {{ history_months }}
        inner join fc_rates
            on
                fc_points.month_key = fc_rates.point_key
                and fc_points.chain_code = fc_rates.chain_code
                and fc_points.kpi_code = fc_rates.kpi_code
                and fc_history.calendar_month = fc_rates.calendar_month
        group by fc_points.month_key, fc_points.chain_code, fc_points.kpi_code

    ),

    -- Signed projects per new lead in the window, per chain (for leads_needed).
    fc_lead_yield as (

        select
            fc_points.month_key as point_key,
            fc_points.chain_code,
            sum(case when fc_history.kpi_code = 'projects_signed' then fc_history.month_value end)
                as signed_in_window,
            sum(case when fc_history.kpi_code = 'leads_new' then fc_history.month_value end)
                as leads_in_window
        from fc_points
        inner join fc_history
            on
                fc_points.chain_code = fc_history.chain_code
                and fc_history.kpi_code in ('projects_signed', 'leads_new')
                and fc_history.month_key <= fc_points.history_last_key
                and fc_history.month_key > fc_points.history_last_key - {{ history_months }}
        where fc_points.kpi_code = 'projects_signed'
        group by fc_points.month_key, fc_points.chain_code

    ),

    fc_fitted as (

        select
            fc_points.*,
            greatest(fc_points.annual_target - fc_points.ytd_value, 0) as remaining,
            coalesce(fc_window_totals.history_months, 0) as history_months,
            fc_rest_of_year.expected_rest,
            fc_rest_of_year.months_to_come,
            fc_rest_of_year.rest_rate_squares,
            -- Residual variance corrected for the fitted rates (never below zero).
            case
                when fc_window_totals.history_months > fc_rest_of_year.fitted_parameters
                    then
                        fc_residuals.squared_residuals
                        * fc_window_totals.history_months
                        / (fc_window_totals.history_months - fc_rest_of_year.fitted_parameters)
            end as corrected_squares,
            fc_residuals.rate_sum,
            fc_residuals.rate_squares,
            fc_lead_yield.signed_in_window,
            fc_lead_yield.leads_in_window
        from fc_points
        left join fc_window_totals
            on
                fc_points.month_key = fc_window_totals.point_key
                and fc_points.chain_code = fc_window_totals.chain_code
                and fc_points.kpi_code = fc_window_totals.kpi_code
        left join fc_rest_of_year
            on
                fc_points.month_key = fc_rest_of_year.point_key
                and fc_points.chain_code = fc_rest_of_year.chain_code
                and fc_points.kpi_code = fc_rest_of_year.kpi_code
        left join fc_residuals
            on
                fc_points.month_key = fc_residuals.point_key
                and fc_points.chain_code = fc_residuals.chain_code
                and fc_points.kpi_code = fc_residuals.kpi_code
        left join fc_lead_yield
            on
                fc_points.month_key = fc_lead_yield.point_key
                and fc_points.chain_code = fc_lead_yield.chain_code

    ),

    fc_decided as (

        select
            fc_fitted.*,
            -- months_to_come from the calendar alone (also without history).
            (12 - fc_fitted.month) + fc_fitted.month_left as months_left,
            case
                when fc_fitted.point_state = 'future' then null
                when fc_fitted.remaining <= 0 then 'met'
                when (12 - fc_fitted.month) + fc_fitted.month_left <= 0 then 'no_time_left'
                when fc_fitted.history_months < {{ min_history_months }} then 'too_little_history'
                -- Amounts, and a count too large for the pmf's 10,000 terms: normal.
                when not fc_fitted.is_count or fc_fitted.remaining >= 10000 then 'normal'
                when fc_fitted.expected_rest <= 0 then 'nothing_expected'
                when
                    fc_fitted.rate_squares > 0
                    and fc_fitted.corrected_squares - fc_fitted.rate_sum > 0
                    then 'negative_binomial'
                else 'poisson'
            end as forecast_model,
            -- φ: the over-dispersion per month (variance = λ + φ λ²).
            case
                when fc_fitted.rate_squares > 0
                    then
                        greatest(
                            (fc_fitted.corrected_squares - fc_fitted.rate_sum)
                            / fc_fitted.rate_squares,
                            0
                        )
                else 0
            end as dispersion
        from fc_fitted

    ),

    -- The negative binomial (size r, mean M) and Poisson (mean M) pmf up to remaining − 1.
    fc_count_points as (

        select
            fc_decided.month_key,
            fc_decided.chain_code,
            fc_decided.kpi_code,
            fc_decided.forecast_model,
            fc_decided.expected_rest as mean_rest,
            cast(ceil(fc_decided.remaining) as integer) as needed_count,
            case
                when fc_decided.forecast_model = 'negative_binomial'
                    then
                        fc_decided.expected_rest * fc_decided.expected_rest
                        / (fc_decided.dispersion * fc_decided.rest_rate_squares)
            end as size_r
        from fc_decided
        where fc_decided.forecast_model in ('negative_binomial', 'poisson')

    ),

    fc_pmf_offsets as (

        {{ integer_series(10000) }}

    ),

    fc_pmf_terms as (

        select
            fc_count_points.month_key,
            fc_count_points.chain_code,
            fc_count_points.kpi_code,
            fc_pmf_offsets.n as k,
            case
                when fc_pmf_offsets.n = 0 and fc_count_points.forecast_model = 'negative_binomial'
                    then
                        fc_count_points.size_r
                        * ln(
                            fc_count_points.size_r
                            / (fc_count_points.size_r + fc_count_points.mean_rest)
                        )
                when fc_pmf_offsets.n = 0 then -fc_count_points.mean_rest
                when fc_count_points.forecast_model = 'negative_binomial'
                    then
                        ln((fc_pmf_offsets.n - 1 + fc_count_points.size_r) / fc_pmf_offsets.n)
                        + ln(
                            fc_count_points.mean_rest
                            / (fc_count_points.size_r + fc_count_points.mean_rest)
                        )
                else ln(fc_count_points.mean_rest / fc_pmf_offsets.n)
            end as log_step
        from fc_count_points
        inner join fc_pmf_offsets
            on fc_pmf_offsets.n < fc_count_points.needed_count

    ),

    fc_pmf as (

        select
            fc_pmf_terms.month_key,
            fc_pmf_terms.chain_code,
            fc_pmf_terms.kpi_code,
            -- log P(X = k) = log P(X = 0) + the steps 1..k (log_step of k = 0 is log P(0)).
            exp(
                sum(fc_pmf_terms.log_step) over (
                    partition by fc_pmf_terms.month_key, fc_pmf_terms.chain_code, fc_pmf_terms.kpi_code
                    order by fc_pmf_terms.k
                    rows between unbounded preceding and current row
                )
            ) as probability
        from fc_pmf_terms

    ),

    fc_below as (

        select
            fc_pmf.month_key,
            fc_pmf.chain_code,
            fc_pmf.kpi_code,
            sum(fc_pmf.probability) as probability_below
        from fc_pmf
        group by fc_pmf.month_key, fc_pmf.chain_code, fc_pmf.kpi_code

    ),

    -- The normal model's z = (remaining − M) / sd and Φ(z) by Abramowitz–Stegun 7.1.26.
    fc_normal as (

        select
            fc_decided.month_key,
            fc_decided.chain_code,
            fc_decided.kpi_code,
            abs(
                (fc_decided.remaining - fc_decided.expected_rest)
                / sqrt(
                    greatest(
                        fc_decided.corrected_squares
                        / nullif(fc_decided.history_months, 0)
                        * fc_decided.months_left,
                        1e-9
                    )
                    * 2
                )
            ) as x,
            fc_decided.remaining >= fc_decided.expected_rest as is_above_mean
        from fc_decided
        where fc_decided.forecast_model = 'normal'

    ),

    fc_normal_probability as (

        select
            fc_normal.month_key,
            fc_normal.chain_code,
            fc_normal.kpi_code,
            -- erf(x) for x ≥ 0; P(X ≥ R) = (1 ∓ erf(|z| / √2)) / 2.
            case
                when fc_normal.is_above_mean
                    then 0.5 * (1 - (1 - fc_normal.poly * exp(-fc_normal.x * fc_normal.x)))
                else 0.5 * (1 + (1 - fc_normal.poly * exp(-fc_normal.x * fc_normal.x)))
            end as probability_to_meet
        from (
            select
                fc_normal.*,
                (
                    0.254829592 * (1.0 / (1 + 0.3275911 * fc_normal.x))
                    - 0.284496736 * power(1.0 / (1 + 0.3275911 * fc_normal.x), 2)
                    + 1.421413741 * power(1.0 / (1 + 0.3275911 * fc_normal.x), 3)
                    - 1.453152027 * power(1.0 / (1 + 0.3275911 * fc_normal.x), 4)
                    + 1.061405429 * power(1.0 / (1 + 0.3275911 * fc_normal.x), 5)
                ) as poly
            from fc_normal
        ) as fc_normal

    ),

    fc_final as (

        select
            fc_decided.year,
            fc_decided.month,
            fc_decided.chain_code,
            fc_decided.kpi_code,
            cast(
                case
                    when fc_decided.point_state = 'running' then fc_decided.as_of_date
                    else
                        {{ dbt.dateadd(
                            'day', -1,
                            dbt.dateadd('month', 'fc_decided.month', year_start('fc_decided.year')),
                        ) }}
                end as date
            ) as forecast_as_of,
            fc_decided.remaining as remaining_to_target,
            fc_decided.months_left,
            case
                when fc_decided.remaining <= 0 then 0
                when fc_decided.months_left > 0
                    then fc_decided.remaining / fc_decided.months_left
            end as needed_per_month,
            fc_decided.history_months,
            case
                when
                    fc_decided.forecast_model
                    in ('negative_binomial', 'poisson', 'normal', 'nothing_expected')
                    then fc_decided.expected_rest
            end as expected_rest_of_year,
            fc_decided.forecast_model,
            case
                when fc_decided.forecast_model = 'met' then 1.0
                when fc_decided.forecast_model in ('no_time_left', 'nothing_expected') then 0.0
                when fc_decided.forecast_model in ('negative_binomial', 'poisson')
                    then least(greatest(1.0 - coalesce(fc_below.probability_below, 0), 0.0), 1.0)
                when fc_decided.forecast_model = 'normal'
                    then least(greatest(fc_normal_probability.probability_to_meet, 0.0), 1.0)
            end as probability_to_meet,
            case
                when fc_decided.kpi_code = 'projects_signed' and fc_decided.point_state != 'future'
                    then
                        case
                            when fc_decided.remaining <= 0 then 0
                            when fc_decided.leads_in_window > 0 and fc_decided.signed_in_window > 0
                                then
                                    ceil(
                                        fc_decided.remaining * fc_decided.leads_in_window
                                        / fc_decided.signed_in_window
                                    )
                        end
            end as leads_needed
        from fc_decided
        left join fc_below
            on
                fc_decided.month_key = fc_below.month_key
                and fc_decided.chain_code = fc_below.chain_code
                and fc_decided.kpi_code = fc_below.kpi_code
        left join fc_normal_probability
            on
                fc_decided.month_key = fc_normal_probability.month_key
                and fc_decided.chain_code = fc_normal_probability.chain_code
                and fc_decided.kpi_code = fc_normal_probability.kpi_code

    )

    select
        fc_final.year,
        fc_final.month,
        fc_final.chain_code,
        fc_final.kpi_code,
        fc_final.forecast_as_of,
        round(fc_final.remaining_to_target, 2) as remaining_to_target,
        round(fc_final.months_left, 4) as months_left,
        round(fc_final.needed_per_month, 2) as needed_per_month,
        fc_final.history_months,
        round(fc_final.expected_rest_of_year, 2) as expected_rest_of_year,
        fc_final.forecast_model,
        round(fc_final.probability_to_meet, 4) as probability_to_meet,
        fc_final.leads_needed
    from fc_final
{%- endmacro %}

-- Who is late (handing_in.md, 报送情况): one row per chain × dataset × period of the reporting
-- schedule, from the first period any loaded ledger names (and not before the schedule's
-- tracked_from) up to the period holding the as-of date. A chain has handed in a dataset
-- for a period when a loaded file of that dataset, whose own period overlaps it, holds at
-- least one row of the chain (a monthly file reports its quarter; a quarterly file each of
-- its months); it was handed in when the first such file was ingested. Due on `due_day` of
-- the month after the period:
--   on_time  handed in on or before the due date
--   late     handed in after it
--   missing  not handed in, and the due date has passed (the as-of date is after it)
--   not_due  not handed in, due date today or ahead

with

schedule as (

    select * from {{ ref('reporting_schedule') }}

),

chains as (

    select * from {{ ref('dim_chains') }}

),

files as (

    select * from {{ ref('stg_ingest_files') }}

),

file_chains as (

    select * from {{ ref('int_ledger_file_chains') }}

),

as_of as (

    select {{ as_of_date() }} as as_of_date

),

loaded_files as (

    select
        files.load_id,
        files.dataset,
        files.period_start_date,
        files.period_end_date,
        files.ingested_at
    from files
    where
        files.load_status = 'loaded'
        and files.period_start_date is not null

),

bounds as (

    select
        cast(extract(year from min(loaded_files.period_start_date)) as integer) * 12
        + cast(extract(month from min(loaded_files.period_start_date)) as integer) - 1
            as first_month_key,
        cast(extract(year from as_of.as_of_date) as integer) * 12
        + cast(extract(month from as_of.as_of_date) as integer) - 1
            as last_month_key
    from loaded_files
    cross join as_of
    group by as_of.as_of_date

),

month_offsets as (

    {{ integer_series(1200) }}

),

months as (

    select bounds.first_month_key + month_offsets.n as month_key
    from bounds
    inner join month_offsets
        on month_offsets.n <= bounds.last_month_key - bounds.first_month_key

),

periods as (

    -- Every month, and every quarter whose first month is in range or that holds the first.
    select distinct
        'monthly' as frequency,
        months.month_key as start_month_key,
        1 as period_months
    from months
    union all
    select distinct
        'quarterly' as frequency,
        months.month_key - months.month_key % 3 as start_month_key,
        3 as period_months
    from months

),

period_dates as (

    select
        periods.frequency,
        periods.start_month_key,
        periods.period_months,
        cast(
            {{ dbt.concat([
                "cast(periods.start_month_key // 12 as " ~ dbt.type_string() ~ ")",
                "'-'",
                "lpad(cast(periods.start_month_key % 12 + 1 as " ~ dbt.type_string() ~ "), 2, '0')",
                "'-01'",
            ]) }} as date
        ) as period_start_date
    from periods

),

labelled as (

    select
        period_dates.frequency,
        period_dates.period_start_date,
        {%- set next_period_start = dbt.dateadd(
            'month', 'period_dates.period_months', 'period_dates.period_start_date'
        ) %}
        cast({{ dbt.dateadd('day', -1, next_period_start) }} as date) as period_end_date,
        case
            when period_dates.frequency = 'monthly'
                then strftime(period_dates.period_start_date, '%Y-%m')
            else
                {{ dbt.concat([
                    "strftime(period_dates.period_start_date, '%Y')",
                    "'Q'",
                    "cast(period_dates.start_month_key % 12 // 3 + 1 as " ~ dbt.type_string() ~ ")",
                ]) }}
        end as period
    from period_dates

),

expected as (

    select
        schedule.chain_code,
        schedule.dataset,
        schedule.frequency,
        schedule.due_day,
        labelled.period,
        labelled.period_start_date,
        labelled.period_end_date,
        cast(
            {{ dbt.dateadd('day', 'schedule.due_day', 'labelled.period_end_date') }} as date
        ) as due_date
    from schedule
    inner join labelled
        on
            schedule.frequency = labelled.frequency
            and schedule.tracked_from <= labelled.period_start_date

),

handed_in as (

    select
        expected.chain_code,
        expected.dataset,
        expected.period,
        min(loaded_files.ingested_at) as handed_in_at,
        count(distinct loaded_files.load_id) as files_handed_in
    from expected
    inner join loaded_files
        on
            expected.dataset = loaded_files.dataset
            and expected.period_end_date >= loaded_files.period_start_date
            and expected.period_start_date <= loaded_files.period_end_date
    inner join file_chains
        on
            loaded_files.load_id = file_chains.load_id
            and expected.chain_code = file_chains.chain_code
    group by
        expected.chain_code,
        expected.dataset,
        expected.period

),

classified as (

    select
        expected.*,
        handed_in.handed_in_at,
        coalesce(handed_in.files_handed_in, 0) as files_handed_in,
        as_of.as_of_date,
        case
            when handed_in.handed_in_at is null and expected.due_date < as_of.as_of_date
                then 'missing'
            when handed_in.handed_in_at is null then 'not_due'
            when cast(handed_in.handed_in_at as date) <= expected.due_date then 'on_time'
            else 'late'
        end as submission_status
    from expected
    cross join as_of
    left join handed_in
        on
            expected.chain_code = handed_in.chain_code
            and expected.dataset = handed_in.dataset
            and expected.period = handed_in.period
    where expected.period_start_date <= as_of.as_of_date

),

final as (

    select
        cast(classified.chain_code as {{ dbt.type_string() }}) as chain_code,
        cast(classified.dataset as {{ dbt.type_string() }}) as dataset,
        cast(classified.frequency as {{ dbt.type_string() }}) as frequency,
        cast(classified.period as {{ dbt.type_string() }}) as period,
        classified.period_start_date,
        classified.period_end_date,
        classified.due_date,
        classified.handed_in_at,
        cast(classified.files_handed_in as integer) as files_handed_in,
        cast(classified.submission_status as {{ dbt.type_string() }}) as submission_status,
        cast(
            case
                when classified.submission_status = 'late'
                    then {{ dbt.datediff(
                        'classified.due_date', 'cast(classified.handed_in_at as date)', 'day'
                    ) }}
            end as integer
        ) as days_late,
        classified.as_of_date,
        cast(chains.sort_order as integer) as chain_sort_order
    from classified
    inner join chains
        on classified.chain_code = chains.chain_code

)

select * from final

-- The files handed in to `kpi ingest`, loaded or rejected whole, with how each was read and
-- the period each ledger covers (handing_in.md: the month or quarter its file name or title
-- row names, else the month before it was ingested; null for files loaded before the ingest
-- recorded it).

with

source as (

    select * from {{ source('raw', 'ingest_files') }}

),

period_starts as (

    select
        source.*,
        case
            -- 2025-09: a month
            when source.period like '____-__'
                then cast({{ dbt.concat(["source.period", "'-01'"]) }} as date)
            -- 2025Q3: a quarter
            when source.period like '____Q_'
                then cast(
                    {{ dbt.concat([
                        "substring(source.period, 1, 4)",
                        "case substring(source.period, 6, 1) when '1' then '-01-01' "
                        ~ "when '2' then '-04-01' when '3' then '-07-01' else '-10-01' end",
                    ]) }} as date
                )
        end as period_start_date,
        case
            when source.period like '____-__' then 1
            when source.period like '____Q_' then 3
        end as period_months
    from source

),

period_ends as (

    select
        period_starts.*,
        {%- set next_period_start = dbt.dateadd(
            'month', 'period_starts.period_months', 'period_starts.period_start_date'
        ) %}
        cast({{ dbt.dateadd('day', -1, next_period_start) }} as date) as period_end_date
    from period_starts

),

final as (

    select
        load_id,
        run_id,
        file_name,
        sha256,
        dataset,
        status as load_status,
        rows_read,
        rows_loaded,
        rows_rejected,
        ingested_at,
        archive_path,
        errors as errors_json,
        interpretation as interpretation_json,
        period,
        period_start_date,
        period_end_date,
        -- The day the ledger's rows describe: the last day of its period, or the day it was
        -- handed in when that came first (this month's ledger, handed in before the month
        -- ends); the day it was handed in when the period is unknown.
        case
            when period_end_date is null then cast(ingested_at as date)
            when period_end_date > cast(ingested_at as date) then cast(ingested_at as date)
            else period_end_date
        end as ledger_date
    from period_ends

)

select * from final

{#-
    Generic data test: a model's (or seed's) column rules in one query — its keys unique,
    its required columns filled, its code columns inside their code lists, its grain unique.
    One dbt node per model instead of one per rule and column (each node is its own compile
    and run: most of a small build's time). Fails with one row per broken rule: the rule,
    the column(s) and how many rows break it — counts only, never a value.

    unique:              [column, ...]             no two rows share a non-null value
    not_null:            [column, ...]             no null
    accepted_values:     {column: [value, ...]}    every non-null value is in the list
    unique_combinations: [[column, ...], ...]      no two rows share the combination
                                                   (nulls count as equal, as in GROUP BY)
-#}
{% test column_rules(model, unique=[], not_null=[], accepted_values={}, unique_combinations=[]) %}

{%- set row_checks = [] -%}
{%- for column in not_null -%}
    {%- do row_checks.append(('not_null', column, column ~ ' is null')) -%}
{%- endfor -%}
{%- for column, values in accepted_values.items() -%}
    {%- set listed = [] -%}
    {%- for value in values -%}
        {%- if value is string -%}
            {%- do listed.append("'" ~ value | replace("'", "''") ~ "'") -%}
        {%- else -%}
            {%- do listed.append(value | string) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do row_checks.append(
        ('accepted_values', column, column ~ ' not in (' ~ listed | join(', ') ~ ')')
    ) -%}
{%- endfor -%}
{%- set keys = [] -%}
{%- for column in unique -%}
    {%- do keys.append(('unique', column, [column], column ~ ' is not null')) -%}
{%- endfor -%}
{%- for columns in unique_combinations -%}
    {%- do keys.append(('unique_combination', columns | join(', '), columns, 'true')) -%}
{%- endfor -%}

with

model_rows as (

    select * from {{ model }}

),

{% if row_checks %}
row_counts as (

    select
        {% for rule, column, condition in row_checks -%}
        count(*) filter (where {{ condition }}) as check_{{ loop.index }}{{ ',' if not loop.last }}
        {% endfor %}
    from model_rows

),
{% endif %}

broken as (

    {% for rule, column, condition in row_checks -%}
    select '{{ rule }}' as rule, '{{ column }}' as column_name, check_{{ loop.index }} as failing_rows
    from row_counts
    union all
    {% endfor -%}
    {% for rule, label, columns, condition in keys -%}
    select '{{ rule }}' as rule, '{{ label }}' as column_name, coalesce(sum(row_count), 0) as failing_rows
    from (
        select count(*) as row_count
        from model_rows
        where {{ condition }}
        group by {{ columns | join(', ') }}
        having count(*) > 1
    ) as duplicated
    union all
    {% endfor -%}
    select 'none' as rule, '' as column_name, 0 as failing_rows

),

final as (

    select * from broken where failing_rows > 0

)

select * from final

{% endtest %}

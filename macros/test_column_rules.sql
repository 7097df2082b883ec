{#-
    Generic data test: a model's (or seed's) column rules in one query — its keys unique,
    its required columns filled, its code columns inside their code lists, its grain unique.
    One dbt node per model instead of one per rule and column (each node is its own compile
    and run: most of a small build's time). Fails with one row per broken rule: the rule,
    the column(s) and how many rows break it — counts only, never a value.

    unique:              [column, ...]             no two rows share a non-null value
    not_null:            [column, ...]             no null
    accepted_values:     {column: [value, ...]}    every non-null value is in the list
    code_lists:          {column: seed, ...}       every non-null value is a code of the seed:
                                                   `seed` reads its column `code`,
                                                   `seed.column` another (`chains.chain_code`);
                                                   {codes: seed, also: [value, ...]} accepts a
                                                   few values more (`ALL`, the district total)
    unique_combinations: [[column, ...], ...]      no two rows share the combination
                                                   (nulls count as equal, as in GROUP BY)

    Column names are quoted, so a seed may have a column named like a keyword (`column`).
-#}
{% test column_rules(model, unique=[], not_null=[], accepted_values={}, code_lists={}, unique_combinations=[]) %}

{%- set row_checks = [] -%}
{%- set code_list_tables = [] -%}
{%- for column in not_null -%}
    {%- do row_checks.append(('not_null', column, adapter.quote(column) ~ ' is null')) -%}
{%- endfor -%}
{#- (rule, column, listed values, code-list table or none) -#}
{%- set value_rules = [] -%}
{%- for column, values in accepted_values.items() -%}
    {%- do value_rules.append(('accepted_values', column, values, none)) -%}
{%- endfor -%}
{%- for column, spec in code_lists.items() -%}
    {%- set codes = spec.codes if spec is mapping else spec -%}
    {%- set seed, _, code_column = codes.partition('.') -%}
    {%- set table = 'code_list_' ~ loop.index -%}
    {%- do code_list_tables.append((table, ref(seed), code_column or 'code')) -%}
    {%- do value_rules.append(('code_list', column, spec.get('also', []) if spec is mapping else [], table)) -%}
{%- endfor -%}
{%- for rule, column, values, table in value_rules -%}
    {%- set listed = [] -%}
    {%- for value in values -%}
        {%- if value is string -%}
            {%- do listed.append("'" ~ value | replace("'", "''") ~ "'") -%}
        {%- else -%}
            {%- do listed.append(value | string) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set conditions = [] -%}
    {%- if table -%}
        {%- do conditions.append(adapter.quote(column) ~ ' is not null') -%}
        {%- do conditions.append(adapter.quote(column) ~ ' not in (select code from ' ~ table ~ ')') -%}
    {%- endif -%}
    {%- if listed -%}
        {%- do conditions.append(adapter.quote(column) ~ ' not in (' ~ listed | join(', ') ~ ')') -%}
    {%- endif -%}
    {%- do row_checks.append((rule, column, conditions | join(' and '))) -%}
{%- endfor -%}
{%- set keys = [] -%}
{%- for column in unique -%}
    {%- do keys.append(('unique', column, [adapter.quote(column)], adapter.quote(column) ~ ' is not null')) -%}
{%- endfor -%}
{%- for columns in unique_combinations -%}
    {%- set quoted = [] -%}
    {%- for column in columns -%}{%- do quoted.append(adapter.quote(column)) -%}{%- endfor -%}
    {%- do keys.append(('unique_combination', columns | join(', '), quoted, 'true')) -%}
{%- endfor -%}

with

model_rows as (

    select * from {{ model }}

),

{% for table, relation, code_column in code_list_tables %}
{{ table }} as (

    select {{ adapter.quote(code_column) }} as code
    from {{ relation }}
    where {{ adapter.quote(code_column) }} is not null

),

{% endfor %}
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

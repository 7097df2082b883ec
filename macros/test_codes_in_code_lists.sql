{#-
    Generic data test: every row names a code list and a code of it — the value synonyms'
    codes (seeds/value_synonyms.csv) exist in their lists. Fails with one row per
    (list, code) that is unknown, with how many rows name it; a list that is not declared
    here is unknown as a whole.

    code_lists:  {list: seed, ...}          the list's codes are the seed's column `code`,
                                            or `seed.column` (`chains.chain_code`)
    fixed_lists: {list: [code, ...], ...}   lists that are not seeds (`bool`: true, false)
    list_column, code_column: the model's columns naming the list and the code
-#}
{% test codes_in_code_lists(model, code_lists={}, fixed_lists={}, list_column='code_list', code_column='code') %}

with

model_rows as (

    select
        {{ adapter.quote(list_column) }} as code_list,
        {{ adapter.quote(code_column) }} as code
    from {{ model }}

),

known_codes as (

    {% for name, spec in code_lists.items() -%}
    {%- set seed, _, seed_column = spec.partition('.') -%}
    select '{{ name }}' as code_list, {{ adapter.quote(seed_column or 'code') }} as code
    from {{ ref(seed) }}
    union all
    {% endfor -%}
    {% for name, codes in fixed_lists.items() -%}
    {% for code in codes -%}
    select '{{ name }}' as code_list, '{{ code | replace("'", "''") }}' as code
    union all
    {% endfor -%}
    {% endfor -%}
    select null as code_list, null as code where false

),

final as (

    select
        model_rows.code_list,
        model_rows.code,
        count(*) as row_count
    from model_rows
    left join known_codes
        on model_rows.code_list = known_codes.code_list
        and model_rows.code = known_codes.code
    where known_codes.code is null
    group by model_rows.code_list, model_rows.code

)

select * from final

{% endtest %}

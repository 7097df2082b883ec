{#-
    Generic data test: none of `columns` holds a null. One test (one query, one scan) for the
    non-key columns of a model, instead of one `not_null` test per column; it returns one
    row per column that has nulls, with how many. Keys keep their own `not_null` + `unique`.
-#}
{% test not_null_columns(model, columns) %}

with

null_counts as (

    select
        {% for column in columns -%}
        count(*) - count({{ column }}) as {{ column }}{{ ',' if not loop.last }}
        {% endfor %}
    from {{ model }}

),

final as (

    {% for column in columns -%}
    select '{{ column }}' as column_name, {{ column }} as null_rows
    from null_counts
    where {{ column }} > 0
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from final

{% endtest %}

{#-
    Generic data test: no two rows share the same values in `combination_of_columns` (the
    grain of a model). Nulls count as equal values, as in GROUP BY.
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with

grouped as (

    select
        {% for column in combination_of_columns -%}
        {{ column }},
        {% endfor -%}
        count(*) as row_count
    from {{ model }}
    group by
        {% for column in combination_of_columns -%}
        {{ column }}{{ ',' if not loop.last }}
        {% endfor %}

),

final as (

    select * from grouped where row_count > 1

)

select * from final

{% endtest %}

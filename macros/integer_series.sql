{#-
    A select of the integers 0 .. upper_bound - 1 in one column `n`, built from cross-joined
    digits so that it runs on any SQL engine (no generate_series, no recursion). Used for
    calendar spines.
-#}
{% macro integer_series(upper_bound) -%}
    {%- set places = ((upper_bound - 1) | string | length) if upper_bound > 1 else 1 -%}
    select n from (
        select
            {% for place in range(places) -%}
            d{{ place }}.digit * {{ 10 ** place }}{{ ' +' if not loop.last }}
            {% endfor -%}
            as n
        from
            {% for place in range(places) -%}
            (
                select 0 as digit union all select 1 union all select 2 union all select 3
                union all select 4 union all select 5 union all select 6 union all select 7
                union all select 8 union all select 9
            ) as d{{ place }}{{ ',' if not loop.last }}
            {% endfor %}
    ) as digits
    where n < {{ upper_bound }}
{%- endmacro %}

{#-
    Median of a numeric expression, as an aggregate. The default is the SQL standard
    ordered-set aggregate; DuckDB gets its native `median`. Another adapter overrides it with
    `<adapter>__median`.
-#}
{% macro median(expression) -%}
    {{ return(adapter.dispatch('median', 'chainkpi')(expression)) }}
{%- endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__median(expression) -%}
    median({{ expression }})
{%- endmacro %}

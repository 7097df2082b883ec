{#-
    SQL for 1 January of the year an integer expression holds (`year_start('2025')` is
    2025-01-01), from text so that it runs on any SQL engine.
-#}
{% macro year_start(year_expression) -%}
    cast({{ dbt.concat(["cast(" ~ year_expression ~ " as " ~ dbt.type_string() ~ ")", "'-01-01'"]) }} as date)
{%- endmacro %}

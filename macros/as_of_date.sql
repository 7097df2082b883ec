{#-
    The day ages are measured against (days in stage, stale leads): the project var
    `as_of_date` when set (tests and reruns fix it), else the build date.
-#}
{% macro as_of_date() -%}
    {%- set value = var('as_of_date', '') -%}
    {%- if value -%}
        cast('{{ value }}' as date)
    {%- else -%}
        current_date
    {%- endif -%}
{%- endmacro %}

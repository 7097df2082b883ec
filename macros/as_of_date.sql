{#-
    The day ages are measured against (days in stage, stale leads): the project var
    `as_of_date` when set (tests and reruns fix it), else the environment variable
    CHAINKPI_AS_OF_DATE (what `kpi build` sets), else the build date.

    `kpi build` passes the date through the environment rather than `--vars`: dbt throws its
    whole parse away when the command-line vars change (every new day), while a changed
    environment variable only re-parses the few models that read it.
-#}
{% macro as_of_date() -%}
    {%- set value = var('as_of_date', '') or env_var('CHAINKPI_AS_OF_DATE', '') -%}
    {%- if value -%}
        cast('{{ value }}' as date)
    {%- else -%}
        current_date
    {%- endif -%}
{%- endmacro %}

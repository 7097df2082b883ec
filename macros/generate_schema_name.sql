{#-
    Custom schemas are used as named (`staging`, `intermediate`), not prefixed with the
    target schema: marts and seeds stay in the target schema (`main`), which is what the
    dashboard and the export read.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}

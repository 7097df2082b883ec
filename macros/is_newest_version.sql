{#-
    True on the newest version of each key among the raw layer's rows: the row of the latest
    load (`_load_id` increases in load order, and a key appears at most once per load). The
    staging models keep it with `qualify {{ is_newest_version('source.<key>') }}` (the current
    state per key) or flag it (`… as is_current_version`, the full history).
-#}
{% macro is_newest_version(key) -%}
    row_number() over (partition by {{ key }} order by _load_id desc) = 1
{%- endmacro %}

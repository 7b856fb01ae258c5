{#- Models land in the schema their folder names (staging, intermediate, marts, reference):
    fixed names that roles and analysts can rely on, instead of dbt's <target>_<custom> default.

    var('schema_suffix') builds a whole separate copy (e.g. marts_pkg_202606_ab12cd34): the
    compliance packages are computed as known at a past time (var known_at) without touching the
    schemas analysts read. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set base = target.schema if custom_schema_name is none else custom_schema_name | trim -%}
    {%- set suffix = var('schema_suffix', none) -%}
    {%- if suffix -%}{{ base }}_{{ suffix }}{%- else -%}{{ base }}{%- endif -%}
{%- endmacro %}

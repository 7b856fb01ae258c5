{#- Models land in the schema their folder names (staging, intermediate, marts, reference):
    fixed names that roles and analysts can rely on, instead of dbt's <target>_<custom> default. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}

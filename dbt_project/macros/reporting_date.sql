{#- The date up to which Art. 42 cut-offs are reported: var('reporting_date') or the run's date. -#}
{% macro reporting_date() -%}
    {%- if var('reporting_date') -%}'{{ var("reporting_date") }}'::date{%- else -%}'{{ run_started_at.strftime("%Y-%m-%d") }}'::date{%- endif -%}
{%- endmacro %}

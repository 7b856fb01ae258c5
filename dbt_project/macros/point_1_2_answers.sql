{#- How the Annex I point 1.2 answers count, read from seeds/point_1_2_answers.csv (the one list
    the contract, the models and marts.indicator_data_quality share) instead of naming values. -#}

{#- True when the answer in `column` counts as `counts_as` (yes, no or not_answered). -#}
{% macro answer_counts_as(column, counts_as) -%}
    {{ column }} in (select answer from {{ ref('point_1_2_answers') }} where counts_as = '{{ counts_as }}')
{%- endmacro %}

{#- The answer a field the pilot did not send (blank) counts as. A scalar subquery: a seed with
    two such answers fails the build instead of doubling participations. -#}
{% macro answer_not_sent() -%}
    (select answer from {{ ref('point_1_2_answers') }} where is_not_sent)
{%- endmacro %}

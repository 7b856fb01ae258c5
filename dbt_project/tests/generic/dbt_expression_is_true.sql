{#- A column invariant, e.g. `>= 0`: rows where `<column> <expression>` is false fail. -#}
{% test dbt_expression_is_true(model, column_name, expression) %}
select * from {{ model }} where not ({{ column_name }} {{ expression }})
{% endtest %}

{#- A CPR Annex I code as Annex I writes it: `width` digits, zero-padded. Operations landed while
    the contract typed the codes as integers hold JSON numbers (form of support 1): padded here
    to 01. A code already as wide or wider is kept as landed (the contract checked it). -#}
{% macro annex_i_code(text_expression, width) -%}
    case
        when {{ text_expression }} ~ '^[0-9]+$' and length({{ text_expression }}) < {{ width }}
            then lpad({{ text_expression }}, {{ width }}, '0')
        else nullif({{ text_expression }}, '')
    end
{%- endmacro %}

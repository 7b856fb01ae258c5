{#- The id of a supported entity in one operation of one pilot (issue 24 point 8): keyed by
    entity_key, the HMAC of the partita IVA that validation computes (a plain md5 of the partita
    IVA would be brute-forced). An entity none of whose support records has a key (all landed
    before keys existed) takes its first support record's id, which says nothing of the
    partita IVA. -#}
{% macro supported_entity_key(pilot_id, operation_id, entity_key, first_support_id) -%}
    md5(
        {{ pilot_id }} || '|' || {{ operation_id }} || '|'
        || coalesce({{ entity_key }}, 'support:' || {{ first_support_id }})
    )
{%- endmacro %}

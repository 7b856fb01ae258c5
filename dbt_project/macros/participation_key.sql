{#- The id of a participation: one person in one operation of one pilot, whatever the stays.
    md5 of keys that are already pseudonymised (person_key is the HMAC validation computes), so
    it gives nothing away. Every model that names a participation builds it here, so that the
    spells, the result events and the marts' source records join on the same id. -#}
{% macro participation_key(pilot_id='pilot_id', operation_id='operation_id', person_key='person_key') -%}
    md5({{ pilot_id }} || '|' || {{ operation_id }} || '|' || {{ person_key }})
{%- endmacro %}

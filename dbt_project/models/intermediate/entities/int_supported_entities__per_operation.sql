-- Each supported entity once per operation (EECO18/EECO19 count entities like participants: a
-- second support of the same entity by the same operation does not count again). The entity is
-- its partita IVA; its type and first support date come from its earliest support record.
-- Its id, which the marts show, is keyed (issue 24 point 8): md5(pilot|operation|entity_key),
-- entity_key being the HMAC of the partita IVA that validation computes with the pseudonymisation
-- key; a plain md5 of the partita IVA would be brute-forced. An entity all of whose support
-- records landed before entity keys existed has none: its id then comes from its first support
-- record's id, which says nothing of the partita IVA, until a record of it lands again.
with

supports as (
    select * from {{ ref('stg_landing__supported_entities') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by pilot_id, operation_id, entity_vat_number order by support_start_date, support_id
        ) as support_rank,
        count(*) over (partition by pilot_id, operation_id, entity_vat_number) as support_count,
        -- the same for every record of the entity (one key); null only on records landed before it
        max(entity_key) over (partition by pilot_id, operation_id, entity_vat_number)
            as keyed_entity
    from supports
),

entity_types as (
    select * from {{ ref('entity_type_indicators') }}
)

select
    {{ supported_entity_key(
        'ranked.pilot_id', 'ranked.operation_id', 'ranked.keyed_entity', 'ranked.support_id'
    ) }} as supported_entity_id,
    ranked.pilot_id,
    ranked.operation_id,
    ranked.entity_vat_number,
    ranked.keyed_entity as entity_key,
    ranked.support_id as first_support_id,
    ranked.entity_type,
    entity_types.indicator_code,
    ranked.support_start_date as first_support_date,
    ranked.support_count
from ranked
left join entity_types on ranked.entity_type = entity_types.entity_type
where ranked.support_rank = 1

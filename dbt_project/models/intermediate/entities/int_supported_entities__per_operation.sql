-- Each supported entity once per operation (EECO18/EECO19 count entities like participants: a
-- second support of the same entity by the same operation does not count again). The entity is
-- its partita IVA; its type and first support date come from its earliest support record.
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
        count(*) over (partition by pilot_id, operation_id, entity_vat_number) as support_count
    from supports
),

entity_types as (
    select * from {{ ref('entity_type_indicators') }}
)

select
    md5(ranked.pilot_id || '|' || ranked.operation_id || '|' || ranked.entity_vat_number)
        as supported_entity_id,
    ranked.pilot_id,
    ranked.operation_id,
    ranked.entity_vat_number,
    ranked.support_id as first_support_id,
    ranked.entity_type,
    entity_types.indicator_code,
    ranked.support_start_date as first_support_date,
    ranked.support_count
from ranked
left join entity_types on ranked.entity_type = entity_types.entity_type
where ranked.support_rank = 1

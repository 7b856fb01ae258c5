{{ config(
    materialized='table',
    indexes=[{'columns': ['indicator_code', 'pilot_id', 'action_code']}, {'columns': ['member_id']}]
) }}
-- Who counts in which ESF+ indicator, and from when: one row per member (a participation or a
-- supported entity) and indicator, valid at every cut-off on or after valid_from and before
-- valid_to (null: no end). The marts aggregate these rows; the audit drill-down lists them.
-- Only participations with complete Annex I point 1.1 data are members (Art. 17(5)), and only of
-- operations that are known (an action and a fund to count them under).
with

participations as (
    select * from {{ ref('int_participations') }}
    where has_complete_core_data and is_operation_known
),

-- Outputs: one row per true predicate of macros/participant_output_rules.sql, counted from the
-- first entry.
outputs as (
    select
        participations.participation_id as member_id,
        rules.indicator_code,
        participations.entry_date as valid_from,
        null::date as valid_to,
        null::text as decided_by_event_id
    from participations
    cross join
        lateral (
            values
            {%- for code, predicate in participant_output_rules().items() %}
                ('{{ code }}', coalesce({{ predicate }}, false)){{ "," if not loop.last }}
            {%- endfor %}
        ) as rules (indicator_code, is_member)
    where rules.is_member
),

results as (
    select
        results.participation_id as member_id,
        results.indicator_code,
        results.valid_from,
        results.valid_to,
        results.decided_by_event_id
    from {{ ref('int_participation_results') }} as results
    inner join participations on results.participation_id = participations.participation_id
),

participant_members as (
    select
        members.member_id,
        'participation' as member_type,
        members.indicator_code,
        participations.pilot_id,
        participations.operation_id,
        participations.action_code,
        participations.fund,
        participations.gender,
        participations.residence_comune_code,
        members.valid_from,
        members.valid_to,
        members.decided_by_event_id
    from (
        select * from outputs
        union all
        select * from results
    ) as members
    inner join participations on members.member_id = participations.participation_id
),

operations as (
    select * from {{ ref('int_operations__current') }}
),

entity_members as (
    select
        entities.supported_entity_id as member_id,
        'supported_entity' as member_type,
        entities.indicator_code,
        entities.pilot_id,
        entities.operation_id,
        operations.action_code,
        operations.fund,
        genders.gender,
        null::text as residence_comune_code,
        entities.first_support_date as valid_from,
        null::date as valid_to,
        null::text as decided_by_event_id
    from {{ ref('int_supported_entities__per_operation') }} as entities
    inner join operations
        on
            entities.pilot_id = operations.pilot_id
            and entities.operation_id = operations.operation_id
    -- entities have no gender: they are counted under the seed's entity row (not_applicable)
    inner join {{ ref('genders') }} as genders on genders.applies_to = 'entities'
    where entities.indicator_code is not null
)

select * from participant_members
union all
select * from entity_members

-- Every source record behind a member of marts.esf_indicator_members: a participation's
-- enrolments (first entry, re-entries, same-day duplicates) and result events, a supported
-- entity's support records. Each with where it came from: pilot, batch, file and line or page,
-- the pilot's record id and the keyed hash of the record as sent. Pseudonymised keys only:
-- `record_hash` is the HMAC (record_hmac, validation, pseudonymisation key), never the plain
-- SHA-256 raw keeps, which anyone holding a candidate record could confirm (issue 24 point 8).
-- A record landed before keyed hashes has none here (null): the pipeline verifies it in raw.
-- The post-hook creates marts.indicator_cell_sources(), the drill-down of one indicator cell.
-- The function reads esf_indicator_members; built after esf_indicators, so that the drill-down
-- data test (which reads both) runs with this model in the Airflow DAG.
-- depends_on: {{ ref('esf_indicator_members') }}
-- depends_on: {{ ref('esf_indicators') }}
{{ config(
    indexes=[{'columns': ['member_id']}],
    post_hook="{{ indicator_cell_sources_function() }}"
) }}
with

enrolments as (
    select
        {{ participation_key() }} as member_id,
        'participant_enrolments' as record_type,
        pilot_id,
        batch_id,
        source_location,
        enrolment_id as source_record_id,
        record_hmac
    from {{ ref('int_enrolments__current') }}
),

events as (
    select
        participation_id as member_id,
        'result_events' as record_type,
        pilot_id,
        batch_id,
        source_location,
        event_id as source_record_id,
        record_hmac
    from {{ ref('int_result_events__participations') }}
    where participation_id is not null
),

-- the entity's keyed id, as int_indicator_members has it
supports as (
    select
        entities.supported_entity_id as member_id,
        'supported_entities' as record_type,
        support_records.pilot_id,
        support_records.batch_id,
        support_records.source_location,
        support_records.support_id as source_record_id,
        support_records.record_hmac
    from {{ ref('stg_landing__supported_entities') }} as support_records
    inner join {{ ref('int_supported_entities__per_operation') }} as entities
        on
            support_records.pilot_id = entities.pilot_id
            and support_records.operation_id = entities.operation_id
            and support_records.entity_vat_number = entities.entity_vat_number
),

records as (
    select * from enrolments
    union all
    select * from events
    union all
    select * from supports
)

select
    cast(member_id as text) as member_id,
    cast(record_type as text) as record_type,
    cast(pilot_id as text) as pilot_id,
    cast(batch_id as text) as batch_id,
    cast(source_location as text) as source_location,
    cast(source_record_id as text) as source_record_id,
    cast(record_hmac as text) as record_hash
from records

-- Every current result event with the participation it follows up: the enrolment it names fixes
-- person and operation (each pilot follows up its own participants). An event whose enrolment is
-- unknown (never landed, or quarantined) has no participation: it counts nowhere and is reported
-- in the data-quality mart.
with

events as (
    select * from {{ ref('stg_landing__result_events') }}
),

enrolments as (
    select * from {{ ref('int_enrolments__current') }}
)

select
    -- ids
    events.pilot_id,
    events.event_id,
    events.enrolment_id,
    {{ participation_key('enrolments.pilot_id', 'enrolments.operation_id', 'enrolments.person_key') }}
        as participation_id,

    -- the event
    events.event_type,
    events.event_type in ('employment', 'self_employment') as is_employment,
    events.event_date,
    events.is_from_follow_up,

    -- lineage
    events.batch_id,
    events.source_location,
    events.record_hash,
    events.record_hmac

from events
left join enrolments
    on
        events.pilot_id = enrolments.pilot_id
        and events.enrolment_id = enrolments.enrolment_id

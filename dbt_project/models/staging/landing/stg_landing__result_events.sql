with

-- The current version of each record, or the one known at var('known_at').
source as (
    {{ records_known_at(source('landing', 'result_events')) }}
),

renamed as (
    select
        -- ids
        pilot_id,
        source_record_id as event_id,
        record ->> 'enrolment_id' as enrolment_id,
        batch_id,
        landing_id,
        record_hash,
        record_hmac,
        source_location,

        -- strings
        record ->> 'event_type' as event_type,

        -- flags
        coalesce((record ->> 'from_follow_up')::boolean, false) as is_from_follow_up,

        -- dates
        (record ->> 'event_date')::date as event_date,
        (record ->> 'source_updated_at')::timestamptz as source_updated_at,
        data_interval_start,
        ingested_at

    from source
)

select * from renamed

-- Quarantine entries known at var('known_at') (default: the current landings), without payloads.
with

source as (
    select * from {{ source('landing', 'quarantine') }}
    where {{ known_at_condition('quarantined_at') }}
),

renamed as (
    select
        -- ids
        quarantine_id,
        landing_id,
        batch_id,
        pilot_id,
        source_record_id,

        -- strings
        entity as record_type,
        source_location,
        reason,
        array_to_string(failed_rules, ', ') as failed_rules,

        -- dates
        data_interval_start,
        quarantined_at

    from source
)

select * from renamed

with

source as (
    select * from {{ source('landing', 'quarantine') }}
),

renamed as (
    select
        -- ids
        batch_id,
        pilot_id,
        source_record_id,
        resolved_by_batch,

        -- strings
        entity as record_type,
        source_location,
        reason,
        status,
        array_to_string(failed_rules, ', ') as failed_rules,

        -- dates
        quarantined_at,
        resolved_at

    from source
)

select * from renamed

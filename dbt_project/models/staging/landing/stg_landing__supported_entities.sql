with

-- The current version of each record, or the one known at var('known_at').
source as (
    {{ records_known_at(source('landing', 'supported_entities')) }}
),

renamed as (
    select
        -- ids
        pilot_id,
        source_record_id as support_id,
        record ->> 'operation_id' as operation_id,
        record ->> 'entity_vat_number' as entity_vat_number,
        record ->> 'entity_key' as entity_key,
        batch_id,
        landing_id,
        record_hash,
        record_hmac,
        source_location,

        -- strings
        record ->> 'entity_name' as entity_name,
        record ->> 'entity_type' as entity_type,
        record ->> 'comune' as comune_code,

        -- dates
        (record ->> 'support_start_date')::date as support_start_date,
        (record ->> 'source_updated_at')::timestamptz as source_updated_at,
        data_interval_start,
        ingested_at

    from source
)

select * from renamed

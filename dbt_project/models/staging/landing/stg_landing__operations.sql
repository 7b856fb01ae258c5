with

-- The current version of each record, or the one known at var('known_at').
source as (
    {{ records_known_at(source('landing', 'operations')) }}
),

renamed as (
    select
        -- ids
        pilot_id,
        source_record_id as operation_id,
        record ->> 'cup' as cup,
        record ->> 'beneficiary_id' as beneficiary_id,
        batch_id,
        landing_id,
        record_hash,

        -- strings
        record ->> 'title' as operation_title,
        record ->> 'title_en' as operation_title_en,
        record ->> 'summary' as operation_summary,
        record ->> 'beneficiary_name' as beneficiary_name,
        record ->> 'action' as action_code,
        record ->> 'fund' as fund,
        record ->> 'gender_equality' as gender_equality_code,
        record ->> 'comune' as comune_code,
        record ->> 'postcode' as postcode,
        record ->> 'target_group' as target_group,

        -- numbers
        (record ->> 'intervention_field')::integer as intervention_field_code,
        (record ->> 'form_of_support')::integer as form_of_support_code,
        (record ->> 'territorial_delivery')::integer as territorial_delivery_code,
        (record ->> 'economic_activity')::integer as economic_activity_code,
        (record ->> 'total_eligible_cost')::numeric(14, 2) as total_eligible_cost,
        (record ->> 'public_contribution')::numeric(14, 2) as public_contribution,
        (record ->> 'cofinancing_rate')::numeric(5, 2) as cofinancing_rate,
        (record ->> 'latitude')::numeric(9, 6) as latitude,
        (record ->> 'longitude')::numeric(9, 6) as longitude,

        -- flags
        (record ->> 'beneficiary_is_natural_person')::boolean as is_beneficiary_natural_person,

        -- dates
        (record ->> 'start_date')::date as start_date,
        (record ->> 'expected_end_date')::date as expected_end_date,
        (record ->> 'end_date')::date as end_date,
        (record ->> 'source_updated_at')::timestamptz as source_updated_at,
        data_interval_start,
        ingested_at

    from source
)

select * from renamed

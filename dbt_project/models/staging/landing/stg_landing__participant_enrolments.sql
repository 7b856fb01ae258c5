with

-- The current version of each record, or the one known at var('known_at').
source as (
    {{ records_known_at(source('landing', 'participant_enrolments')) }}
),

renamed as (
    select
        -- ids
        pilot_id,
        source_record_id as enrolment_id,
        record ->> 'operation_id' as operation_id,
        record ->> 'person_key' as person_key,
        batch_id,
        landing_id,
        record_hash,
        record_hmac,
        source_location,

        -- strings
        record ->> 'gender' as gender,
        record ->> 'labour_status' as labour_status,
        record ->> 'residence_comune' as residence_comune_code,
        record ->> 'disability' as disability,
        record ->> 'third_country_national' as third_country_national,
        record ->> 'foreign_background' as foreign_background,
        record ->> 'minority' as minority,
        record ->> 'homeless' as homeless,
        record ->> 'in_education_training' as in_education_training,
        record ->> 'at_risk_of_poverty' as at_risk_of_poverty,

        -- numbers
        (record ->> 'isced_level')::integer as isced_level,
        (record ->> 'unemployment_months')::integer as unemployment_months,

        -- dates
        (record ->> 'birth_date')::date as birth_date,
        (record ->> 'entry_date')::date as entry_date,
        (record ->> 'exit_date')::date as exit_date,
        (record ->> 'source_updated_at')::timestamptz as source_updated_at,
        data_interval_start,
        ingested_at

    from source
)

select * from renamed

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
        record ->> 'status' as operation_status,
        record ->> 'comune' as comune_code,
        record ->> 'postcode' as postcode,
        record ->> 'target_group' as target_group,

        -- CPR Annex I codes, zero-padded as Annex I writes them
        {{ annex_i_code("record ->> 'intervention_field'", 3) }} as intervention_field_code,
        {{ annex_i_code("record ->> 'form_of_support'", 2) }} as form_of_support_code,
        {{ annex_i_code("record ->> 'territorial_delivery'", 2) }} as territorial_delivery_code,
        {{ annex_i_code("record ->> 'economic_activity'", 2) }} as economic_activity_code,
        {{ annex_i_code("record ->> 'esf_secondary_theme'", 2) }} as esf_secondary_theme_code,
        {{ annex_i_code("record ->> 'gender_equality'", 2) }} as gender_equality_code,

        -- numbers
        (record ->> 'total_eligible_cost')::numeric(14, 2) as total_eligible_cost,
        (record ->> 'public_contribution')::numeric(14, 2) as public_contribution,
        (record ->> 'cofinancing_rate')::numeric(5, 2) as cofinancing_rate,
        (record ->> 'latitude')::numeric(9, 6) as latitude,
        (record ->> 'longitude')::numeric(9, 6) as longitude,

        -- flags
        (record ->> 'beneficiary_is_natural_person')::boolean as is_beneficiary_natural_person,

        -- dates: an operation landed before the contract had a selection date is taken as
        -- selected on its start date (flagged: is_selection_date_from_start)
        coalesce((record ->> 'selection_date')::date, (record ->> 'start_date')::date) as selection_date,
        (record ->> 'selection_date') is null as is_selection_date_from_start,
        (record ->> 'withdrawal_date')::date as withdrawal_date,
        (record ->> 'start_date')::date as start_date,
        (record ->> 'expected_end_date')::date as expected_end_date,
        (record ->> 'end_date')::date as end_date,
        (record ->> 'source_updated_at')::timestamptz as source_updated_at,
        data_interval_start,
        ingested_at

    from source
)

select * from renamed

with

-- The current version of each record, or the one known at var('known_at').
source as (
    {{ records_known_at(source('landing', 'expenditures')) }}
),

renamed as (
    select
        -- ids
        pilot_id,
        source_record_id as expenditure_id,
        record ->> 'operation_id' as operation_id,
        batch_id,
        landing_id,
        record_hash,

        -- numbers
        (record ->> 'amount')::numeric(14, 2) as declared_amount,

        -- dates
        (record ->> 'declared_date')::date as declared_date,
        (record ->> 'source_updated_at')::timestamptz as source_updated_at,
        data_interval_start,
        ingested_at

    from source
)

select * from renamed

-- The ledger: every landing of every batch (current and superseded).
with

source as (
    select * from {{ source('landing', 'batches') }}
),

renamed as (
    select
        -- ids
        landing_id,
        batch_id,
        pilot_id,

        -- strings
        entity as record_type,

        -- numerics
        received,
        loaded,
        unchanged,
        quarantined,

        -- booleans
        superseded_at is null as is_current,

        -- dates
        data_interval_start,
        data_interval_end,
        landed_at,
        superseded_at

    from source
)

select * from renamed

-- Refusals of whole batches, without the refused records' payloads.
with

source as (
    select * from {{ source('landing', 'batch_refusals') }}
),

renamed as (
    select
        -- ids
        refusal_id,
        batch_id,
        pilot_id,

        -- strings
        entity as record_type,
        stage,
        reason,
        top_reasons,

        -- numerics
        received,
        invalid,

        -- dates
        data_interval_start,
        data_interval_end,
        refused_at

    from source
)

select * from renamed

with

source as (
    select * from {{ source('landing', 'operations') }}
),

renamed as (
    select
        -- ids
        pilot_id,
        source_record_id as operation_id,
        batch_id,
        record_hash,

        -- strings
        record ->> 'title' as operation_title,
        record ->> 'action' as action_code,

        -- dates
        ingested_at

    from source
)

select * from renamed

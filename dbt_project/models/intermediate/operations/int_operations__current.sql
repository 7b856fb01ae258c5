-- The current version of each operation: the one landed last.
with

versions as (
    select
        *,
        row_number() over (
            partition by pilot_id, operation_id
            order by source_updated_at desc nulls last, batch_id desc
        ) as version_rank
    from {{ ref('stg_landing__operations') }}
)

select * from versions
where version_rank = 1

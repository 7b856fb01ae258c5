-- The current version of each enrolment: the newest change in the pilot's system (pilots resend
-- changed records; a rerun of an old interval must not win over a newer change), then the newest batch.
with

versions as (
    select
        *,
        row_number() over (
            partition by pilot_id, enrolment_id
            order by source_updated_at desc nulls last, batch_id desc
        ) as version_rank
    from {{ ref('stg_landing__participant_enrolments') }}
)

select * from versions
where version_rank = 1

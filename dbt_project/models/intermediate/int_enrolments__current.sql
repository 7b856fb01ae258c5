-- The current version of each enrolment: the one landed last (pilots resend changed records).
with

versions as (
    select
        *,
        row_number() over (
            partition by pilot_id, enrolment_id
            order by ingested_at desc, batch_id desc
        ) as version_rank
    from {{ ref('stg_landing__participant_enrolments') }}
)

select * from versions
where version_rank = 1

-- Batches whose latest attempt was refused: the data intervals a pilot's records are missing
-- for until the cause is fixed and the interval rerun. A batch drops out as soon as it lands
-- after its refusal (a landing later than the refusal).
with

refusals as (
    select
        *,
        row_number() over (partition by batch_id order by refused_at desc, refusal_id desc) as attempt_rank,
        count(*) over (partition by batch_id) as refusals
    from {{ ref('stg_landing__batch_refusals') }}
),

landings as (
    select
        batch_id,
        max(landed_at) as last_landed_at
    from {{ ref('stg_landing__batches') }}
    group by batch_id
)

select
    refusals.pilot_id,
    refusals.record_type,
    refusals.batch_id,
    refusals.data_interval_start,
    refusals.data_interval_end,
    refusals.stage,
    refusals.reason,
    refusals.received,
    refusals.invalid,
    refusals.refusals,
    refusals.refused_at,
    landings.last_landed_at
from refusals
left join landings on refusals.batch_id = landings.batch_id
where
    refusals.attempt_rank = 1
    and (landings.last_landed_at is null or landings.last_landed_at < refusals.refused_at)

-- What each pilot still has to fix: one row per open source record (its latest quarantine entry),
-- without payloads or partite IVA (no identifying data). Entries without a record id are keyed by
-- batch and source location. A record is open when its latest entry is: an earlier entry cannot outlive it.
with

entries as (
    select
        *,
        coalesce('record:' || source_record_id, 'location:' || batch_id || ':' || source_location)
            as quarantine_key
    from {{ ref('int_quarantine__status') }}
),

latest as (
    select
        *,
        row_number() over (
            partition by pilot_id, record_type, quarantine_key
            order by data_interval_start desc, quarantined_at desc, quarantine_id desc
        ) as entry_rank,
        min(quarantined_at) over (partition by pilot_id, record_type, quarantine_key)
            as first_quarantined_at
    from entries
)

select
    pilot_id,
    record_type,
    quarantine_key,
    source_record_id,
    source_location,
    batch_id,
    failed_rules,
    -- Validation no longer repeats a partita IVA in a reason (issue 24 point 8); entries written
    -- before still may: any 11-digit number is masked, whatever it is.
    regexp_replace(reason, '\m[0-9]{11}\M', '[11 digits removed]', 'g') as reason,
    quarantined_at,
    first_quarantined_at
from latest
where entry_rank = 1 and status = 'open'

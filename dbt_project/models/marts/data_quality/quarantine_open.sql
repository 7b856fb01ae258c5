-- What each pilot still has to fix: open quarantine entries, without payloads (no personal data).
select
    pilot_id,
    record_type,
    source_record_id,
    source_location,
    failed_rules,
    reason,
    quarantined_at
from {{ ref('stg_landing__quarantine') }}
where status = 'open'

-- Every batch: received = loaded + quarantined (also a CHECK constraint on raw.batches; this test
-- makes a broken ledger fail the dbt run too, e.g. after a manual repair of the raw schema).
select
    batch_id,
    received,
    loaded,
    quarantined
from {{ source('landing', 'batches') }}
where received <> loaded + quarantined

-- Every landing: received = loaded + unchanged + quarantined (also a CHECK constraint on
-- raw.batches; this test makes a broken ledger fail the dbt run too, e.g. after a manual repair of
-- the raw schema), and at most one current landing per batch.
select
    landing_id,
    batch_id,
    'does not add up' as problem
from {{ source('landing', 'batches') }}
where received <> loaded + unchanged + quarantined

union all

select
    max(landing_id) as landing_id,
    batch_id,
    'more than one current landing' as problem
from {{ source('landing', 'batches') }}
where superseded_at is null
group by batch_id
having count(*) > 1

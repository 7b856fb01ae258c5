-- Refused batches (issue 16 point 9). A batch refused whole (a broken file, a format change, a
-- stale drop, too many invalid rows) loads nothing, but why it was refused belongs in the
-- warehouse, not only in a work file and a task log: one row per refusal, and every record the
-- refusal judged invalid with its reasons. Refusals are history: a later successful landing of
-- the same batch does not remove them.
CREATE TABLE raw.batch_refusals (
    refusal_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch_id text NOT NULL,
    pilot_id text NOT NULL,
    entity text NOT NULL,
    data_interval_start timestamptz NOT NULL,
    data_interval_end timestamptz NOT NULL,
    stage text NOT NULL CHECK (stage IN ('extract', 'validate', 'land')),
    received integer CHECK (received >= 0),  -- null: refused before records were counted
    invalid integer CHECK (invalid >= 0),    -- records judged invalid before the refusal
    reason text NOT NULL,
    top_reasons jsonb NOT NULL DEFAULT '[]'::jsonb,  -- [{rule, count, examples: [{source, reason}]}]
    refused_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX batch_refusals_batch ON raw.batch_refusals (pilot_id, entity, refused_at);
COMMENT ON TABLE raw.batch_refusals IS
    'One row per refusal of a whole batch: nothing of it was loaded; the files stay in the inbox.';

CREATE TABLE raw.refused_records (
    refusal_id bigint NOT NULL REFERENCES raw.batch_refusals (refusal_id),
    source_location text NOT NULL,
    source_record_id text,
    record_hash text,
    failed_rules text [] NOT NULL,
    reason text NOT NULL,
    payload jsonb
);
CREATE INDEX refused_records_refusal ON raw.refused_records (refusal_id);
COMMENT ON TABLE raw.refused_records IS
    'The invalid records of a refused batch, with every failed rule (not loaded, not quarantined).';

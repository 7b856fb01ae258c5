-- Raw landing schema: readable by the pipeline role only (no grants to analysts).
-- One row per source record; a batch is (pilot, record type, data interval) and re-running it
-- replaces its rows. The record itself is JSONB in the canonical contract's names: the contract
-- can grow without migrations, and dbt staging casts it into typed columns.
-- Record tables (one per canonical record type) are created from warehouse.py's template.
CREATE SCHEMA IF NOT EXISTS raw;

CREATE TABLE IF NOT EXISTS raw.batches (
    batch_id            text PRIMARY KEY,
    pilot_id            text NOT NULL,
    entity              text NOT NULL,
    data_interval_start timestamptz NOT NULL,
    data_interval_end   timestamptz NOT NULL,
    received            integer NOT NULL,
    loaded              integer NOT NULL,
    quarantined         integer NOT NULL,
    -- incremental extraction: records changed after watermark_from were asked for; the newest
    -- change seen is watermark_to, where the next interval starts
    watermark_from      timestamptz,
    watermark_to        timestamptz,
    landed_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT received_is_loaded_plus_quarantined CHECK (received = loaded + quarantined)
);

CREATE TABLE IF NOT EXISTS raw.quarantine (
    batch_id         text NOT NULL,
    pilot_id         text NOT NULL,
    entity           text NOT NULL,
    source_location  text NOT NULL,
    source_record_id text,
    record_hash      text NOT NULL,
    failed_rules     text[] NOT NULL,
    reason           text NOT NULL,
    payload          jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    quarantined_at   timestamptz NOT NULL,
    resolved_by_batch text,           -- the batch that landed the corrected record
    resolved_at      timestamptz
);
CREATE INDEX IF NOT EXISTS quarantine_batch ON raw.quarantine (batch_id);
CREATE INDEX IF NOT EXISTS quarantine_pilot_status ON raw.quarantine (pilot_id, status);

-- Validation outcome per batch and rule (rules of expectations/<record type>.json): how many rows
-- each rule refused, so that data quality per pilot can be followed over time. Replaced with
-- its batch on rerun.
CREATE TABLE IF NOT EXISTS raw.validation_results (
    batch_id     text NOT NULL,
    pilot_id     text NOT NULL,
    entity       text NOT NULL,
    rule         text NOT NULL,
    failed_rows  integer NOT NULL,
    evaluated    integer NOT NULL,
    validated_at timestamptz NOT NULL,
    PRIMARY KEY (batch_id, rule)
);

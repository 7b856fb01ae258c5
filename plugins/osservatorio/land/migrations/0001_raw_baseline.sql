-- Baseline: the raw schema as the pipeline created it before versioned migrations (raw_schema.sql,
-- file_ledger.sql and the record-table template of warehouse.py). Everything is IF NOT EXISTS, so
-- a database that already has this schema adopts the baseline unchanged; an empty one gets it.
-- Raw is readable by the pipeline role only (no grants to analysts).
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
    watermark_from      timestamptz,
    watermark_to        timestamptz,
    landed_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT received_is_loaded_plus_quarantined CHECK (received = loaded + quarantined)
);
ALTER TABLE raw.batches ADD COLUMN IF NOT EXISTS watermark_from timestamptz;
ALTER TABLE raw.batches ADD COLUMN IF NOT EXISTS watermark_to timestamptz;

CREATE TABLE IF NOT EXISTS raw.quarantine (
    batch_id          text NOT NULL,
    pilot_id          text NOT NULL,
    entity            text NOT NULL,
    source_location   text NOT NULL,
    source_record_id  text,
    record_hash       text NOT NULL,
    failed_rules      text[] NOT NULL,
    reason            text NOT NULL,
    payload           jsonb NOT NULL,
    status            text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    quarantined_at    timestamptz NOT NULL,
    resolved_by_batch text,
    resolved_at       timestamptz
);
ALTER TABLE raw.quarantine ADD COLUMN IF NOT EXISTS resolved_by_batch text;
ALTER TABLE raw.quarantine ADD COLUMN IF NOT EXISTS resolved_at timestamptz;
CREATE INDEX IF NOT EXISTS quarantine_batch ON raw.quarantine (batch_id);
CREATE INDEX IF NOT EXISTS quarantine_pilot_status ON raw.quarantine (pilot_id, status);

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

CREATE TABLE IF NOT EXISTS raw.files (
    pilot_id    text NOT NULL,
    entity      text NOT NULL,
    file_name   text NOT NULL,
    sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    batch_id    text NOT NULL,
    records     integer NOT NULL CHECK (records >= 0),
    encoding    text,
    delimiter   text,
    status      text NOT NULL DEFAULT 'landed' CHECK (status IN ('landed', 'archived')),
    landed_at   timestamptz NOT NULL DEFAULT now(),
    archived_to text,
    PRIMARY KEY (pilot_id, entity, sha256)
);
CREATE INDEX IF NOT EXISTS files_batch ON raw.files (batch_id);

-- One landing table per canonical record type, the record as JSONB in the contract's names.
CREATE TABLE IF NOT EXISTS raw.operations (
    batch_id text NOT NULL, pilot_id text NOT NULL, source_location text NOT NULL,
    source_record_id text NOT NULL, record_hash text NOT NULL, ingested_at timestamptz NOT NULL,
    record jsonb NOT NULL, PRIMARY KEY (batch_id, source_record_id)
);
CREATE INDEX IF NOT EXISTS operations_pilot_record ON raw.operations (pilot_id, source_record_id);

CREATE TABLE IF NOT EXISTS raw.participant_enrolments (
    batch_id text NOT NULL, pilot_id text NOT NULL, source_location text NOT NULL,
    source_record_id text NOT NULL, record_hash text NOT NULL, ingested_at timestamptz NOT NULL,
    record jsonb NOT NULL, PRIMARY KEY (batch_id, source_record_id)
);
CREATE INDEX IF NOT EXISTS participant_enrolments_pilot_record
    ON raw.participant_enrolments (pilot_id, source_record_id);

CREATE TABLE IF NOT EXISTS raw.result_events (
    batch_id text NOT NULL, pilot_id text NOT NULL, source_location text NOT NULL,
    source_record_id text NOT NULL, record_hash text NOT NULL, ingested_at timestamptz NOT NULL,
    record jsonb NOT NULL, PRIMARY KEY (batch_id, source_record_id)
);
CREATE INDEX IF NOT EXISTS result_events_pilot_record ON raw.result_events (pilot_id, source_record_id);

CREATE TABLE IF NOT EXISTS raw.supported_entities (
    batch_id text NOT NULL, pilot_id text NOT NULL, source_location text NOT NULL,
    source_record_id text NOT NULL, record_hash text NOT NULL, ingested_at timestamptz NOT NULL,
    record jsonb NOT NULL, PRIMARY KEY (batch_id, source_record_id)
);
CREATE INDEX IF NOT EXISTS supported_entities_pilot_record
    ON raw.supported_entities (pilot_id, source_record_id);

CREATE TABLE IF NOT EXISTS raw.expenditures (
    batch_id text NOT NULL, pilot_id text NOT NULL, source_location text NOT NULL,
    source_record_id text NOT NULL, record_hash text NOT NULL, ingested_at timestamptz NOT NULL,
    record jsonb NOT NULL, PRIMARY KEY (batch_id, source_record_id)
);
CREATE INDEX IF NOT EXISTS expenditures_pilot_record ON raw.expenditures (pilot_id, source_record_id);

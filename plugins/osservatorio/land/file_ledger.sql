-- Ledger of the files the file-drop channels landed: one row per file content (SHA-256) per
-- pilot and record type. The primary key makes landing the same content twice impossible, even
-- from two concurrent runs: the second transaction fails on it. Rows are written in the batch's
-- landing transaction (they commit with the data) and replaced when the batch is rerun.
CREATE SCHEMA IF NOT EXISTS raw;

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

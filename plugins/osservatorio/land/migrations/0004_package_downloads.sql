-- The download log of the compliance packages (issue 18 point 4): who downloaded which file of
-- which package version, when, and the SHA-256 of the bytes served. The download page
-- (plugins/osservatorio/web) writes one row per download, committed before serving the file: a
-- download that cannot be logged is refused.
-- Append-only: a trigger refuses UPDATE, DELETE and TRUNCATE, whoever asks (the table owner too).
-- Written by the pipeline role through the `osservatorio_warehouse` connection; no other role
-- gets a grant. Idempotent (IF NOT EXISTS, OR REPLACE), like the baseline, so that a database whose
-- `audit` schema survived a dropped `raw` schema adopts it unchanged.
CREATE SCHEMA IF NOT EXISTS audit;
COMMENT ON SCHEMA audit IS 'Access logs of what the pipeline publishes (append-only).';

CREATE TABLE IF NOT EXISTS audit.package_downloads (
    download_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    downloaded_at timestamptz NOT NULL DEFAULT now(),
    username text NOT NULL CHECK (username <> ''),  -- the Airflow user
    user_role text,                                 -- their Airflow role at the time, if any
    cutoff text NOT NULL CHECK (cutoff ~ '^[0-9]{6}$'),
    package_version text NOT NULL CHECK (package_version ~ '^v[0-9]{3}$'),
    file_name text NOT NULL CHECK (file_name <> ''),
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    bytes bigint NOT NULL CHECK (bytes >= 0),
    client_address text
);
CREATE INDEX IF NOT EXISTS package_downloads_package
ON audit.package_downloads (cutoff, package_version, downloaded_at);
CREATE INDEX IF NOT EXISTS package_downloads_user ON audit.package_downloads (username, downloaded_at);
COMMENT ON TABLE audit.package_downloads IS
'One row per compliance-package file served by the download page, written before serving it.';

CREATE OR REPLACE FUNCTION audit.refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%.% is append-only: % refused', TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP;
END
$$;
CREATE OR REPLACE TRIGGER package_downloads_append_only
BEFORE UPDATE OR DELETE ON audit.package_downloads
FOR EACH ROW EXECUTE FUNCTION audit.refuse_change();
CREATE OR REPLACE TRIGGER package_downloads_no_truncate
BEFORE TRUNCATE ON audit.package_downloads
FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

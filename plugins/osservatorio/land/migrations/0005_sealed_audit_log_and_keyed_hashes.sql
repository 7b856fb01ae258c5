-- Issue 24 point 8: an audit log its writers cannot rewrite, and keyed record hashes.
--
-- 1. The download log: the server sets `download_id` and `downloaded_at` on every INSERT, whatever
--    the inserter sends (a chosen id, OVERRIDING SYSTEM VALUE, a backdated time). The identity
--    becomes a plain sequence the BEFORE INSERT trigger draws from: an identity would also draw
--    one value per row, leaving a gap after every row. The trigger function is SECURITY DEFINER
--    (the inserters get no right on the sequence) with an empty search_path.
--    This migration runs as the pipeline role, which still owns the log here. Ownership then
--    passes to the NOLOGIN role `osservatorio_audit` (`scripts/postgres.sh seal-audit`, run by
--    the superuser after the migrations: `make migrate`), leaving the pipeline INSERT and SELECT
--    only. A later migration that changes the `audit` schema must be applied by the superuser.
-- 2. `record_hmac` on the record tables: HMAC-SHA256 of the record as sent, with the
--    pseudonymisation key, computed by validation (the key never reaches SQL). The plain
--    `record_hash` stays for the pipeline's own use (versions, reconciliation with the pilots);
--    the marts expose only the keyed one. Rows landed before have no keyed hash (NULL): it cannot
--    be computed here without the key, and raw is append-only (docs/roles.md).
-- Idempotent, like 0004: a database whose (not yet sealed) `audit` schema survived a dropped `raw`
-- schema adopts it unchanged.

ALTER TABLE audit.package_downloads ALTER COLUMN download_id DROP IDENTITY IF EXISTS;
CREATE SEQUENCE IF NOT EXISTS audit.package_downloads_download_id_seq OWNED BY audit.package_downloads.download_id;
SELECT setval(
    'audit.package_downloads_download_id_seq',
    coalesce((SELECT max(download_id) FROM audit.package_downloads), 0) + 1,
    false
);

CREATE OR REPLACE FUNCTION audit.stamp_download() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    NEW.download_id := pg_catalog.nextval('audit.package_downloads_download_id_seq'::pg_catalog.regclass);
    NEW.downloaded_at := pg_catalog.clock_timestamp();
    RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION audit.stamp_download() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION audit.refuse_change() FROM PUBLIC;
CREATE OR REPLACE TRIGGER package_downloads_stamp
BEFORE INSERT ON audit.package_downloads
FOR EACH ROW EXECUTE FUNCTION audit.stamp_download();
COMMENT ON COLUMN audit.package_downloads.download_id IS 'Set by the server on insert (trigger).';
COMMENT ON COLUMN audit.package_downloads.downloaded_at IS 'Set by the server on insert (trigger).';

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY[
        'operations', 'participant_enrolments', 'result_events', 'supported_entities', 'expenditures'
    ] LOOP
        EXECUTE format('ALTER TABLE raw.%I ADD COLUMN IF NOT EXISTS record_hmac text', t);
        EXECUTE format(
            'COMMENT ON COLUMN raw.%I.record_hmac IS %L', t,
            'HMAC-SHA256 of the record as sent, with the pseudonymisation key (NULL: landed before issue 24).'
        );
    END LOOP;
END
$$;

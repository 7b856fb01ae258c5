#!/usr/bin/env bash
# The compose stack's one-shot `init` service (docker-compose.yml): what `make setup` does after
# installing, against the compose network's PostgreSQL (or the existing server of
# docker/external-postgres.yml). Idempotent: it runs again on every `docker compose up`, and the
# Airflow services start only after it has succeeded.
#   1. databases and roles (scripts/postgres.sh, with OSSERVATORIO_PG_ADMIN_URL: no cluster of its own)
#   2. the warehouse's migrations, then the audit seal                    (Makefile `migrate`)
#   3. Airflow's metadata migration                                       (Makefile `airflow-init`)
#   4. the dbt manifest cosmos renders the DAG from                       (Makefile `dbt-parse`)
set -euo pipefail
cd "$(dirname "$0")/.."
: "${OSSERVATORIO_PG_ADMIN_URL:?the superuser URL of the PostgreSQL server (docs/deployment.md)}"
log() { printf '[init] %s\n' "$*" >&2; }

scripts/postgres.sh start
log "migrating the warehouse"
python -m osservatorio.land.migrate
scripts/postgres.sh seal-audit

# Folders on the shared state volume that the services expect to exist: the OpenLineage file
# transport appends to lineage/events.jsonl and does not create its folder.
mkdir -p "$OSSERVATORIO_STATE_DIR/lineage"
# The SimpleAuthManager's generated passwords, in plain text: Airflow keeps the mode of a file that
# exists (it opens it "a+"), so it is made here, empty and 0600, as scripts/airflow_init.sh does.
(umask 077; touch "$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE")
chmod 600 "$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"
log "migrating the Airflow metadata database"
airflow db migrate

# cosmos reads a copy that only this step writes, atomically (as `make dbt-parse`): a DAG parsed
# while dbt rewrites target/manifest.json would read half a file.
log "parsing the dbt project"
(
  cd dbt_project
  dbt parse --quiet
  mkdir -p "$DBT_TARGET_PATH/cosmos"
  cp "$DBT_TARGET_PATH/manifest.json" "$DBT_TARGET_PATH/cosmos/manifest.json.tmp"
  mv "$DBT_TARGET_PATH/cosmos/manifest.json.tmp" "$DBT_TARGET_PATH/cosmos/manifest.json"
)
log "done"

#!/usr/bin/env bash
# Prepare Airflow: state folders, the local pseudonymisation key, the metadata DB migration.
# Needs scripts/env.sh sourced (the Makefile does it). Idempotent.
set -euo pipefail
mkdir -p "$AIRFLOW_HOME" "$OSSERVATORIO_STATE_DIR/secrets"
# The default OpenLineage file transport (scripts/env.sh) appends to a file there, and does not
# create its folder.
mkdir -p "$OSSERVATORIO_STATE_DIR/lineage"
# Airflow's home holds its config, logs and the UI's passwords; secrets/ the keys: this user's only.
chmod 700 "$AIRFLOW_HOME" "$OSSERVATORIO_STATE_DIR/secrets"
# The SimpleAuthManager's passwords, in plain text: Airflow writes them into this file on the API
# server's first start, keeping the mode of a file that exists (it opens it "a+"), so it is made
# here, empty and 0600, and an older world-readable one is closed.
PASSWORDS="${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE:-$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated}"
(umask 077; touch "$PASSWORDS")
chmod 600 "$PASSWORDS"
KEY="$OSSERVATORIO_STATE_DIR/secrets/pseudonymisation.key"
if [ ! -s "$KEY" ]; then
  # A random local key; production sets AIRFLOW_VAR_OSSERVATORIO_PSEUDONYMISATION_KEY from its vault.
  (umask 077; python -c 'import secrets; print(secrets.token_hex(32))' > "$KEY")
  echo "[airflow] generated a local pseudonymisation key in $KEY" >&2
fi
echo "[airflow] migrating the metadata database" >&2
airflow db migrate >"$AIRFLOW_HOME/db-migrate.log" 2>&1 || { tail -n 30 "$AIRFLOW_HOME/db-migrate.log" >&2; exit 1; }

#!/usr/bin/env bash
# Start the Airflow UI and scheduler (`airflow standalone`) on 127.0.0.1 in the foreground.
# Needs scripts/env.sh sourced (the Makefile does it). Ctrl-C stops it.
set -euo pipefail
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE="$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated"
# Plain-text passwords: 0600 before Airflow writes them (it keeps an existing file's mode).
(umask 077; touch "$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE")
chmod 600 "$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"
# A stable JWT secret, so that logins survive a restart (local state, never committed).
SECRET="$OSSERVATORIO_STATE_DIR/secrets/jwt.secret"
[ -s "$SECRET" ] || (umask 077; python -c 'import secrets; print(secrets.token_hex(32))' > "$SECRET")
export AIRFLOW__API_AUTH__JWT_SECRET="${AIRFLOW__API_AUTH__JWT_SECRET:-$(cat "$SECRET")}"
cat >&2 <<TXT
[ui] Airflow UI on http://127.0.0.1:$AIRFLOW__API__PORT (ready in about 20 s)
[ui] users: admin (data engineer), officer (program officer); passwords: in
[ui]   $AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE (written on first start: cat that file)
[ui] compliance packages: http://127.0.0.1:$AIRFLOW__API__PORT/compliance-packages/
[ui] Ctrl-C stops Airflow; 'make stop' stops PostgreSQL and the simulated pilots.
TXT
exec airflow standalone

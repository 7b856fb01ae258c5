# shellcheck shell=bash
# Sourced by scripts/airflow_ui.sh and scripts/airflow_celery.sh before they start Airflow.
# The UI's plain-text passwords: 0600 before Airflow writes them (it keeps an existing file's mode).
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE="$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated"
(umask 077; touch "$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE")
chmod 600 "$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"
# A stable JWT secret, so that logins survive a restart, and the one every process (scheduler,
# api-server, Celery workers) signs and checks task tokens with (local state, never committed).
SECRET="$OSSERVATORIO_STATE_DIR/secrets/jwt.secret"
[ -s "$SECRET" ] || (umask 077; python -c 'import secrets; print(secrets.token_hex(32))' > "$SECRET")
export AIRFLOW__API_AUTH__JWT_SECRET="${AIRFLOW__API_AUTH__JWT_SECRET:-$(cat "$SECRET")}"

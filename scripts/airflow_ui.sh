#!/usr/bin/env bash
# Start the Airflow UI and scheduler (`airflow standalone`, LocalExecutor) on 127.0.0.1 in the
# foreground. Needs scripts/env.sh sourced (the Makefile does it). Ctrl-C stops it.
set -euo pipefail
# shellcheck source=scripts/airflow_secrets.sh
source "$(dirname "$0")/airflow_secrets.sh"
cat >&2 <<TXT
[ui] Airflow UI on http://127.0.0.1:$AIRFLOW__API__PORT (ready in about 20 s)
[ui] users: admin (data engineer), officer (program officer); passwords: in
[ui]   $AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE (written on first start: cat that file)
[ui] compliance packages: http://127.0.0.1:$AIRFLOW__API__PORT/compliance-packages/
[ui] Ctrl-C stops Airflow; 'make stop' stops PostgreSQL and the simulated pilots.
TXT
exec airflow standalone

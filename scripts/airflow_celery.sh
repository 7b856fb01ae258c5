#!/usr/bin/env bash
# The Celery mode of `make ui`: redis-server (scripts/redis.sh), then the api-server, scheduler,
# dag-processor, triggerer and WORKERS Celery workers (osservatorio/deploy/celery_stack.py), in
# the foreground. Needs scripts/env.sh sourced (the Makefile does it). Ctrl-C stops Airflow;
# `make stop` stops Redis with PostgreSQL and the pilots.
#   scripts/airflow_celery.sh [WORKERS] [CONCURRENCY]
set -euo pipefail
WORKERS="${1:-2}"
CONCURRENCY="${2:-2}"
# shellcheck source=scripts/airflow_secrets.sh
source "$(dirname "$0")/airflow_secrets.sh"
"$(dirname "$0")/redis.sh" start
cat >&2 <<TXT
[ui] CeleryExecutor: $WORKERS workers x $CONCURRENCY slots on Redis 127.0.0.1:$OSSERVATORIO_REDIS_PORT
[ui] Airflow UI on http://127.0.0.1:$AIRFLOW__API__PORT (ready in about 30 s); logs in $AIRFLOW_HOME/logs/celery-stack
[ui] users: admin (data engineer), officer (program officer); passwords: in
[ui]   $AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE (written on first start: cat that file)
[ui] Ctrl-C stops Airflow; 'make stop' stops Redis, PostgreSQL and the simulated pilots.
TXT
exec python -m osservatorio.deploy.celery_stack run --workers "$WORKERS" --concurrency "$CONCURRENCY"

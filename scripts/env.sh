# shellcheck shell=bash
# Environment of osservatorio: sourced by the Makefile and by anyone who wants to run
# `airflow` or `dbt` by hand (`source scripts/env.sh`). Every default is for a local
# development machine; override any variable before sourcing.
OSS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export OSS_ROOT
export OSSERVATORIO_STATE_DIR="${OSSERVATORIO_STATE_DIR:-$OSS_ROOT/.local}"
export OSSERVATORIO_VENV="${OSSERVATORIO_VENV:-$OSS_ROOT/.venv}"
export PATH="$OSSERVATORIO_VENV/bin:$PATH"
export PYTHONPATH="$OSS_ROOT/plugins:$OSS_ROOT${PYTHONPATH:+:$PYTHONPATH}"

# PostgreSQL: the project-managed local cluster, unless OSSERVATORIO_PG_ADMIN_URL names an
# existing server (a superuser URL; the project then creates its databases and roles there).
# Where the project-managed cluster keeps its state (shared by the demo and the tests, which use
# their own databases in it).
export OSSERVATORIO_PG_STATE_DIR="${OSSERVATORIO_PG_STATE_DIR:-$OSS_ROOT/.local/postgres}"
export OSSERVATORIO_PG_HOST="${OSSERVATORIO_PG_HOST:-127.0.0.1}"
export OSSERVATORIO_PG_PORT="${OSSERVATORIO_PG_PORT:-55432}"
export OSSERVATORIO_WAREHOUSE_DB="${OSSERVATORIO_WAREHOUSE_DB:-osservatorio}"
export OSSERVATORIO_AIRFLOW_DB="${OSSERVATORIO_AIRFLOW_DB:-airflow}"
# Local-development passwords, obviously so; production sets its own through the same variables.
export OSSERVATORIO_PIPELINE_PASSWORD="${OSSERVATORIO_PIPELINE_PASSWORD:-local-dev-pipeline}"
export OSSERVATORIO_AIRFLOW_DB_PASSWORD="${OSSERVATORIO_AIRFLOW_DB_PASSWORD:-local-dev-airflow}"
export OSSERVATORIO_ANALYST_PASSWORD="${OSSERVATORIO_ANALYST_PASSWORD:-local-dev-analyst}"
export OSSERVATORIO_PROGRAM_OFFICER_PASSWORD="${OSSERVATORIO_PROGRAM_OFFICER_PASSWORD:-local-dev-program-officer}"
export OSSERVATORIO_PUBLIC_READER_PASSWORD="${OSSERVATORIO_PUBLIC_READER_PASSWORD:-local-dev-public-reader}"

# Simulated pilot systems (pilot_systems/): where the local stand-ins listen.
export OSSERVATORIO_PILOTS_PORT="${OSSERVATORIO_PILOTS_PORT:-8801}"
export OSSERVATORIO_PILOTS_SEED="${OSSERVATORIO_PILOTS_SEED:-2021}"
export OSSERVATORIO_PILOTS_SIZE="${OSSERVATORIO_PILOTS_SIZE:-500}"
export OSSERVATORIO_PILOT_TOKEN="${OSSERVATORIO_PILOT_TOKEN:-local-dev-pilot-token}"

# Celery mode (`make ui EXECUTOR=celery`): the project's own redis-server, loopback only.
export OSSERVATORIO_REDIS_PORT="${OSSERVATORIO_REDIS_PORT:-56379}"
export OSSERVATORIO_REDIS_PASSWORD="${OSSERVATORIO_REDIS_PASSWORD:-local-dev-redis}"

# `make data-docs` serves the GX Data Docs here.
export OSSERVATORIO_DATA_DOCS_PORT="${OSSERVATORIO_DATA_DOCS_PORT:-8809}"
export OSSERVATORIO_DBT_DOCS_PORT="${OSSERVATORIO_DBT_DOCS_PORT:-8810}"

# Airflow: home and metadata in the state folder / local cluster, no examples, loopback only.
export AIRFLOW_HOME="${AIRFLOW_HOME:-$OSSERVATORIO_STATE_DIR/airflow}"
export AIRFLOW__CORE__DAGS_FOLDER="$OSS_ROOT/dags"
export AIRFLOW__CORE__PLUGINS_FOLDER="$OSS_ROOT/plugins"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__UNIT_TEST_MODE="${AIRFLOW__CORE__UNIT_TEST_MODE:-False}"
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN:-postgresql+psycopg2://airflow:$OSSERVATORIO_AIRFLOW_DB_PASSWORD@$OSSERVATORIO_PG_HOST:$OSSERVATORIO_PG_PORT/$OSSERVATORIO_AIRFLOW_DB}"
export AIRFLOW__API__HOST=127.0.0.1
export AIRFLOW__API__PORT="${AIRFLOW__API__PORT:-8080}"
# Tasks talk to the API server's execution API: derive both URLs from the port, so that changing
# AIRFLOW__API__PORT alone is enough (Airflow's own default stays at 8080 whatever the port).
export AIRFLOW__API__BASE_URL="${AIRFLOW__API__BASE_URL:-http://127.0.0.1:$AIRFLOW__API__PORT}"
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="${AIRFLOW__CORE__EXECUTION_API_SERVER_URL:-$AIRFLOW__API__BASE_URL/execution/}"
# Airflow users (SimpleAuthManager): the data engineer (admin) and a program officer, who needs
# no DAG rights (viewer) but is named in OSSERVATORIO_PROGRAM_OFFICERS, the only users who may
# download compliance packages (docs/downloads.md). Passwords: see scripts/airflow_ui.sh.
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS:-admin:admin,officer:viewer}"
export OSSERVATORIO_PROGRAM_OFFICERS="${OSSERVATORIO_PROGRAM_OFFICERS-officer}"
# Seconds before a failed task is retried (tasks have retries=2; data errors fail without retry).
export AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY="${AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY:-60}"
# Airflow's bookkeeping at INFO, kept out of task and `airflow dags test` output so that a failure
# shows on the first screen: the execution API's four lines per task (state changes, rendered
# fields) and the next-run arithmetic of every DAG at each parse. Their warnings and errors stay,
# and task failures are logged by the task itself. (Applies to Airflow's loggers only; libraries'
# chatter is quieted where they are imported, e.g. osservatorio.quiet_logs for GX.)
export AIRFLOW__LOGGING__NAMESPACE_LEVELS="${AIRFLOW__LOGGING__NAMESPACE_LEVELS-airflow.api_fastapi.execution_api=WARNING airflow.serialization.definitions.dag=WARNING airflow.models.dag=WARNING}"
export AIRFLOW__COSMOS__ENABLE_TELEMETRY=False
# cosmos caches in /tmp/cosmos by default, shared by every checkout on the machine: keep it ours.
export AIRFLOW__COSMOS__CACHE_DIR="${AIRFLOW__COSMOS__CACHE_DIR:-$OSSERVATORIO_STATE_DIR/cosmos}"
# OpenLineage (docs/lineage.md): one event per task start and end, with the datasets it read and
# wrote, appended as JSON lines to the state folder; to send them to Marquez instead, set e.g.
# AIRFLOW__OPENLINEAGE__TRANSPORT='{"type": "http", "url": "http://localhost:5000"}'.
_ol_file="{\"type\": \"file\", \"log_file_path\": \"$OSSERVATORIO_STATE_DIR/lineage/events.jsonl\", \"append\": true}"
export AIRFLOW__OPENLINEAGE__TRANSPORT="${AIRFLOW__OPENLINEAGE__TRANSPORT:-$_ol_file}"
export AIRFLOW__OPENLINEAGE__NAMESPACE="${AIRFLOW__OPENLINEAGE__NAMESPACE:-osservatorio}"
unset _ol_file
export DBT_SEND_ANONYMOUS_USAGE_STATS=false
export DO_NOT_TRACK=1
export SCARF_ANALYTICS=false
export AIRFLOW__USAGE_DATA_COLLECTION__ENABLED=False
export GX_ANALYTICS_ENABLED=False

# Connections, the only place credentials live (Airflow reads AIRFLOW_CONN_*).
export AIRFLOW_CONN_OSSERVATORIO_WAREHOUSE="${AIRFLOW_CONN_OSSERVATORIO_WAREHOUSE:-postgresql://osservatorio_pipeline:$OSSERVATORIO_PIPELINE_PASSWORD@$OSSERVATORIO_PG_HOST:$OSSERVATORIO_PG_PORT/$OSSERVATORIO_WAREHOUSE_DB}"
# The pilots' connections point at the simulated pilot systems (pilot_systems/): REST pilots at
# the local server (base URL + token as password), file pilots at their inbox folder.
export OSSERVATORIO_PILOT_DROPS="${OSSERVATORIO_PILOT_DROPS:-$OSSERVATORIO_STATE_DIR/pilot_drops}"
for _pilot in tdz_corviale tdz_tor_bella_monaca cmrc_col; do
  _var="AIRFLOW_CONN_PILOT_$(echo "$_pilot" | tr '[:lower:]' '[:upper:]')"
  [ -n "${!_var:-}" ] || export "$_var=http://:$OSSERVATORIO_PILOT_TOKEN@127.0.0.1:$OSSERVATORIO_PILOTS_PORT/$_pilot"
done
for _pilot in cal_adda_martesana zot_pratico; do
  _var="AIRFLOW_CONN_PILOT_$(echo "$_pilot" | tr '[:lower:]' '[:upper:]')"
  [ -n "${!_var:-}" ] || export "$_var={\"conn_type\": \"fs\", \"extra\": {\"path\": \"$OSSERVATORIO_PILOT_DROPS/$_pilot/inbox\"}}"
done
unset _pilot _var
# Key of the keyed hash that turns a codice fiscale into the pseudonymous person key.
# Local development generates a random one into the state folder (scripts/setup.sh);
# production sets this variable from its secrets backend.
if [ -z "${AIRFLOW_VAR_OSSERVATORIO_PSEUDONYMISATION_KEY:-}" ] && [ -f "$OSSERVATORIO_STATE_DIR/secrets/pseudonymisation.key" ]; then
  AIRFLOW_VAR_OSSERVATORIO_PSEUDONYMISATION_KEY="$(cat "$OSSERVATORIO_STATE_DIR/secrets/pseudonymisation.key")"
  export AIRFLOW_VAR_OSSERVATORIO_PSEUDONYMISATION_KEY
fi

# dbt: the project and a profile that reads the same warehouse credentials.
export DBT_PROJECT_DIR="$OSS_ROOT/dbt_project"
export DBT_PROFILES_DIR="$OSS_ROOT/dbt_project"
export DBT_TARGET_PATH="${DBT_TARGET_PATH:-$OSS_ROOT/dbt_project/target}"

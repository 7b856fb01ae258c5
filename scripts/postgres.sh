#!/usr/bin/env bash
# Project-managed PostgreSQL for local development, tests and the demo.
#   scripts/postgres.sh start   initialise (first time) and start the cluster, create databases and
#                               roles (who reads what: docs/roles.md)
#   scripts/postgres.sh stop    stop the cluster
#   scripts/postgres.sh status  say whether it answers
#   scripts/postgres.sh remove  stop the cluster and delete its data, wherever it lives (make clean)
#   scripts/postgres.sh seal-audit  after the migrations: the download log to its NOLOGIN owner
# Idempotent: a second `start` reuses the running cluster. Listens on 127.0.0.1 only.
# If OSSERVATORIO_PG_ADMIN_URL is set (a superuser URL of an existing server), no cluster is
# managed: databases and roles are created there instead, and `stop` does nothing.
# As root, the server runs as the `postgres` OS user (initdb refuses root); its data folder is
# in the git-ignored state folder when `postgres` can reach it, otherwise in postgres's home.
set -euo pipefail
. "$(dirname "$0")/env.sh"

PGBIN="${OSSERVATORIO_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
PG_STATE="$OSSERVATORIO_PG_STATE_DIR"
log() { printf '[postgres] %s\n' "$*" >&2; }

as_server_user() {  # run a command as the OS user that owns the cluster
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

data_root() {  # where the cluster lives; decided once, remembered in the state folder
  if [ -f "$PG_STATE/location" ]; then cat "$PG_STATE/location"; return; fi
  mkdir -p "$PG_STATE"
  local dir="$PG_STATE/cluster"
  if [ "$(id -u)" = 0 ]; then
    mkdir -p "$dir" && chown postgres: "$dir"
    if ! runuser -u postgres -- test -w "$dir"; then
      # The repository sits where `postgres` cannot enter (e.g. under /root): use its own home.
      rmdir "$dir"
      local home; home="$(getent passwd postgres | cut -d: -f6)"
      dir="$home/osservatorio/$(printf '%s' "$OSS_ROOT" | sha1sum | cut -c1-12)"
      runuser -u postgres -- mkdir -p "$dir"
    fi
  fi
  printf '%s\n' "$dir" > "$PG_STATE/location"
  printf '%s\n' "$dir"
}

psql_admin() {  # psql as the superuser, on the given database
  local db="$1"; shift
  if [ -n "${OSSERVATORIO_PG_ADMIN_URL:-}" ]; then
    psql -v ON_ERROR_STOP=1 -qAt "$(admin_url_for "$db")" "$@"
  else
    as_server_user "$PGBIN/psql" -v ON_ERROR_STOP=1 -qAt -h "$(data_root)/socket" \
      -p "$OSSERVATORIO_PG_PORT" -U postgres -d "$db" "$@"
  fi
}

admin_url_for() {  # the admin URL with its database replaced
  python3 - "$OSSERVATORIO_PG_ADMIN_URL" "$1" <<'PY'
import sys
from urllib.parse import urlsplit, urlunsplit
parts = urlsplit(sys.argv[1])
print(urlunsplit(parts._replace(path="/" + sys.argv[2])))
PY
}

is_running() {
  [ -n "${OSSERVATORIO_PG_ADMIN_URL:-}" ] && return 0
  [ -f "$PG_STATE/location" ] || return 1
  as_server_user "$PGBIN/pg_ctl" -D "$(data_root)/data" status >/dev/null 2>&1
}

init_cluster() {
  local root; root="$(data_root)"
  [ -f "$root/data/PG_VERSION" ] && return 0
  log "initialising a new cluster in $root/data"
  as_server_user mkdir -p "$root/data" "$root/socket" "$root/log"
  as_server_user "$PGBIN/initdb" -D "$root/data" -U postgres --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
}

start_cluster() {
  local root; root="$(data_root)"
  log "starting on $OSSERVATORIO_PG_HOST:$OSSERVATORIO_PG_PORT"
  as_server_user "$PGBIN/pg_ctl" -D "$root/data" -l "$root/log/postgres.log" -w -t 60 \
    -o "-c listen_addresses=$OSSERVATORIO_PG_HOST -p $OSSERVATORIO_PG_PORT -k $root/socket \
        -c shared_buffers=256MB -c max_connections=200 -c fsync=off -c synchronous_commit=off \
        -c full_page_writes=off" start >/dev/null \
    || { log "failed to start; last lines of $root/log/postgres.log:"; tail -n 20 "$root/log/postgres.log" >&2; exit 1; }
}

ensure_role() {  # name password [extra attributes]
  psql_admin postgres <<SQL
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L ${3:-}', '$1', '$2')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$1') \gexec
ALTER ROLE "$1" WITH LOGIN PASSWORD '$2';
SQL
}

ensure_database() {  # name owner
  psql_admin postgres <<SQL
SELECT format('CREATE DATABASE %I OWNER %I', '$1', '$2')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$1') \gexec
SQL
}

provision() {
  # Roles (docs/roles.md): the pipeline owns and writes the warehouse; analysts read the marts and
  # program officers the compliance schema, both through dbt grants (dbt_project.yml); raw,
  # staging, intermediate and reference (and so every identifying datum) stay the pipeline's.
  ensure_role osservatorio_pipeline "$OSSERVATORIO_PIPELINE_PASSWORD"
  ensure_role airflow "$OSSERVATORIO_AIRFLOW_DB_PASSWORD"
  ensure_role ma_analyst "$OSSERVATORIO_ANALYST_PASSWORD"
  ensure_role program_officer "$OSSERVATORIO_PROGRAM_OFFICER_PASSWORD"
  ensure_role public_reader "$OSSERVATORIO_PUBLIC_READER_PASSWORD"  # open_data only: the public SDG views
  ensure_database "$OSSERVATORIO_WAREHOUSE_DB" osservatorio_pipeline
  # The owner of the download log: no login, no member (not even the pipeline), so that nobody
  # who can connect may alter, disable, drop or rewrite it (seal_audit, docs/roles.md).
  psql_admin postgres <<SQL
SELECT 'CREATE ROLE osservatorio_audit NOLOGIN'
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'osservatorio_audit') \gexec
ALTER ROLE osservatorio_audit WITH NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
SELECT format('REVOKE osservatorio_audit FROM %I', m.rolname)
FROM pg_auth_members AS a JOIN pg_roles AS m ON m.oid = a.member
WHERE a.roleid = 'osservatorio_audit'::regrole \gexec
SQL
  ensure_database "$OSSERVATORIO_AIRFLOW_DB" airflow
  # Nothing through PUBLIC: no connecting or temporary tables by default, no objects in public,
  # and no EXECUTE on the pipeline's functions (PostgreSQL grants it to PUBLIC by default; the
  # ones analysts may call are granted to ma_analyst by name).
  psql_admin "$OSSERVATORIO_WAREHOUSE_DB" <<SQL
REVOKE ALL ON DATABASE "$OSSERVATORIO_WAREHOUSE_DB" FROM PUBLIC;
GRANT CONNECT ON DATABASE "$OSSERVATORIO_WAREHOUSE_DB" TO ma_analyst, program_officer, public_reader;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE osservatorio_pipeline REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
-- and from the functions made before that default was set (a database provisioned earlier)
DO \$\$
DECLARE fn regprocedure;
BEGIN
    FOR fn IN SELECT oid::regprocedure FROM pg_proc WHERE proowner = 'osservatorio_pipeline'::regrole LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', fn);
    END LOOP;
END
\$\$;
SQL
  # Airflow's metadata (connections, variables, logs) is Airflow's alone.
  psql_admin "$OSSERVATORIO_AIRFLOW_DB" <<SQL
REVOKE ALL ON DATABASE "$OSSERVATORIO_AIRFLOW_DB" FROM PUBLIC;
SQL
}

seal_audit() {
  # Give the download log to osservatorio_audit once the migrations made it (0005 applied): the
  # pipeline and the download page keep INSERT (the server sets id and time, trigger) and SELECT,
  # and lose every other right. Needs the superuser: the pipeline is no member of the owner.
  # Idempotent; a database not yet migrated to 0005 is left as it is (migrate first).
  psql_admin "$OSSERVATORIO_WAREHOUSE_DB" <<'SQL'
DO $$
BEGIN
    IF to_regclass('raw.schema_migrations') IS NULL
       OR NOT EXISTS (SELECT 1 FROM raw.schema_migrations WHERE version = 5)
       OR to_regclass('audit.package_downloads') IS NULL THEN
        RAISE NOTICE 'audit log not sealed: migration 0005 not applied (make migrate)';
        RETURN;
    END IF;
    ALTER SCHEMA audit OWNER TO osservatorio_audit;
    ALTER TABLE audit.package_downloads OWNER TO osservatorio_audit;  -- its sequence and indexes too
    ALTER FUNCTION audit.refuse_change() OWNER TO osservatorio_audit;
    ALTER FUNCTION audit.stamp_download() OWNER TO osservatorio_audit;
    REVOKE ALL ON SCHEMA audit FROM PUBLIC, osservatorio_pipeline;
    REVOKE ALL ON audit.package_downloads FROM PUBLIC, osservatorio_pipeline;
    REVOKE ALL ON SEQUENCE audit.package_downloads_download_id_seq FROM PUBLIC, osservatorio_pipeline;
    REVOKE ALL ON FUNCTION audit.refuse_change(), audit.stamp_download() FROM PUBLIC, osservatorio_pipeline;
    GRANT USAGE ON SCHEMA audit TO osservatorio_pipeline;
    GRANT SELECT, INSERT ON audit.package_downloads TO osservatorio_pipeline;
END
$$;
SQL
}

case "${1:-start}" in
  start)
    if [ -z "${OSSERVATORIO_PG_ADMIN_URL:-}" ]; then
      [ -x "$PGBIN/initdb" ] || { log "no PostgreSQL server binaries found (apt-get install postgresql)"; exit 1; }
      if is_running; then
        port="$(sed -n 4p "$(data_root)/data/postmaster.pid" 2>/dev/null || true)"
        if [ -n "$port" ] && [ "$port" != "$OSSERVATORIO_PG_PORT" ]; then
          log "the project's cluster runs on port $port, not OSSERVATORIO_PG_PORT=$OSSERVATORIO_PG_PORT: 'make stop' first"
          exit 1
        fi
        log "already running on $OSSERVATORIO_PG_HOST:$OSSERVATORIO_PG_PORT (reused)"
      elif "$PGBIN/pg_isready" -q -h "$OSSERVATORIO_PG_HOST" -p "$OSSERVATORIO_PG_PORT"; then
        log "port $OSSERVATORIO_PG_PORT already has a server that is not this project's cluster ($(data_root))."
        log "Stop it, or set OSSERVATORIO_PG_PORT (or OSSERVATORIO_PG_ADMIN_URL to use it)."
        exit 1
      else init_cluster; start_cluster; fi
    else
      log "using the existing server named by OSSERVATORIO_PG_ADMIN_URL"
    fi
    provision
    log "ready: warehouse '$OSSERVATORIO_WAREHOUSE_DB', Airflow metadata '$OSSERVATORIO_AIRFLOW_DB'"
    ;;
  stop)
    if [ -n "${OSSERVATORIO_PG_ADMIN_URL:-}" ]; then log "external server: nothing to stop"
    elif is_running; then as_server_user "$PGBIN/pg_ctl" -D "$(data_root)/data" -m fast -w stop >/dev/null; log "stopped"
    else log "not running"; fi
    ;;
  status)
    if is_running; then log "running"; else log "not running"; exit 3; fi
    ;;
  remove)
    # The cluster may live outside the state folder (under the postgres user's home, see
    # data_root): remove it there too, or the next setup would reuse old databases with a newly
    # generated pseudonymisation key.
    if [ -n "${OSSERVATORIO_PG_ADMIN_URL:-}" ]; then log "external server: nothing to remove"; exit 0; fi
    if [ -f "$PG_STATE/location" ]; then
      root="$(cat "$PG_STATE/location")"
      if is_running; then as_server_user "$PGBIN/pg_ctl" -D "$root/data" -m fast -w stop >/dev/null; fi
      rm -rf "$root"
      log "removed the cluster in $root"
    fi
    rm -rf "$PG_STATE"
    ;;
  seal-audit)  # after the migrations: the download log to its NOLOGIN owner (make migrate)
    seal_audit
    ;;
  psql)  # an admin psql session on the warehouse, for debugging
    shift; psql_admin "$OSSERVATORIO_WAREHOUSE_DB" "$@"
    ;;
  *) echo "usage: $0 start|stop|status|remove|seal-audit|psql" >&2; exit 2 ;;
esac

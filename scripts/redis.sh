#!/usr/bin/env bash
# Start or stop the Celery mode's broker: Debian's redis-server on 127.0.0.1, password-protected,
# nothing persisted (no RDB snapshot, no append-only file: a message lost with a restart is a
# task the scheduler queues again). Its config (with the password) and pid live in
# $OSSERVATORIO_STATE_DIR/redis, this user's only.
#   start | stop | status
# Needs scripts/env.sh sourced (the Makefile does it).
set -euo pipefail
DIR="$OSSERVATORIO_STATE_DIR/redis"
CONF="$DIR/redis.conf"
PIDFILE="$DIR/redis.pid"
running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
ping() { REDISCLI_AUTH="$OSSERVATORIO_REDIS_PASSWORD" redis-cli -h 127.0.0.1 -p "$OSSERVATORIO_REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

case "${1:-start}" in
  start)
    command -v redis-server >/dev/null || { echo "[redis] redis-server missing: run 'make setup' (scripts/install.sh)" >&2; exit 1; }
    if running; then echo "[redis] already running on 127.0.0.1:$OSSERVATORIO_REDIS_PORT (pid $(cat "$PIDFILE"))" >&2; exit 0; fi
    mkdir -p "$DIR"; chmod 700 "$DIR"
    (umask 077; cat > "$CONF" <<CONF
bind 127.0.0.1
port $OSSERVATORIO_REDIS_PORT
requirepass $OSSERVATORIO_REDIS_PASSWORD
protected-mode yes
save ""
appendonly no
dir $DIR
daemonize yes
pidfile $PIDFILE
logfile $DIR/redis.log
CONF
)
    redis-server "$CONF"
    for _ in $(seq 50); do ping && break; sleep 0.1; done
    ping || { echo "[redis] did not answer on 127.0.0.1:$OSSERVATORIO_REDIS_PORT:" >&2; tail -n 20 "$DIR/redis.log" >&2; exit 1; }
    echo "[redis] broker on 127.0.0.1:$OSSERVATORIO_REDIS_PORT" >&2
    ;;
  stop)
    if running; then kill "$(cat "$PIDFILE")"; for _ in $(seq 50); do running || break; sleep 0.1; done; fi
    rm -f "$PIDFILE"
    ;;
  status)
    running && ping
    ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac

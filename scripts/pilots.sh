#!/usr/bin/env bash
# Start or stop the simulated pilot systems (pilot_systems/) in the background on 127.0.0.1.
# Needs scripts/env.sh sourced (the Makefile does it).
set -euo pipefail
RUN="$OSSERVATORIO_STATE_DIR/run"; mkdir -p "$RUN"
PIDFILE="$RUN/pilot_systems.pid"
running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
case "${1:-start}" in
  start)
    if running; then echo "[pilots] already running (pid $(cat "$PIDFILE"))" >&2; exit 0; fi
    python -m pilot_systems.rest_api --port "$OSSERVATORIO_PILOTS_PORT" --size "$OSSERVATORIO_PILOTS_SIZE" \
      --seed "$OSSERVATORIO_PILOTS_SEED" --token "$OSSERVATORIO_PILOT_TOKEN" >"$RUN/pilot_systems.log" 2>&1 &
    echo $! > "$PIDFILE"
    for _ in $(seq 50); do
      grep -q "simulated pilot systems on" "$RUN/pilot_systems.log" 2>/dev/null && break; sleep 0.1
    done
    running || { echo "[pilots] failed to start:" >&2; cat "$RUN/pilot_systems.log" >&2; exit 1; }
    echo "[pilots] $(cat "$RUN/pilot_systems.log")" >&2
    ;;
  stop)
    if running; then kill "$(cat "$PIDFILE")"; echo "[pilots] stopped" >&2; fi
    rm -f "$PIDFILE"
    ;;
esac

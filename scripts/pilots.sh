#!/usr/bin/env bash
# Start or stop the simulated pilot systems (pilot_systems/) on 127.0.0.1:
#   start  the REST server of every REST pilot (TdZ x2, COL) in the background, and one extraction
#          of each file pilot (CAL: CSV, ZOT: XLSX) into $OSSERVATORIO_STATE_DIR/pilot_drops/<pilot>/inbox
#          unless that inbox already holds files
#   stop   the REST server (drops stay where they are; `make clean` removes them)
# Needs scripts/env.sh sourced (the Makefile does it). OSSERVATORIO_PILOTS_CSV_ENCODING (cp1252,
# utf-8-sig or mixed; default cp1252) chooses how the CSV pilot encodes its files.
set -euo pipefail
RUN="$OSSERVATORIO_STATE_DIR/run"; mkdir -p "$RUN"
PIDFILE="$RUN/pilot_systems.pid"
DROPS="${OSSERVATORIO_PILOT_DROPS:-$OSSERVATORIO_STATE_DIR/pilot_drops}"
FILE_PILOTS=(cal_adda_martesana zot_pratico)
running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

write_drops() {
  local pilot inbox
  for pilot in "${FILE_PILOTS[@]}"; do
    inbox="$DROPS/$pilot/inbox"
    mkdir -p "$inbox"
    if [ -n "$(ls -A "$inbox" 2>/dev/null)" ]; then
      echo "[pilots] $pilot: inbox already has files, left as is ($inbox)" >&2; continue
    fi
    python -m pilot_systems.drops --pilot "$pilot" --inbox "$inbox" --size "$OSSERVATORIO_PILOTS_SIZE" \
      --seed "$OSSERVATORIO_PILOTS_SEED" --encoding "${OSSERVATORIO_PILOTS_CSV_ENCODING:-cp1252}" 2>>"$RUN/pilot_drops.log"
    echo "[pilots] $pilot: wrote $(ls "$inbox" | wc -l) files into $inbox" >&2
  done
}

case "${1:-start}" in
  start)
    write_drops
    if running; then echo "[pilots] REST server already running (pid $(cat "$PIDFILE"))" >&2; exit 0; fi
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
  *)
    echo "usage: $0 start|stop" >&2; exit 2
    ;;
esac

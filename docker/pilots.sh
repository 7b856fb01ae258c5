#!/usr/bin/env bash
# The simulated pilot systems (pilot_systems/) as the compose service `pilots`: what
# scripts/pilots.sh does, in the foreground of a container.
#   - one extraction of each file pilot into its inbox on the shared drops volume, unless the inbox
#     already holds files (the workers archive what they read, as a real pilot's SFTP folder);
#   - the REST server of the REST pilots, listening on the container's interfaces so that the
#     workers reach it as http://pilots:8801 on the compose network (no port is published).
set -euo pipefail
: "${OSSERVATORIO_PILOT_DROPS:?}" "${OSSERVATORIO_PILOT_TOKEN:?}" "${OSSERVATORIO_PILOTS_PORT:?}"
for pilot in $(python -c 'from pilot_systems.vocabularies import FILE_PILOTS; print(*FILE_PILOTS)'); do
  inbox="$OSSERVATORIO_PILOT_DROPS/$pilot/inbox"
  mkdir -p "$inbox"
  if [ -n "$(ls -A "$inbox")" ]; then
    echo "[pilots] $pilot: inbox already has files, left as is" >&2
    continue
  fi
  python -m pilot_systems.drops --pilot "$pilot" --inbox "$inbox" --size "$OSSERVATORIO_PILOTS_SIZE" \
    --seed "$OSSERVATORIO_PILOTS_SEED" --encoding "${OSSERVATORIO_PILOTS_CSV_ENCODING:-cp1252}" 2>/dev/null
  echo "[pilots] $pilot: wrote $(ls "$inbox" | wc -l) files into $inbox" >&2
done
# Listening on the container's interfaces (the admin endpoints still answer loopback clients only).
exec python -m pilot_systems.rest_api --host 0.0.0.0 --port "$OSSERVATORIO_PILOTS_PORT" \
  --size "$OSSERVATORIO_PILOTS_SIZE" --seed "$OSSERVATORIO_PILOTS_SEED" --token "$OSSERVATORIO_PILOT_TOKEN"

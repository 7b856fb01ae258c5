#!/usr/bin/env bash
# Create .venv with Python 3.11 and install the locked dependencies (requirements.txt pinned,
# constraints.txt the full lock). Installs, when missing, Debian's PostgreSQL server, Debian's
# redis-server (the Celery mode's broker) and Debian's chromium for the browser test of the
# download page (never `playwright install`: it downloads browsers from the internet).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-$(command -v python3.11 || command -v python3)}"
"$PY" -c 'import sys; assert sys.version_info[:2] == (3, 11), f"Python 3.11 needed, found {sys.version}"'

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && [ -z "${OSSERVATORIO_PG_ADMIN_URL:-}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[install] PostgreSQL server binaries missing: apt-get install postgresql" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "[install] PostgreSQL server binaries missing: install the 'postgresql' package (or set OSSERVATORIO_PG_ADMIN_URL)" >&2
    exit 1
  fi
fi

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[install] chromium missing (the download page's browser test needs it): apt-get install chromium" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    # Only tests/web/test_download_browser.py needs it (and fails saying so): not a reason to stop.
    echo "[install] warning: /usr/bin/chromium missing: install Debian's 'chromium' package for the browser test" >&2
  fi
fi

if ! command -v redis-server >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[install] redis-server missing (the Celery mode's broker): apt-get install redis-server" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    echo "[install] redis-server missing: install Debian's 'redis-server' package (Celery mode and its test)" >&2
    exit 1
  fi
fi
# Debian's package starts a system-wide redis on 6379 where systemd runs; the project starts its
# own (scripts/redis.sh, loopback, password, no persistence) and never uses that one.

[ -x .venv/bin/python ] || "$PY" -m venv .venv
echo "[install] installing the locked dependencies into .venv (about a minute the first time)" >&2
# pip prints a warning for every missing local mirror folder in this machine's pip.conf: hide only those.
.venv/bin/pip install -q --disable-pip-version-check -r requirements.txt -c constraints.txt 2>&1 \
  | { grep -v "is ignored: it is neither a file nor a directory" || true; } >&2
.venv/bin/pip check >&2

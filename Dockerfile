# The osservatorio image: Airflow, dbt, GX and the pipeline's code, with the same locked
# dependencies as `make setup` (requirements.txt pinned, constraints.txt the full lock).
# One image serves every service of docker-compose.yml (docs/deployment.md).
#   docker compose build --build-arg OSSERVATORIO_CODE_VERSION="$(git rev-parse HEAD)"
FROM python:3.11-slim-bookworm

# curl: the HTTP health checks; postgresql-client: scripts/postgres.sh (databases, roles, audit
# seal on the server named by OSSERVATORIO_PG_ADMIN_URL); git is not needed (see below).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl postgresql-client \
    && rm -rf /var/lib/apt/lists/*

ENV OSSERVATORIO_VENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

# Dependencies first, in a layer of their own: a code change does not reinstall them.
COPY requirements.txt constraints.txt /tmp/lock/
RUN python -m venv /opt/venv \
    && pip install -r /tmp/lock/requirements.txt -c /tmp/lock/constraints.txt \
    && pip check \
    && rm -rf /tmp/lock

WORKDIR /opt/osservatorio
# The code, owned by root: the services read it, never write it (.dockerignore keeps out .venv,
# .local, dbt_project/target and .git).
COPY . /opt/osservatorio

# Airflow's own image convention: a fixed non-root user of group 0. The folders that become named
# volumes are made here with that owner, so that Docker gives a new volume the same owner.
ARG OSSERVATORIO_UID=50000
RUN useradd --uid "$OSSERVATORIO_UID" --gid 0 --create-home --home-dir /home/osservatorio osservatorio \
    && mkdir -p /opt/airflow/logs /opt/airflow/secrets /var/lib/osservatorio /srv/pilot_drops \
        /opt/osservatorio/dbt_project/target \
    && chown osservatorio:0 /opt/airflow /opt/airflow/logs /opt/airflow/secrets /var/lib/osservatorio \
        /srv/pilot_drops /opt/osservatorio/dbt_project/target

# The image has no git history: packages' manifests name the code by this (publish/code_version.py).
ARG OSSERVATORIO_CODE_VERSION=unknown
ENV OSSERVATORIO_CODE_VERSION=$OSSERVATORIO_CODE_VERSION \
    PYTHONPATH=/opt/osservatorio/plugins:/opt/osservatorio \
    AIRFLOW_HOME=/opt/airflow

USER osservatorio
CMD ["airflow", "version"]

"""Celery queues: which workers take which tasks (docs/deployment.md, "Queues").

Ingestion (many short tasks, I/O on the pilots' systems) and the dbt build and packages (few long
tasks, CPU and warehouse) go to separate queues, so a deployment can give heavy builds workers of
their own (`airflow celery worker --queues build`) without nightly landings waiting behind them.
A worker started without `--queues` serves Airflow's default queue only: local workers serve all.
The LocalExecutor ignores queues.
"""

from __future__ import annotations

DEFAULT = "default"  # Airflow's [operators] default_queue: anything not routed below
INGEST = "ingest"  # dags/ingest_pilots.py: extract, validate, load, announce
BUILD = "build"  # dags/build_esf_indicators.py (dbt through cosmos), dags/publish_compliance_packages.py
ALL = (DEFAULT, INGEST, BUILD)

"""Connections to the warehouse, always through the Airflow connection `osservatorio_warehouse`.

Inside a task the connection comes from Airflow (AIRFLOW_CONN_OSSERVATORIO_WAREHOUSE in
development, a secrets backend in production); tools outside Airflow (demo, tests) read the
same environment variable, so there is one place for credentials.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

WAREHOUSE_CONN_ID = "osservatorio_warehouse"


def warehouse_uri() -> str:
    """The warehouse URI from the Airflow connection's environment variable (outside tasks)."""
    uri = os.environ.get(f"AIRFLOW_CONN_{WAREHOUSE_CONN_ID.upper()}")
    if not uri:
        raise RuntimeError(f"AIRFLOW_CONN_{WAREHOUSE_CONN_ID.upper()} is not set: source scripts/env.sh")
    return uri.replace("postgresql+psycopg2://", "postgresql://")


def connect(uri: str | None = None) -> psycopg.Connection:
    import psycopg

    return psycopg.connect(uri or warehouse_uri(), application_name="osservatorio")


def connect_from_airflow(conn_id: str = WAREHOUSE_CONN_ID) -> psycopg.Connection:
    """Inside a task: resolve the connection through Airflow (env, secrets backend or metadata DB)."""
    import psycopg
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(conn_id)
    return psycopg.connect(
        host=conn.host,
        port=conn.port or 5432,
        user=conn.login,
        password=conn.password,
        dbname=conn.schema,
        application_name="osservatorio",
    )

"""How the DAGs run dbt through cosmos: one profile, built from the warehouse connection
(`osservatorio_warehouse`, AIRFLOW_CONN_*), and the dbt of the environment Airflow runs in."""

from __future__ import annotations

import sys
from pathlib import Path

from cosmos import ProfileConfig
from cosmos.profiles import PostgresUserPasswordProfileMapping

from osservatorio.warehouse import WAREHOUSE_CONN_ID


def profile_config() -> ProfileConfig:
    return ProfileConfig(
        profile_name="osservatorio",
        target_name="airflow",
        profile_mapping=PostgresUserPasswordProfileMapping(
            conn_id=WAREHOUSE_CONN_ID, profile_args={"schema": "analytics"}
        ),
    )


def dbt_executable() -> str:
    return str(Path(sys.executable).parent / "dbt")

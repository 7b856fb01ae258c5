"""How the DAGs run dbt through cosmos: one profile, built from the warehouse connection
(`osservatorio_warehouse`, AIRFLOW_CONN_*), and the dbt of the environment Airflow runs in."""

from __future__ import annotations

import sys
from pathlib import Path

from cosmos import ProfileConfig
from cosmos.profiles import PostgresUserPasswordProfileMapping

from osservatorio.warehouse import WAREHOUSE_CONN_ID


class _WarehouseProfile(PostgresUserPasswordProfileMapping):
    """The warehouse profile, whose environment cosmos adds to every dbt invocation it makes."""

    @property
    def env_vars(self) -> dict[str, str]:
        # Each task's dbt writes its artifacts into the project copy cosmos makes for it, not into
        # the shared DBT_TARGET_PATH of scripts/env.sh: cosmos reads run_results.json back for the
        # task's OpenLineage event (docs/lineage.md), and tasks sharing one target folder (parallel
        # tasks, or test slots) would read each other's results and report the wrong models.
        return {**super().env_vars, "DBT_TARGET_PATH": "target"}


def profile_config() -> ProfileConfig:
    return ProfileConfig(
        profile_name="osservatorio",
        target_name="airflow",
        profile_mapping=_WarehouseProfile(conn_id=WAREHOUSE_CONN_ID, profile_args={"schema": "analytics"}),
    )


def dbt_executable() -> str:
    return str(Path(sys.executable).parent / "dbt")

"""dbt build of the warehouse (staging -> intermediate -> marts), rendered by cosmos, then the
indicator extract. Scheduled on the landing Assets: it runs whenever any pilot lands a batch.

Each dbt model is a task followed by its tests, so a failing test stops what depends on it.
The DAG is rendered from a manifest built ahead of time (`make dbt-parse`), so parsing it costs
no dbt invocation and no database access.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pendulum
from airflow.sdk import AssetAny, dag, task
from cosmos import DbtTaskGroup, ExecutionConfig, LoadMode, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import TestIndirectSelection
from cosmos.profiles import PostgresUserPasswordProfileMapping

from osservatorio.assets import INDICATORS_ASSET, LANDING_ASSETS
from osservatorio.paths import DBT_PROJECT_DIR


@task(outlets=[INDICATORS_ASSET])
def publish_indicator_extract() -> str:
    """Write EECO01 by action and gender at the last Art. 42 cut-off of the data interval as CSV."""
    from airflow.sdk import get_current_context

    from osservatorio.publish.indicator_extract import write_eeco01_extract
    from osservatorio.warehouse import connect_from_airflow

    as_of = get_current_context()["data_interval_end"].date()
    with connect_from_airflow() as conn:
        return str(write_eeco01_extract(conn, as_of))


@dag(
    dag_id="build_esf_indicators",
    description="dbt build of the ESF+ indicator marts, then the indicator extract",
    schedule=AssetAny(*LANDING_ASSETS),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "osservatorio-data-engineering", "retries": 2},
    tags=["dbt", "indicators"],
    doc_md=__doc__,
)
def build_esf_indicators() -> None:
    dbt = DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(
            dbt_project_path=DBT_PROJECT_DIR,
            manifest_path=DBT_PROJECT_DIR / "target" / "manifest.json",
            # Cut-offs are reported up to the end of the run's data interval, not "now".
            dbt_vars={"reporting_date": "{{ data_interval_end | ds }}"},
        ),
        profile_config=ProfileConfig(
            profile_name="osservatorio",
            target_name="airflow",
            profile_mapping=PostgresUserPasswordProfileMapping(
                conn_id="osservatorio_warehouse", profile_args={"schema": "analytics"}
            ),
        ),
        execution_config=ExecutionConfig(
            dbt_executable_path=str(Path(sys.executable).parent / "dbt"),
            # A test runs with the model whose ancestors it needs: a relationship test between a
            # seed and a mart runs after the mart, not with the seed.
            test_indirect_selection=TestIndirectSelection.BUILDABLE,
        ),
        render_config=RenderConfig(load_method=LoadMode.DBT_MANIFEST),
        operator_args={"install_deps": False},
    )
    dbt >> publish_indicator_extract()


build_esf_indicators()

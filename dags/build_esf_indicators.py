"""dbt build of the warehouse (staging -> intermediate -> marts), rendered by cosmos, then the
indicator extract.

When it runs (osservatorio/scheduling.py has the reasoning):
- when every pilot of the registry has landed since the last build (one asset event per pilot
  ingestion run): a day of daily landings gives one build, not one per pilot or record type;
- every day at 06:00 UTC regardless, so that a pilot whose system is down does not hold back
  the marts of the others;
- when triggered by hand, optionally with the `reporting_date` param.

It reports up to `reporting_date` (first task), taken from the param, else from the landed data
intervals in the triggering asset events, else from the run's date: never from a data interval,
which asset-triggered runs do not have.

The reference seeds load in one task first (they are small CSVs: a task each would only add
process start-ups); then each dbt model is one task that builds it and runs its tests, so a
failing test stops what depends on it.
The DAG is rendered from a manifest built ahead of time (`make dbt-parse`), so parsing it costs
no dbt invocation and no database access.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import AssetAll, AssetOrTimeSchedule, CronTriggerTimetable, Param, dag, task
from cosmos import DbtTaskGroup, ExecutionConfig, LoadMode, ProjectConfig, RenderConfig
from cosmos.constants import TestBehavior, TestIndirectSelection
from cosmos.operators.local import DbtSeedLocalOperator

from osservatorio.assets import INDICATORS_ASSET, pilot_landing_asset
from osservatorio.dbt_cosmos import dbt_executable as dbt_executable_path
from osservatorio.dbt_cosmos import profile_config as profile_config_for_dbt
from osservatorio.paths import DBT_MANIFEST, DBT_PROJECT_DIR
from osservatorio.registry import load_registry
from osservatorio.scheduling import BUILD_ARGS, TIMEZONE

DAILY_FALLBACK = "0 6 * * *"


@task
def resolve_reporting_date() -> str:
    """The reporting date of this run (see the DAG's documentation), as YYYY-MM-DD."""
    from airflow.sdk import get_current_context

    from osservatorio.scheduling import reporting_date

    resolved = reporting_date(get_current_context()).isoformat()
    print(f"reporting date: {resolved}")
    return resolved


@task(outlets=[INDICATORS_ASSET])
def publish_indicator_extract(as_of: str) -> str:
    """Write EECO01 by action and gender at the last Art. 42 cut-off on or before the reporting date."""
    from datetime import date

    from osservatorio.publish.indicator_extract import write_eeco01_extract
    from osservatorio.warehouse import connect_from_airflow

    with connect_from_airflow() as conn:
        return str(write_eeco01_extract(conn, date.fromisoformat(as_of)))


@dag(
    dag_id="build_esf_indicators",
    description="dbt build of the ESF+ indicator marts, then the indicator extract",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable(DAILY_FALLBACK, timezone=TIMEZONE),
        assets=AssetAll(*(pilot_landing_asset(pilot_id) for pilot_id in load_registry())),
    ),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=BUILD_ARGS,
    params={
        "reporting_date": Param(
            None,
            type=["null", "string"],
            format="date",
            description="Report the Art. 42 cut-offs up to this date; empty: from what triggered the run",
        )
    },
    tags=["dbt", "indicators"],
    doc_md=__doc__,
)
def build_esf_indicators() -> None:
    as_of = resolve_reporting_date()
    profile_config = profile_config_for_dbt()
    dbt_executable = dbt_executable_path()
    seeds = DbtSeedLocalOperator(
        task_id="dbt_seed",
        project_dir=DBT_PROJECT_DIR,
        profile_config=profile_config,
        dbt_executable_path=dbt_executable,
        install_deps=False,
    )
    dbt = DbtTaskGroup(
        group_id="dbt",
        project_config=ProjectConfig(
            dbt_project_path=DBT_PROJECT_DIR,
            manifest_path=DBT_MANIFEST,
            dbt_vars={"reporting_date": "{{ ti.xcom_pull(task_ids='resolve_reporting_date') }}"},
        ),
        profile_config=profile_config,
        execution_config=ExecutionConfig(
            dbt_executable_path=dbt_executable,
            # A test runs with the model whose ancestors it needs: a relationship test between a
            # seed and a mart runs after the mart, not with the seed.
            test_indirect_selection=TestIndirectSelection.BUILDABLE,
        ),
        # One task per model, `dbt build` of the model and its tests: a failing test still stops
        # what depends on it, with half the tasks (each task is a process of several seconds).
        # No per-model Assets: nothing is scheduled on them (the DAG's outlet is the indicator mart),
        # and cosmos creating them from parallel tasks on a first run races on Airflow's unique
        # asset key (UniqueViolation on idx_asset_name_uri_unique fails the task).
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.BUILD,
            emit_datasets=False,
            exclude=["resource_type:seed"],  # loaded by dbt_seed
        ),
        # Unit tests check the SQL, not the data: CI runs them (`make test`), a production run
        # does not repeat them (dbt's own recommendation).
        operator_args={"install_deps": False, "dbt_cmd_flags": ["--exclude-resource-type", "unit_test"]},
    )
    as_of >> seeds >> dbt >> publish_indicator_extract(as_of)


build_esf_indicators()

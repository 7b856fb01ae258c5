"""DAG policy: every DAG file imports cleanly, without touching a database or the network, and
every DAG has an owner, tags, retries >= 2 (with the policy that fails unhealable errors at
once), catchup off and one active run at a time; ingestion covers real data intervals and
announces one landing per run; the indicator build waits for every pilot's landing."""

import json
import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.conftest import TestEnv

INSPECT_DAGBAG = textwrap.dedent("""
    import json, socket
    if BLOCK_NETWORK:
        def refuse(*args, **kwargs):
            raise RuntimeError(f"network or database access at import time: {args}")
        socket.socket.connect = refuse
        socket.create_connection = refuse
    from airflow.dag_processing.dagbag import DagBag
    bag = DagBag()
    print(json.dumps({
        "errors": {k: str(v) for k, v in bag.import_errors.items()},
        "dags": {dag_id: {
            "owners": sorted({t.owner for t in dag.tasks}),
            "tags": sorted(dag.tags),
            "catchup": dag.catchup,
            "min_retries": min(t.retries for t in dag.tasks),
            "tasks": len(dag.tasks),
            "without_retry_policy": sorted(t.task_id for t in dag.tasks if t.retry_policy is None),
            "timetable": type(dag.timetable).__name__,
            "max_active_runs": dag.max_active_runs,
            "asset_names": sorted(a.name for a in dag.timetable.asset_condition.objects)
                if getattr(dag.timetable, "asset_condition", None) is not None else [],
            "asset_condition": type(getattr(dag.timetable, "asset_condition", None)).__name__,
            "outlets": sorted(o.name for t in dag.tasks for o in t.outlets),
            "queues": sorted({t.queue for t in dag.tasks}),
        } for dag_id, dag in bag.dags.items()},
    }))
""")


# Every database the DAG files could reach points at a closed port: a connection at import time
# becomes an import error. Python-level sockets (requests) are refused as well.
CLOSED = "postgresql://nobody:nothing@127.0.0.1:9/none"


def inspect_dags(test_env: TestEnv, dags_folder: str | None = None) -> dict:
    env = test_env.env | {
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": CLOSED.replace("postgresql", "postgresql+psycopg2"),
        "AIRFLOW_CONN_OSSERVATORIO_WAREHOUSE": CLOSED,
    }
    if dags_folder:
        env["AIRFLOW__CORE__DAGS_FOLDER"] = dags_folder
    result = subprocess.run(
        ["python", "-c", "BLOCK_NETWORK = True\n" + INSPECT_DAGBAG],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def dagbag(test_env: TestEnv) -> dict:
    return inspect_dags(test_env)


def test_the_import_time_check_catches_a_database_call(test_env: TestEnv, tmp_path: Path) -> None:
    """Canary: a DAG file that queries the warehouse while being parsed must be reported."""
    (tmp_path / "bad_dag.py").write_text(
        textwrap.dedent("""
        import os, psycopg
        from airflow.sdk import dag
        psycopg.connect(os.environ["AIRFLOW_CONN_OSSERVATORIO_WAREHOUSE"]).execute("select 1")
        @dag(schedule=None)
        def bad(): pass
        bad()
    """)
    )
    assert "bad_dag.py" in " ".join(inspect_dags(test_env, str(tmp_path))["errors"])


def test_no_import_errors_even_without_network(dagbag: dict) -> None:
    assert dagbag["errors"] == {}


def test_expected_dags_are_there(dagbag: dict) -> None:
    assert {"ingest_tdz_corviale", "build_esf_indicators"} <= set(dagbag["dags"])


def test_every_dag_follows_the_policy(dagbag: dict) -> None:
    for dag_id, dag in dagbag["dags"].items():
        assert dag["owners"] == ["osservatorio-data-engineering"], dag_id
        assert dag["tags"], dag_id
        assert dag["catchup"] is False, dag_id
        assert dag["min_retries"] >= 2, dag_id


def test_dbt_dag_renders_each_model_as_tasks(dagbag: dict) -> None:
    # cosmos: seeds, 5 models with their tests, plus the extract task
    assert dagbag["dags"]["build_esf_indicators"]["tasks"] >= 8


def test_every_task_fails_unhealable_errors_at_once(dagbag: dict) -> None:
    for dag_id, dag in dagbag["dags"].items():
        assert dag["without_retry_policy"] == [], dag_id
        assert dag["max_active_runs"] == 1, dag_id


def test_ingestion_covers_data_intervals_and_announces_one_landing_per_run(dagbag: dict) -> None:
    from osservatorio.registry import load_registry

    for pilot_id in load_registry():
        dag = dagbag["dags"][f"ingest_{pilot_id}"]
        assert dag["timetable"] == "CronDataIntervalTimetable", pilot_id
        assert dag["outlets"] == [f"landing.{pilot_id}"], pilot_id  # one asset, one task


def test_the_indicator_build_waits_for_every_pilot_with_a_daily_fallback(dagbag: dict) -> None:
    from osservatorio.registry import load_registry

    build = dagbag["dags"]["build_esf_indicators"]
    assert build["timetable"] == "AssetOrTimeSchedule"
    assert build["asset_condition"] == "AssetAll"
    assert build["asset_names"] == sorted(f"landing.{pilot_id}" for pilot_id in load_registry())


def test_compliance_packages_run_on_the_seed_calendar_and_announce_no_asset(dagbag: dict) -> None:
    # The schedule is built at parse time from the reporting_cutoffs seed (a file read, no database).
    dag = dagbag["dags"]["publish_compliance_packages"]
    assert dag["timetable"] == "CronTriggerTimetable"  # between the calendar's first and last publication
    assert dag["outlets"] == []


def test_celery_queues_separate_ingestion_from_builds(dagbag: dict) -> None:
    """Under the CeleryExecutor ingestion and the dbt/package work have queues of their own, so
    that builds can get their own workers (README, "Scaling out")."""
    for dag_id, dag in dagbag["dags"].items():
        expected = ["ingest"] if dag_id.startswith("ingest_") else ["build"]
        assert dag["queues"] == expected, dag_id

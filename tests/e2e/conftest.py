"""What the end-to-end test modules share: the simulated systems they run against, and one run of
the real DAGs per test session (`pipeline_ran`), so that several modules can check its output
without running the pipeline twice."""

from __future__ import annotations

import re
from datetime import date

import psycopg
import pytest

from pilot_systems.system import PilotSystem
from tests.conftest import SIM_DEFECT_RATE, SIM_SEED, SIM_SIZE, SIM_TODAY, TestEnv

PILOTS = ("tdz_corviale", "tdz_tor_bella_monaca", "cmrc_col", "cal_adda_martesana", "zot_pratico")
LOGICAL_DATE = SIM_TODAY  # the data interval ends on the systems' "today"


def system(pilot: str) -> PilotSystem:
    """The simulated system of a pilot exactly as the test session serves it."""
    return PilotSystem(
        pilot, size=SIM_SIZE, seed=SIM_SEED, defect_rate=SIM_DEFECT_RATE, today=date.fromisoformat(SIM_TODAY)
    )


def run_dag(test_env: TestEnv, dag_id: str) -> None:
    result = test_env.run("airflow", "dags", "test", dag_id, LOGICAL_DATE, timeout=900)
    log = result.stdout + result.stderr
    assert re.search(rf"DagRun Finished: dag_id={dag_id},.*state=success", log), log[-6000:]


def query(test_env: TestEnv, sql: str, *params: object) -> list[tuple]:
    with psycopg.connect(test_env.warehouse_uri) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="session")
def pipeline_ran(test_env: TestEnv, pilot_systems: str) -> None:
    """Every pilot ingested once, then the indicators built: once per session."""
    for pilot in PILOTS:
        run_dag(test_env, f"ingest_{pilot}")
    run_dag(test_env, "build_esf_indicators")

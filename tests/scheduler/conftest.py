"""The DAGs under a real Airflow (tests/scheduler/stack.py) on loopback test ports, driven
through the REST API v2 as a data engineer would drive it.

On any failure of a test in this folder the report gets the tails of the processes' logs and the
logs of every failed task (fetched through the REST API), so a failure is readable without
digging in the state folder (.local/test*/<stack name>/).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import TEST_STATE
from tests.scheduler.stack import BUILD_DAG, TERMINAL, AirflowStack, StackSpec, airflow_running, wait_for

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["BUILD_DAG", "INGEST_DAGS", "PILOTS", "TERMINAL", "AirflowStack", "wait_for"]

PILOTS = ("tdz_corviale", "cal_adda_martesana")  # one REST pilot (pages), one CSV file-drop pilot
INGEST_DAGS = tuple(f"ingest_{pilot}" for pilot in PILOTS)
LOCAL_EXECUTOR = StackSpec(
    name="sched",
    pilots=PILOTS,
    processes=[(name, (name,), {}) for name in ("api-server", "scheduler", "dag-processor")],
    env={"AIRFLOW__CORE__EXECUTOR": "LocalExecutor"},
)


@pytest.fixture(scope="module")
def airflow_stack(pilot_systems: str, pilots_port: int) -> Iterator[AirflowStack]:
    """api-server, scheduler and dag-processor with the LocalExecutor, on the two-pilot registry."""
    with airflow_running(LOCAL_EXECUTOR, TEST_STATE / "scheduler", pilots_port) as stack:
        yield stack


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    funcargs = getattr(item, "funcargs", {})
    stack = next((v for v in funcargs.values() if isinstance(v, AirflowStack)), None)
    if report.failed and stack is not None:
        try:
            report.sections.append(("Airflow under the scheduler", stack.report()))
        except Exception as error:  # the stack may be down: never mask the failure itself
            report.sections.append(("Airflow under the scheduler", f"(no report: {error})"))
    return report

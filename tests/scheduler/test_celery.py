"""The distributed path: the Celery stack of `make ui EXECUTOR=celery` (osservatorio/deploy/
celery_stack.py) with a real redis-server, two Celery workers, the scheduler, dag-processor,
triggerer and api-server, all five pilots, driven through the REST API v2.

1. Unpausing the five ingest DAGs runs their latest interval; their landings trigger the
   indicator build through the landing assets (run type asset_triggered); the marts hold EECO01
   as computed independently from the simulated pilots; task instances ran on both workers.
2. The fault, inside that same ingestion: the test holds the advisory lock a landing takes
   (osservatorio/land/warehouse.py), so one pilot's load task waits inside its transaction;
   the worker running it is SIGKILLed with all its processes (a machine that dies); the
   scheduler finds the task without heartbeat and retries it on the surviving worker. Nothing
   is lost or doubled: the ledger balances, one current landing per batch, no row of the killed
   attempt, and the marts equal the independent count.

The heartbeat timeout is 45 s here instead of Airflow's 300 s, so that the test waits less; the
broker's visibility timeout keeps its deployment value (the killed attempt's message is not
redelivered during the test; were it, the task instance would no longer be queued and the
execution API would refuse to start it twice).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections import Counter
from typing import TYPE_CHECKING

import psutil
import psycopg
import pytest

from tests.conftest import TEST_STATE
from tests.e2e.conftest import PILOTS, system
from tests.e2e.test_pipeline import CUTOFF, expected_eeco01
from tests.scheduler.stack import BUILD_DAG, TERMINAL, AirflowStack, celery_running, wait_for

if TYPE_CHECKING:
    import subprocess
    from collections.abc import Iterator

pytestmark = [pytest.mark.scheduler, pytest.mark.timeout(2400)]

INGEST_DAGS = tuple(f"ingest_{pilot}" for pilot in PILOTS)
WORKERS = ("worker1", "worker2")  # osservatorio/deploy/celery_stack.py names them
FAULT_PILOT, FAULT_ENTITY = "tdz_corviale", "participant_enrolments"  # a REST pilot's largest table
INGEST_TIMEOUT = 900  # five pilots on two workers of a loaded 2-core machine, with the fault's retry
BUILD_TIMEOUT = 900
STATE = TEST_STATE / "celery"


@pytest.fixture(scope="module")
def celery_stack(pilot_systems: str, pilots_port: int) -> Iterator[AirflowStack]:
    with celery_running(len(WORKERS), STATE, pilots_port) as stack:
        yield stack


def query(stack: AirflowStack, sql: str, *params: object) -> list[tuple]:
    with psycopg.connect(stack.env["AIRFLOW_CONN_OSSERVATORIO_WAREHOUSE"]) as conn:
        return conn.execute(sql, params).fetchall()


def worker_of(ti: dict) -> str | None:
    """The worker that ran a task instance, from its hostname (osservatorio/deploy/hostname.py)."""
    return (ti.get("hostname") or "").partition("@")[0] or None


def kill_tree(proc: subprocess.Popen) -> list[int]:
    """SIGKILL a process and every descendant at once: what a machine that dies does to them."""
    parent = psutil.Process(proc.pid)
    tree = [parent, *parent.children(recursive=True)]
    for p in tree:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.send_signal(signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    psutil.wait_procs(tree, timeout=10)
    proc.wait(timeout=10)
    return [p.pid for p in tree]


def all_task_instances(stack: AirflowStack, dag_id: str) -> list[dict]:
    return stack.get(f"/api/v2/dags/{dag_id}/dagRuns/~/taskInstances", limit=1000)["task_instances"]


@pytest.fixture(scope="module")
def ingestion_with_a_killed_worker(celery_stack: AirflowStack) -> dict:
    """Unpause everything, kill the worker running the held load task, release it, wait for the
    five ingest runs and the asset-triggered build."""
    stack = celery_stack
    started = time.monotonic()
    fault_dag, fault_task = f"ingest_{FAULT_PILOT}", f"load_{FAULT_ENTITY}"
    # The build first: unpausing runs its latest daily fallback at once, on an empty warehouse;
    # that run is failed at once (it is not under test), so that the build the landings trigger
    # runs next (a paused build would get no asset-triggered run).
    stack.unpause(BUILD_DAG)
    fallback = wait_for("the build's daily fallback run", lambda: stack.runs(BUILD_DAG), 60, stack)[0]
    stack.request(
        "PATCH", f"/api/v2/dags/{BUILD_DAG}/dagRuns/{fallback['dag_run_id']}", json={"state": "failed"}
    )

    holder = psycopg.connect(stack.env["AIRFLOW_CONN_OSSERVATORIO_WAREHOUSE"], autocommit=True)
    lock = f"osservatorio.land:{FAULT_PILOT}/{FAULT_ENTITY}"
    holder.execute("SELECT pg_advisory_lock(hashtext(%s))", (lock,))
    fault: dict = {"fallback_run": fallback["dag_run_id"]}
    try:
        for dag_id in INGEST_DAGS:
            stack.unpause(dag_id)

        def held_load() -> dict | None:
            runs = stack.runs(fault_dag)
            if not runs:
                return None
            path = f"/api/v2/dags/{fault_dag}/dagRuns/{runs[0]['dag_run_id']}/taskInstances/{fault_task}"
            ti = stack.get(path)
            waiting = query(
                stack,
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND wait_event = 'advisory' AND query LIKE %s",
                "%pg_advisory_xact_lock%",
            )[0][0]
            return ti if ti["state"] == "running" and worker_of(ti) and waiting else None

        ti = wait_for(
            f"{fault_dag}.{fault_task} to wait for the landing lock", held_load, INGEST_TIMEOUT, stack
        )
        victim = worker_of(ti)
        fault |= {"run_id": ti["dag_run_id"], "victim": victim, "try": ti["try_number"]}
        fault["killed_pids"] = kill_tree(stack.procs[victim])
        print(
            f"\n[celery test] SIGKILLed {victim} ({len(fault['killed_pids'])} processes)"
            f" while it ran {fault_task}"
        )
    finally:
        holder.close()  # the killed attempt's backend then fails on its dead socket and rolls back

    def ingest_done() -> bool:
        runs = [stack.runs(d) for d in INGEST_DAGS]
        return all(r and all(x["state"] in TERMINAL for x in r) for r in runs)

    wait_for("the five ingest runs to finish", ingest_done, INGEST_TIMEOUT, stack, every=5)
    print(f"[celery test] ingestion done after {time.monotonic() - started:.0f} s")

    def asset_build() -> dict | None:
        runs = [r for r in stack.runs(BUILD_DAG) if r["run_type"] == "asset_triggered"]
        return runs[0] if runs and runs[0]["state"] in TERMINAL else None

    fault["build"] = wait_for(
        "the asset-triggered build to finish", asset_build, BUILD_TIMEOUT, stack, every=5
    )
    print(f"[celery test] asset-triggered build done after {time.monotonic() - started:.0f} s")
    return fault


def test_five_pilots_and_the_asset_triggered_build_on_two_workers(
    celery_stack: AirflowStack, ingestion_with_a_killed_worker: dict
) -> None:
    stack, fault = celery_stack, ingestion_with_a_killed_worker
    for dag_id in INGEST_DAGS:
        runs = stack.runs(dag_id)
        assert [r["state"] for r in runs] == ["success"], (dag_id, runs)
    build = fault["build"]
    assert build["state"] == "success", build
    upstream = stack.get(f"/api/v2/dags/{BUILD_DAG}/dagRuns/{build['dag_run_id']}/upstreamAssetEvents")
    assert {e["source_dag_id"] for e in upstream["asset_events"]} == set(INGEST_DAGS), upstream

    # Every task instance ran on a Celery worker of this stack, and both workers took some.
    tis = [ti for d in (*INGEST_DAGS, BUILD_DAG) for ti in all_task_instances(stack, d)]
    ran = [ti for ti in tis if ti["dag_run_id"] != fault["fallback_run"] and ti["state"] == "success"]
    assert len(ran) > 5 * 10, len(ran)
    assert Counter(worker_of(ti) for ti in ran).keys() == set(WORKERS), Counter(worker_of(ti) for ti in ran)
    queues = Counter((ti["dag_id"].split("_")[0], ti["queue"]) for ti in ran)
    assert queues.keys() == {("ingest", "ingest"), ("build", "build")}, queues

    for pilot in PILOTS:
        expected = expected_eeco01(pilot)
        assert sum(expected.values()) > 100
        rows = query(
            stack,
            "SELECT action_code, gender, sum(indicator_value) FROM marts.esf_indicators"
            " WHERE indicator_code = 'EECO01' AND pilot_id = %s AND cutoff_date = %s GROUP BY 1, 2",
            pilot,
            CUTOFF,
        )
        assert +Counter({(a, g): int(v) for a, g, v in rows}) == +expected, pilot


def test_a_killed_worker_loses_and_doubles_nothing(
    celery_stack: AirflowStack, ingestion_with_a_killed_worker: dict
) -> None:
    stack, fault = celery_stack, ingestion_with_a_killed_worker
    victim = fault["victim"]
    survivor = next(w for w in WORKERS if w != victim)
    assert stack.procs[victim].poll() is not None, "the killed worker is gone"
    assert stack.procs[survivor].poll() is None, "the other worker still runs"
    assert not [
        pid
        for pid in fault["killed_pids"]
        if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"
    ]

    # The killed attempt failed without heartbeat; a later try ran on the surviving worker.
    dag_id, task_id = f"ingest_{FAULT_PILOT}", f"load_{FAULT_ENTITY}"
    tries = stack.get(f"/api/v2/dags/{dag_id}/dagRuns/{fault['run_id']}/taskInstances/{task_id}/tries")
    attempts = {t["try_number"]: t for t in tries["task_instances"]}
    killed, last = attempts[fault["try"]], attempts[max(attempts)]
    assert worker_of(killed) == victim, killed
    assert killed["state"] != "success", killed
    assert max(attempts) > fault["try"], attempts
    assert worker_of(last) == survivor, last
    assert last["state"] == "success", last

    # The ledger balances: one current landing per batch, its counts add up to the records
    # received and match the rows landed; no row belongs to a landing the ledger lacks.
    batches = query(
        stack,
        "SELECT batch_id, entity, landing_id, received, loaded, unchanged, quarantined, superseded_at"
        " FROM raw.batches",
    )
    assert Counter(b[0] for b in batches if b[7] is None) == Counter({b[0]: 1 for b in batches}), batches
    assert {(b[0].split("/")[0]) for b in batches} == set(PILOTS)
    for batch_id, entity, landing_id, received, loaded, unchanged, quarantined, _ in batches:
        [(rows,)] = query(stack, f"SELECT count(*) FROM raw.{entity} WHERE landing_id = %s", landing_id)
        [(bad,)] = query(stack, "SELECT count(*) FROM raw.quarantine WHERE landing_id = %s", landing_id)
        assert (rows, bad) == (loaded, quarantined), batch_id
        assert received == loaded + unchanged + quarantined, batch_id
    landings = {b[2] for b in batches}
    for entity in {b[1] for b in batches}:
        orphans = query(stack, f"SELECT DISTINCT landing_id FROM raw.{entity}")
        assert {o for (o,) in orphans} <= landings, entity
    [faulted] = [b for b in batches if b[0].startswith(f"{FAULT_PILOT}/{FAULT_ENTITY}/")]
    assert faulted[3] == system(FAULT_PILOT).count(FAULT_ENTITY), faulted  # every record received once

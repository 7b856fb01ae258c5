"""The DAGs under the real scheduler, driven the way a data engineer drives them: through the
REST API v2 of a real api-server, with a scheduler and a dag-processor (LocalExecutor) running
the two-pilot registry (tdz_corviale over REST, cal_adda_martesana as CSV drops).

1. Unpause the ingest DAGs and the indicator build, trigger each ingest DAG (one with an explicit
   logical date, one without: Airflow 3's default manual run); both land, and the scheduler
   itself starts `build_esf_indicators` from the landing asset events (run type
   asset_triggered); the marts hold EECO01 as computed independently from the simulated pilot.
2. Clear and rerun one load task: the ledger holds one current landing per batch and a rebuild
   gives the same EECO01.
3. A two-day backfill of one ingest DAG: one batch per interval and record type, and no two runs
   of the DAG overlap.

Expected values come from the simulated systems (tests/e2e/test_pipeline.expected_eeco01), never
from what the pipeline produced. See README, "Testing under the real scheduler".
"""

from __future__ import annotations

import itertools
import subprocess
import time
from collections import Counter
from datetime import date, datetime, timedelta

import psycopg
import pytest

from osservatorio.land.warehouse import RECORD_TYPES
from tests.conftest import REPO
from tests.e2e.test_pipeline import CUTOFF, expected_eeco01
from tests.scheduler.conftest import BUILD_DAG, INGEST_DAGS, PILOTS, TERMINAL, AirflowStack, wait_for

pytestmark = [pytest.mark.scheduler, pytest.mark.timeout(1500)]

REST_PILOT, FILE_PILOT = PILOTS
LOGICAL_DATE = "2026-11-20T00:00:00Z"  # explicit logical date for the REST pilot's manual run
BACKFILL_FROM, BACKFILL_TO = "2026-11-16", "2026-11-17"  # two daily intervals, before anything else
RUN_TIMEOUT = 240  # seconds for one ingest run (measured 34-69 s)
BUILD_TIMEOUT = 480  # measured 184-200 s for one build on a loaded 2-core machine


def when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def query(stack: AirflowStack, sql: str, *params: object) -> list[tuple]:
    with psycopg.connect(stack.env["AIRFLOW_CONN_OSSERVATORIO_WAREHOUSE"]) as conn:
        return conn.execute(sql, params).fetchall()


def mart_eeco01(stack: AirflowStack, pilot: str) -> Counter[tuple[str, str]]:
    rows = query(
        stack,
        "SELECT action_code, gender, sum(indicator_value) FROM marts.esf_indicators"  # over funds
        " WHERE indicator_code = 'EECO01' AND pilot_id = %s AND cutoff_date = %s GROUP BY 1, 2",
        pilot,
        CUTOFF,
    )
    return Counter({(action, gender): value for action, gender, value in rows})


def current_batches(stack: AirflowStack) -> list[tuple[str, int]]:
    """(batch_id, number of current landings) per batch: a rerun supersedes, never adds."""
    [(has_history,)] = query(
        stack,
        "SELECT count(*) > 0 FROM information_schema.columns"
        " WHERE table_schema = 'raw' AND table_name = 'batches' AND column_name = 'superseded_at'",
    )
    current = " WHERE superseded_at IS NULL" if has_history else ""
    return query(stack, f"SELECT batch_id, count(*) FROM raw.batches{current} GROUP BY 1 ORDER BY 1")


def wait_run(stack: AirflowStack, dag_id: str, run_id: str, timeout: float = RUN_TIMEOUT) -> dict:
    def done() -> dict | None:
        run = stack.run(dag_id, run_id)
        return run if run["state"] in TERMINAL else None

    return wait_for(f"{dag_id} run {run_id} to finish", done, timeout, stack)


def wait_quiet(stack: AirflowStack, dag_ids: tuple[str, ...], timeout: float) -> None:
    """No run of `dag_ids` queued or running, twice in a row (the scheduler had a loop to start more)."""
    calm: list[bool] = []

    def quiet() -> bool:
        active = [r["dag_run_id"] for d in dag_ids for r in stack.runs(d) if r["state"] not in TERMINAL]
        calm.append(not active)
        return len(calm) >= 2 and calm[-1] and calm[-2]

    wait_for(f"no active runs of {dag_ids}", quiet, timeout, stack, every=4)


def asset_triggered_after(stack: AirflowStack, landed_at: datetime) -> dict | None:
    for run in reversed(stack.runs(BUILD_DAG)):
        queued = when(run["queued_at"])
        if run["run_type"] == "asset_triggered" and queued and queued >= landed_at - timedelta(seconds=1):
            return run
    return None


def landing_events(stack: AirflowStack, dag_id: str, run_id: str) -> list[dict]:
    return stack.get("/api/v2/assets/events", source_dag_id=dag_id, source_run_id=run_id, limit=50)[
        "asset_events"
    ]


@pytest.fixture(scope="module")
def first_runs(airflow_stack: AirflowStack) -> dict[str, dict]:
    """Unpause; let the scheduler's own runs settle; trigger both ingest DAGs; wait for them and
    for the build the scheduler starts from their landing events."""
    stack = airflow_stack
    started = time.monotonic()
    # Unpausing (catchup=False) makes the scheduler run each DAG's latest interval at once: the
    # ingest DAGs' previous day, the build's last daily fallback. The ingest DAGs first, so that
    # the fallback build runs on landed data (a paused build gets no asset events from them); then
    # the manual runs below trigger exactly one asset-triggered build of their own.
    for dag_id in INGEST_DAGS:
        stack.unpause(dag_id)
    wait_for("the scheduler to start the unpaused ingest DAGs' latest interval",
             lambda: all(stack.runs(d) for d in INGEST_DAGS), 60, stack)  # fmt: skip
    wait_quiet(stack, INGEST_DAGS, 2 * RUN_TIMEOUT)
    stack.unpause(BUILD_DAG)
    wait_for("the scheduler to start the build's latest daily fallback",
             lambda: stack.runs(BUILD_DAG), 60, stack)  # fmt: skip
    wait_quiet(stack, (BUILD_DAG,), BUILD_TIMEOUT)
    print(f"\n[scheduler test] runs started by unpausing done after {time.monotonic() - started:.0f} s")

    triggered = {
        f"ingest_{REST_PILOT}": stack.trigger(f"ingest_{REST_PILOT}", {"logical_date": LOGICAL_DATE}),
        f"ingest_{FILE_PILOT}": stack.trigger(f"ingest_{FILE_PILOT}", {"logical_date": None}),
    }
    finished = {dag_id: wait_run(stack, dag_id, run["dag_run_id"]) for dag_id, run in triggered.items()}
    print(f"[scheduler test] both manual ingest runs finished after {time.monotonic() - started:.0f} s")
    landed_at = max(when(run["end_date"]) for run in finished.values())
    build = wait_for(
        "the scheduler to create an asset-triggered build_esf_indicators run after both landings",
        lambda: asset_triggered_after(stack, landed_at), 60, stack,
    )  # fmt: skip
    finished[BUILD_DAG] = wait_run(stack, BUILD_DAG, build["dag_run_id"], BUILD_TIMEOUT)
    wait_quiet(stack, (*INGEST_DAGS, BUILD_DAG), BUILD_TIMEOUT)
    print(f"[scheduler test] asset-triggered build done after {time.monotonic() - started:.0f} s")
    return finished


def test_ingest_runs_trigger_the_build_through_assets(airflow_stack: AirflowStack, first_runs: dict) -> None:
    stack = airflow_stack
    every_run = {d: stack.runs(d) for d in (*INGEST_DAGS, BUILD_DAG)}
    not_ok = [
        (d, r["dag_run_id"], r["state"]) for d, rs in every_run.items() for r in rs if r["state"] != "success"
    ]
    assert not not_ok, f"runs that did not succeed: {not_ok}"

    # An explicit logical date covers the day that ends on it (osservatorio/scheduling.py); no
    # logical date, the last complete day before the trigger.
    rest = first_runs[f"ingest_{REST_PILOT}"]
    start, end = when(rest["data_interval_start"]), when(rest["data_interval_end"])
    assert (start, end) == (when(LOGICAL_DATE) - timedelta(days=1), when(LOGICAL_DATE)), rest
    files = first_runs[f"ingest_{FILE_PILOT}"]
    assert files["logical_date"] is None, files
    due = when(files["run_after"])
    last_complete_day = (due.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)).date()

    # Each ingest run emitted one event on its pilot's landing asset, naming the interval landed.
    for dag_id, run in first_runs.items():
        if dag_id == BUILD_DAG:
            continue
        events = landing_events(stack, dag_id, run["dag_run_id"])
        assert len(events) == 1, f"{dag_id}: {events}"
        [event] = events
        assert event["name"] == f"landing.{dag_id.removeprefix('ingest_')}", event
        extra = event.get("extra") or {}
        landed = (when(extra.get("data_interval_start")), when(extra.get("data_interval_end")))
        if run["logical_date"] is not None:
            assert landed == (start, end), event
        else:
            assert landed[0].date() == last_complete_day, event
            assert landed[1] - landed[0] == timedelta(days=1), event

    # The scheduler started the build from both pilots' landing events of these runs.
    build = first_runs[BUILD_DAG]
    assert build["run_type"] == "asset_triggered", build
    upstream = stack.get(f"/api/v2/dags/{BUILD_DAG}/dagRuns/{build['dag_run_id']}/upstreamAssetEvents")
    consumed = {(e["source_dag_id"], e["source_run_id"]) for e in upstream["asset_events"]}
    for dag_id, run in first_runs.items():
        if dag_id != BUILD_DAG:
            assert (dag_id, run["dag_run_id"]) in consumed, f"{dag_id}: {upstream}"

    # EECO01 equals the count computed from the simulated pilots' own records.
    for pilot in PILOTS:
        expected = expected_eeco01(pilot)
        assert sum(expected.values()) > 100
        assert +mart_eeco01(stack, pilot) == +expected, pilot


def test_clearing_a_load_task_doubles_nothing(airflow_stack: AirflowStack, first_runs: dict) -> None:
    stack = airflow_stack
    dag_id = f"ingest_{REST_PILOT}"
    run_id = first_runs[dag_id]["dag_run_id"]
    tis = {ti["task_id"]: ti for ti in stack.task_instances(dag_id, run_id)}
    loads = sorted(t for t in tis if "load" in t and "participant_enrolments" in t) or sorted(
        t for t in tis if "load" in t
    )
    assert loads, f"no load task in {sorted(tis)}"
    task_id = loads[0]
    tries = tis[task_id]["try_number"]
    batches_before, marts_before = current_batches(stack), {p: mart_eeco01(stack, p) for p in PILOTS}
    assert all(n == 1 for _, n in batches_before), batches_before

    cleared = stack.request(
        "POST",
        f"/api/v2/dags/{dag_id}/clearTaskInstances",
        json={"dry_run": False, "only_failed": False, "dag_run_id": run_id, "task_ids": [task_id]},
    )
    assert [ti["task_id"] for ti in cleared["task_instances"]] == [task_id], cleared

    def rerun_done() -> dict | None:
        ti = stack.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}")
        run = stack.run(dag_id, run_id)
        rerun = ti["try_number"] > tries and ti["state"] in TERMINAL
        return ti if rerun and run["state"] in TERMINAL else None

    ti = wait_for(f"{dag_id}.{task_id} to rerun", rerun_done, RUN_TIMEOUT, stack)
    assert ti["state"] == "success", ti
    assert stack.run(dag_id, run_id)["state"] == "success"
    batches_after = current_batches(stack)
    assert batches_after == batches_before  # the same batches, each with one current landing

    # A rebuild over the rerun gives the same indicators.
    rebuild = stack.trigger(BUILD_DAG, {"logical_date": None, "conf": {"reporting_date": CUTOFF.isoformat()}})
    assert wait_run(stack, BUILD_DAG, rebuild["dag_run_id"], BUILD_TIMEOUT)["state"] == "success"
    assert {p: mart_eeco01(stack, p) for p in PILOTS} == marts_before


def test_backfill_lands_one_batch_per_interval_one_run_at_a_time(
    airflow_stack: AirflowStack, first_runs: dict
) -> None:
    stack = airflow_stack
    dag_id = f"ingest_{REST_PILOT}"
    wait_quiet(stack, (dag_id,), RUN_TIMEOUT)
    # As a data engineer types it; the DAG's max_active_runs=1 must hold for the backfill too.
    created = subprocess.run(
        ["airflow", "backfill", "create", "--dag-id", dag_id, "--from-date", BACKFILL_FROM,
         "--to-date", BACKFILL_TO, "--max-active-runs", "1"],
        env=stack.env, cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert created.returncode == 0, created.stdout[-3000:] + created.stderr[-3000:]

    def backfill_runs() -> list[dict] | None:
        runs = [r for r in stack.runs(dag_id) if r["run_type"] == "backfill"]
        return runs if len(runs) == 2 and all(r["state"] in TERMINAL for r in runs) else None

    runs = wait_for(f"the two backfill runs of {dag_id}", backfill_runs, 2 * RUN_TIMEOUT, stack)
    assert all(r["state"] == "success" for r in runs), runs
    starts = sorted(when(r["data_interval_start"]) for r in runs)
    assert [s.date() for s in starts] == [date.fromisoformat(d) for d in (BACKFILL_FROM, BACKFILL_TO)], runs

    # One batch per interval and record type, each with one current landing.
    current = dict(current_batches(stack))
    for start in starts:
        for entity in RECORD_TYPES:
            batch_id = f"{REST_PILOT}/{entity}/{start:%Y%m%dT%H%M%S}"
            assert current.get(batch_id) == 1, f"{batch_id}: {sorted(current)}"

    # max_active_runs=1: no two runs of the DAG were active at the same time.
    spans = sorted((when(r["start_date"]), when(r["end_date"]), r["dag_run_id"]) for r in stack.runs(dag_id))
    for (_, end, first), (start, _, second) in itertools.pairwise(spans):
        assert end <= start, f"{first} (ended {end}) overlaps {second} (started {start})"

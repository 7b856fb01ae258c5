"""Benchmark of the Celery mode: the five-pilot ingestion plus the indicator build, on 1 worker
and on 2 workers, side by side in one run.

    python -m benchmarks.celery_workers [--rounds 1]      (make bench-celery)

For each round and each worker count (1, then 2; 2 slots per worker), a fresh Celery stack
(tests/scheduler/stack.py: redis-server, api-server, scheduler, dag-processor, triggerer, the
workers; fresh databases) on the simulated pilots of the test suite (300 participants per
pilot). The build's own daily fallback run is failed at once, as in tests/scheduler/test_celery.py;
then the five ingest DAGs are unpaused and the clock runs until the build their landings
trigger has finished. Figures: wall time of the ingestion (unpause to the last ingest run's
end), of the build run, and of both; the load average beside them. On a 2-core machine two
workers add task slots, not cores: read the ratio with that in mind. Prints a table and writes
JSON to $OSSERVATORIO_STATE_DIR/bench/celery_workers_<timestamp>.json.
Not part of `make test`: one round takes about ten minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import UTC, datetime

from osservatorio.paths import state_dir
from pilot_systems.ports import free_port, wait_for_port
from tests.conftest import REPO, SIM_DEFECT_RATE, SIM_SEED, SIM_SIZE, SIM_TODAY, SIM_TOKEN
from tests.scheduler.stack import ALL_PILOTS, BUILD_DAG, TERMINAL, AirflowStack, celery_running, wait_for

INGEST_DAGS = tuple(f"ingest_{pilot}" for pilot in ALL_PILOTS)
TIMEOUT = 1800


def when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def one_run(stack: AirflowStack) -> dict[str, float]:
    stack.unpause(BUILD_DAG)
    fallback = wait_for("the build's daily fallback run", lambda: stack.runs(BUILD_DAG), 60, stack)[0]
    stack.request(
        "PATCH", f"/api/v2/dags/{BUILD_DAG}/dagRuns/{fallback['dag_run_id']}", json={"state": "failed"}
    )
    started = datetime.now(UTC)
    load_before = os.getloadavg()[0]
    for dag_id in INGEST_DAGS:
        stack.unpause(dag_id)

    def build() -> dict | None:
        runs = [r for r in stack.runs(BUILD_DAG) if r["run_type"] == "asset_triggered"]
        return runs[0] if runs and runs[0]["state"] in TERMINAL else None

    run = wait_for("the asset-triggered build", build, TIMEOUT, stack, every=2)
    ingest_runs = [r for d in INGEST_DAGS for r in stack.runs(d)]
    failed = [r["dag_run_id"] for r in [*ingest_runs, run] if r["state"] != "success"]
    if failed:
        raise SystemExit(f"runs failed: {failed}")
    ingested = max(when(r["end_date"]) for r in ingest_runs)
    return {
        "ingestion_s": (ingested - started).total_seconds(),
        "build_s": (when(run["end_date"]) - when(run["start_date"])).total_seconds(),
        "total_s": (when(run["end_date"]) - started).total_seconds(),
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    port = free_port()
    common = ["--size", str(SIM_SIZE), "--seed", str(SIM_SEED), "--defect-rate", str(SIM_DEFECT_RATE)]
    pilots = subprocess.Popen(
        [sys.executable, "-m", "pilot_systems.rest_api", "--port", str(port), "--token", SIM_TOKEN, *common,
         "--today", SIM_TODAY],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    results: list[dict] = []
    try:
        if not wait_for_port(port):
            raise SystemExit("simulated pilot systems did not start")
        for round_ in range(1, args.rounds + 1):
            for workers in (1, 2):
                state = state_dir() / "bench" / f"celery_{workers}w"
                with celery_running(workers, state, port, name=f"bench_celery_{workers}w") as stack:
                    figures = one_run(stack)
                results.append({"round": round_, "workers": workers, **figures})
                print(f"[bench] round {round_}, {workers} worker(s): {figures}", file=sys.stderr)
    finally:
        pilots.terminate()
        pilots.wait(timeout=10)
    print(f"\n{'round':>5} {'workers':>7} {'ingestion s':>11} {'build s':>8} {'total s':>8} {'load':>10}")
    for r in results:
        load = f"{r['load_before']:.1f}->{r['load_after']:.1f}"
        times = f"{r['ingestion_s']:>11.0f} {r['build_s']:>8.0f} {r['total_s']:>8.0f}"
        print(f"{r['round']:>5} {r['workers']:>7} {times} {load:>10}")
    one = [r["total_s"] for r in results if r["workers"] == 1]
    two = [r["total_s"] for r in results if r["workers"] == 2]
    print(f"total, 2 workers / 1 worker: {sum(two) / sum(one):.2f}")
    out = state_dir() / "bench" / f"celery_workers_{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(f"figures: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

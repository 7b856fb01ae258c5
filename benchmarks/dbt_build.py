"""Benchmark of `dbt build`: from scratch, and again after 1% of the participations changed.

    python -m benchmarks.dbt_build --sizes 100000,1000000      (make bench-dbt SIZES=...)

For every size N, in its own database (osservatorio_bench_dbt, emptied and migrated each time):

1. the simulated REST pilots (pilot_systems.rest_api, one process per pilot) serve N participant
   enrolments spread over --pilots, with the other record types in the simulators' proportions
   (re-entries, result events, follow-ups, supported entities, defects); every record type of
   every pilot is extracted, validated and landed by `osservatorio.pipeline.ingest_batch`, as
   the ingestion DAG's tasks do, --jobs batches at a time, for the data interval that ends on
   the systems' "today"; the raw tables are then ANALYZEd, as autovacuum would (landing time is
   reported, not part of the dbt figures);
2. `dbt build` runs on it: wall time, dbt's own elapsed time and the slowest models
   (target/run_results.json);
3. each pilot changes 1% of its enrolments the way a pilot does (`PilotSystem.touch`: a
   participant still in leaves, the exit date is set) and appends as many new result events;
   the next day's interval is ingested incrementally (the REST watermark) by the same code;
4. `dbt build` runs again (same figures).

The indicators are checked to be real (EECO01 at the last cut-off, rows of the marts; note that
marts.esf_indicators is a dense grid of cells, its row count does not grow with N). Prints a
table and writes JSON to $OSSERVATORIO_STATE_DIR/bench/dbt_build_<timestamp>.json. The load
average is recorded beside every figure: on a shared machine, read the figures with it.
Not part of `make test`: at 1M participations it takes tens of minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import psycopg
import requests

from osservatorio.paths import REPO_ROOT, state_dir
from pilot_systems.ports import free_port, wait_for_port

if TYPE_CHECKING:
    from pathlib import Path

DATABASE = "osservatorio_bench_dbt"
REST_PILOTS = ("tdz_corviale", "tdz_tor_bella_monaca", "cmrc_col")
TOKEN = "local-bench-token"
KEY = "benchmark-key-" + "x" * 32
SEED = 11
DEFECT_RATE = 0.03  # the simulators' default
TODAY = date(2026, 11, 20)  # the simulated systems' "today": the first interval ends there
SCHEMAS = ("raw", "staging", "intermediate", "marts", "reference", "analytics")
TOP = 8


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def warehouse_env(database: str) -> dict[str, str]:
    """The environment scripts/env.sh gives, pointed at the benchmark's own database."""
    env = {k: v for k, v in os.environ.items() if k != "AIRFLOW_CONN_OSSERVATORIO_WAREHOUSE"}
    env["OSSERVATORIO_WAREHOUSE_DB"] = database
    out = subprocess.run(
        ["bash", "-c", ". scripts/env.sh && env -0"], env=env, cwd=REPO_ROOT, capture_output=True, check=True
    ).stdout
    return dict(item.split("=", 1) for item in out.decode().split("\0") if "=" in item)


def fresh_database(env: dict[str, str]) -> str:
    """Create the database if needed (scripts/postgres.sh), drop what an earlier run built, migrate."""
    subprocess.run(["scripts/postgres.sh", "start"], env=env, cwd=REPO_ROOT, check=True, capture_output=True)
    warehouse = env["AIRFLOW_CONN_OSSERVATORIO_WAREHOUSE"]
    with psycopg.connect(warehouse, autocommit=True) as conn:
        for schema in SCHEMAS:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    from osservatorio.land.migrate import migrate

    migrate(warehouse)
    return warehouse


def interval(day: date) -> Any:
    from osservatorio.manifest import RunInterval

    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    return RunInterval(start - timedelta(days=1), start)


# Largest record types first, so that the workers finish together.
LANDING_ORDER = (
    "result_events",
    "participant_enrolments",
    "supported_entities",
    "expenditures",
    "operations",
)


def land_one(pilot_id: str, entity: str, base_url: str, warehouse: str, day: date, work: str) -> dict:
    """One record type of one pilot for the interval ending on `day`, through ingest_batch (the
    ingestion DAG runs each as its own tasks, too)."""
    os.environ["OSSERVATORIO_STATE_DIR"] = work  # the batches' work files
    from osservatorio.channels.rest_api import RestApiChannel
    from osservatorio.pipeline import ingest_batch
    from osservatorio.registry import load_registry

    pilot = load_registry()[pilot_id]
    channel = RestApiChannel(pilot, base_url=f"{base_url}/{pilot_id}", token=TOKEN)
    started = time.perf_counter()
    with psycopg.connect(warehouse) as conn:
        outcome = ingest_batch(pilot, entity, interval(day), channel, conn, KEY)
    row: dict[str, Any] = {"pilot": pilot_id, "entity": entity, "seconds": time.perf_counter() - started}
    if outcome.landed:
        landed = outcome.landed
        row |= {
            "received": landed.received,
            "loaded": landed.loaded,
            "unchanged": landed.unchanged,
            "quarantined": landed.quarantined,
        }
    else:
        row["refused"] = outcome.refusal
    for path in outcome.batch.work_file("source").parent.glob(f"{entity}.*"):
        path.unlink()  # a 1M batch's files are gigabytes
    return row


def land(pool: ProcessPoolExecutor, urls: dict[str, str], warehouse: str, day: date, work: Path) -> dict:
    """Every record type of every pilot, `jobs` batches at a time."""
    load_before, started = load(), time.perf_counter()
    futures = [
        pool.submit(land_one, pilot, entity, base_url, warehouse, day, str(work))
        for entity in LANDING_ORDER
        for pilot, base_url in urls.items()
    ]
    batches = [f.result() for f in futures]
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "load_before": load_before, "load_after": load(), "batches": batches}


def running_nodes(warehouse: str) -> list[str]:
    """The dbt nodes whose queries run in the benchmark's database now (dbt's query comment)."""
    with psycopg.connect(warehouse, autocommit=True) as conn:
        queries = conn.execute(
            "SELECT query FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND state = 'active'"
        ).fetchall()
    return sorted({m for (q,) in queries for m in re.findall(r'"node_id": "([^"]+)"', q)})


def cancel_queries(warehouse: str) -> None:
    """Cancel what a stopped dbt left running (only in the benchmark's database)."""
    with psycopg.connect(warehouse, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_cancel_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def dbt_build(env: dict[str, str], target: Path, reporting_date: date, timeout: float) -> dict:
    """The real `dbt build`, timed; per-node times from its run_results.json. A build that runs
    longer than `timeout` is stopped: then the nodes still running are reported."""
    (target / "run_results.json").unlink(missing_ok=True)
    dbt_vars = json.dumps({"reporting_date": reporting_date.isoformat()})
    cmd = [
        "dbt", "build", "--project-dir", "dbt_project", "--target-path", str(target),
        "--log-path", str(target / "logs"), "--no-use-colors", "--vars", dbt_vars,
    ]  # fmt: skip
    load_before, started = load(), time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        stdout, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        warehouse = env["AIRFLOW_CONN_OSSERVATORIO_WAREHOUSE"]
        running = running_nodes(warehouse)
        proc.send_signal(signal.SIGINT)  # dbt cancels its queries on an interrupt
        try:
            proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        cancel_queries(warehouse)
        wall = time.perf_counter() - started
        return {
            "wall_s": wall,
            "timed_out": True,
            "running": running,
            "load_before": load_before,
            "load_after": load(),
            "summary": f"stopped after {timeout:.0f} s",
        }
    wall = time.perf_counter() - started
    load_after = load()
    summary = stdout.strip().splitlines()[-1] if stdout.strip() else ""
    if proc.returncode != 0:
        failing = [line for line in stdout.splitlines() if "ERROR" in line or "FAIL" in line]
        print(f"dbt build exited {proc.returncode}: {summary}", *failing[-20:], sep="\n", file=sys.stderr)
    results = json.loads((target / "run_results.json").read_text())
    nodes = [
        {"node": r["unique_id"], "seconds": r["execution_time"], "status": r["status"]}
        for r in results["results"]
    ]
    models = sorted((n for n in nodes if n["node"].startswith("model.")), key=lambda n: -n["seconds"])
    tests = [n for n in nodes if n["node"].startswith(("test.", "unit_test."))]
    return {
        "wall_s": wall,
        "dbt_elapsed_s": results["elapsed_time"],
        "returncode": proc.returncode,
        "summary": summary,
        "load_before": load_before,
        "load_after": load_after,
        "top_models": models[:TOP],
        "models_s": sum(n["seconds"] for n in models),
        "tests_s": sum(n["seconds"] for n in tests),
        "slowest_tests": sorted(tests, key=lambda n: -n["seconds"])[:3],
        "not_ok": [n for n in nodes if n["status"] not in ("success", "pass")],
        "nodes": nodes,
    }


def sanity(warehouse: str) -> dict:
    """Whether the build did real work: EECO01 at the last cut-off, rows of the marts."""
    with psycopg.connect(warehouse) as conn:
        cutoff, eeco01 = conn.execute(
            "SELECT cutoff_date, sum(indicator_value) FROM marts.esf_indicators"
            " WHERE indicator_code = 'EECO01' GROUP BY 1 ORDER BY 1 DESC LIMIT 1"
        ).fetchone() or (None, None)
        counts = {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in (
                "raw.participant_enrolments",
                "raw.result_events",
                "marts.esf_participations",
                "marts.esf_indicators",
                "marts.esf_indicator_members",
            )
        }
        leavers = conn.execute(
            "SELECT count(*) FROM marts.esf_participations WHERE exit_date IS NOT NULL"
        ).fetchone()[0]
    return {"cutoff": str(cutoff), "eeco01": int(eeco01 or 0), "leavers": leavers, "rows": counts}


def start_pilots(
    pilots: list[str], per_pilot: int, env: dict[str, str]
) -> tuple[list[subprocess.Popen], dict[str, str]]:
    """One simulated REST system per pilot, each a process of its own (generating records costs
    the simulator as much CPU as validating them costs the pipeline: one process would be the
    bottleneck). Returns the processes and each pilot's base URL."""
    servers, urls = [], {}
    for pilot in pilots:
        port = free_port()
        servers.append(subprocess.Popen(
            [sys.executable, "-m", "pilot_systems.rest_api", "--port", str(port), "--size", str(per_pilot),
             "--seed", str(SEED), "--token", TOKEN, "--defect-rate", str(DEFECT_RATE),
             "--pilots", pilot, "--today", TODAY.isoformat()],
            env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))  # fmt: skip
        if not wait_for_port(port, timeout=30):
            stop(servers)
            raise SystemExit("the simulated pilot systems did not start")
        urls[pilot] = f"http://127.0.0.1:{port}"
    return servers, urls


def stop(servers: list[subprocess.Popen]) -> None:
    for server in servers:
        server.terminate()
    for server in servers:
        server.wait()


def change(urls: dict[str, str], per_pilot: int, share: float) -> dict:
    """Each pilot: `share` of its enrolments get a new version (a participant leaves), and as many
    new result events are recorded."""
    count = max(1, round(per_pilot * share))
    changed = {"participant_enrolments": 0, "result_events": 0}
    for pilot, base_url in urls.items():
        for action, entity in (("touch", "participant_enrolments"), ("append", "result_events")):
            answer = requests.post(
                f"{base_url}/_admin/{pilot}/{action}", json={"entity": entity, "count": count}, timeout=600
            )
            answer.raise_for_status()
            changed[entity] += len(answer.json()[action + "ed"])
    return changed


def analyze_raw(warehouse: str) -> None:
    """Planner statistics for the freshly landed raw tables, as autovacuum gives them within a
    minute of a bulk load (so that the build does not depend on whether it got there yet)."""
    from osservatorio.land.warehouse import RECORD_TYPES

    with psycopg.connect(warehouse, autocommit=True) as conn:
        for table in (*RECORD_TYPES, "quarantine", "batches"):
            conn.execute(f"ANALYZE raw.{table}")


def build(label: str, size: int, env: dict[str, str], target: Path, warehouse: str, timeout: float) -> dict:
    result = dbt_build(env, target, TODAY, timeout)
    if not result.get("timed_out") and result["returncode"] == 0:
        result["sanity"] = sanity(warehouse)
    took = f"{result['wall_s']:.0f} s (load {result['load_after']})"
    print(f"[{size}] {label} build {took}: {result['summary']}", flush=True)
    return result


def bench_size(size: int, args: argparse.Namespace, env: dict[str, str], out_dir: Path) -> dict:
    pilots = args.pilots.split(",")
    per_pilot = size // len(pilots)
    warehouse = fresh_database(env)
    work = out_dir / "work" / f"dbt-{size}"
    target = out_dir / "dbt_target"
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(target, ignore_errors=True)  # from scratch: no partial parse either
    row: dict[str, Any] = {
        "size": per_pilot * len(pilots),
        "pilots": pilots,
        "per_pilot": per_pilot,
        "pgoptions": env.get("PGOPTIONS", ""),
    }
    servers, urls = start_pilots(pilots, per_pilot, env)
    pool = ProcessPoolExecutor(max_workers=args.jobs)
    try:
        print(f"[{size}] landing {per_pilot} enrolments x {len(pilots)} pilots (load {load()})", flush=True)
        row["landing"] = land(pool, urls, warehouse, TODAY, work)
        analyze_raw(warehouse)
        print(f"[{size}] landed in {row['landing']['seconds']:.0f} s (load {load()})", flush=True)
        row["full"] = build("full", size, env, target, warehouse, args.build_timeout)
        row["changed"] = change(urls, per_pilot, args.change)
        row["change_landing"] = land(pool, urls, warehouse, TODAY + timedelta(days=1), work)
        print(
            f"[{size}] changes {row['changed']} landed in {row['change_landing']['seconds']:.0f} s",
            flush=True,
        )
        if row["full"].get("timed_out"):  # the same build on 1% more rows: it would time out too
            row["incremental"] = row["full"] | {"summary": "not run: the full build timed out"}
        else:
            row["incremental"] = build("after change", size, env, target, warehouse, args.build_timeout)
    finally:
        pool.shutdown(cancel_futures=True)
        stop(servers)
        shutil.rmtree(work, ignore_errors=True)
    return row


def report(rows: list[dict]) -> None:
    print(
        f"\n{'size':>9} {'landing s':>10} {'full build s':>13} {'after 1% s':>11} {'ratio':>6}"
        f"  {'load 1/5/15 min: full | after 1%':<33} {'EECO01':>8} {'indicator rows':>14}"
    )

    def seconds(b: dict) -> str:
        return f">{b['wall_s']:.0f}" if b.get("timed_out") else f"{b['wall_s']:.1f}"

    for r in rows:
        full, inc = r["full"], r["incremental"]
        done = not full.get("timed_out") and not inc.get("timed_out")
        ratio = f"{inc['wall_s'] / full['wall_s']:.2f}" if done else "-"
        checked = inc.get("sanity") or full.get("sanity") or {"eeco01": "-", "rows": {}}
        print(
            f"{r['size']:>9} {r['landing']['seconds']:>10.0f} {seconds(full):>13} {seconds(inc):>11}"
            f" {ratio:>6}"
            f"  {full['load_after'] + ' | ' + inc['load_after']:<33} {checked['eeco01']:>8}"
            f" {checked['rows'].get('marts.esf_indicators', '-'):>14}"
        )
    for r in rows:
        if r["pgoptions"]:
            print(f"\n{r['size']}: dbt ran with PGOPTIONS={r['pgoptions']!r}")
        for label in ("full", "incremental"):
            b = r[label]
            if b.get("timed_out"):
                print(f"\n{r['size']} {label}: {b['summary']}; still running: {b['running']}")
                continue
            print(
                f"\n{r['size']} {label}: dbt elapsed {b['dbt_elapsed_s']:.1f} s,"
                f" models {b['models_s']:.1f} s, tests {b['tests_s']:.1f} s; {b['summary']}"
            )
            for m in b["top_models"]:
                print(f"  {m['seconds']:>8.1f} s  {m['node'].split('.')[-1]}")
            if b["not_ok"]:
                print(f"  not ok: {[(n['node'], n['status']) for n in b['not_ok']]}")
            if b.get("sanity"):
                print(f"  sanity: {json.dumps(b['sanity'])}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000", help="participant enrolments, comma-separated")
    parser.add_argument("--pilots", default=",".join(REST_PILOTS), help="REST pilots to spread them over")
    parser.add_argument("--jobs", type=int, default=3, help="batches landed at the same time")
    parser.add_argument("--change", type=float, default=0.01, help="share of enrolments changed")
    parser.add_argument("--build-timeout", type=float, default=3600, help="seconds before a build is stopped")
    parser.add_argument(
        "--pgoptions",
        default="",
        help="PGOPTIONS for dbt's sessions, e.g. '-c enable_nestloop=off' (diagnosis)",
    )
    parser.add_argument("--database", default=os.environ.get("OSSERVATORIO_WAREHOUSE_DB", DATABASE))
    args = parser.parse_args()
    if "bench" not in args.database:  # it is emptied: never the development warehouse
        args.database = DATABASE
    env = warehouse_env(args.database)
    if args.pgoptions:
        env["PGOPTIONS"] = args.pgoptions
    out_dir = state_dir() / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"dbt_build_{time.strftime('%Y%m%dT%H%M%S')}.json"
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        rows.append(bench_size(size, args, env, out_dir))
        path.write_text(json.dumps(rows, indent=1, default=str))
    report(rows)
    print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()

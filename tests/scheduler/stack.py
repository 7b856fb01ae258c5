"""A real Airflow on loopback test ports, with its own metadata DB, warehouse DB, state folder
and pilot registry, driven through the REST API v2 as a data engineer drives it: started with the
LocalExecutor (tests/scheduler/test_under_scheduler.py) or as the Celery stack
(tests/scheduler/test_celery.py, benchmarks/celery_workers.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import psutil
import requests
import yaml

from osservatorio.deploy.celery_stack import celery_settings, processes
from pilot_systems.ports import free_port, wait_for_port
from tests.conftest import (
    FILE_PILOTS,
    REPO,
    SIM_DEFECT_RATE,
    SIM_SEED,
    SIM_SIZE,
    SIM_TODAY,
    SIM_TOKEN,
    TEST_SLOT,
    load_env,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

BUILD_DAG = "build_esf_indicators"
SUFFIX = f"_{TEST_SLOT}" if TEST_SLOT else ""
ADMIN_PASSWORD = "scheduler-test-admin"  # a local test instance on 127.0.0.1, gone after the test
TERMINAL = {"success", "failed"}
# The Celery stack fails a task without heartbeat after 45 s instead of Airflow's 300 s, so that a
# test of a killed worker waits less.
HEARTBEAT_TIMEOUT_S = 45
ALL_PILOTS = tuple(yaml.safe_load((REPO / "config" / "pilots.yaml").read_text(encoding="utf-8"))["pilots"])


@dataclass
class AirflowStack:
    env: dict[str, str]
    base_url: str
    logs: dict[str, Path]
    dag_ids: tuple[str, ...]
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    _token: str | None = None

    # --- REST API -------------------------------------------------------------------------
    def token(self) -> str:
        if self._token is None:
            response = requests.post(
                f"{self.base_url}/auth/token",
                json={"username": "admin", "password": ADMIN_PASSWORD},
                timeout=30,
            )
            assert response.status_code in (200, 201), f"/auth/token: {response.status_code} {response.text}"
            self._token = response.json()["access_token"]
        return self._token

    def request(self, method: str, path: str, expect: tuple[int, ...] = (200,), **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token()}", **kwargs.pop("headers", {})}
        response = requests.request(method, f"{self.base_url}{path}", headers=headers, timeout=60, **kwargs)
        if response.status_code not in expect:
            raise AssertionError(f"{method} {path} -> {response.status_code}: {response.text[:2000]}")
        if "json" in response.headers.get("content-type", ""):
            return response.json()
        return response.text

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def runs(self, dag_id: str) -> list[dict]:
        return self.get(f"/api/v2/dags/{dag_id}/dagRuns", limit=100, order_by="run_after")["dag_runs"]

    def run(self, dag_id: str, run_id: str) -> dict:
        return self.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        return self.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances", limit=500)["task_instances"]

    def trigger(self, dag_id: str, body: dict) -> dict:
        return self.request("POST", f"/api/v2/dags/{dag_id}/dagRuns", json=body)

    def unpause(self, dag_id: str) -> None:
        self.request("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False})

    # --- diagnostics ----------------------------------------------------------------------
    def runs_summary(self, dag_ids: tuple[str, ...]) -> str:
        lines = []
        for dag_id in dag_ids:
            try:
                for r in self.runs(dag_id):
                    lines.append(
                        f"  {dag_id} {r['dag_run_id']} type={r['run_type']} state={r['state']}"
                        f" interval=[{r.get('data_interval_start')}, {r.get('data_interval_end')})"
                        f" start={r.get('start_date')} end={r.get('end_date')}"
                    )
            except Exception as error:  # diagnostics never hide the original failure
                lines.append(f"  {dag_id}: runs not readable ({error})")
        return "\n".join(lines) or "  (no runs)"

    def task_log(self, dag_id: str, run_id: str, task_id: str, attempt: int, max_chars: int = 4000) -> str:
        """A task attempt's log through the REST API, as text (the API answers JSON entries)."""
        path = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{attempt}"
        content = self.get(path, full_content="true").get("content")
        lines = []
        for entry in content if isinstance(content, list) else [content]:
            if not isinstance(entry, dict):
                lines.append(str(entry))
                continue
            line = f"{entry.get('timestamp', '')} {entry.get('level', '')} {entry.get('event', '')}"
            for detail in entry.get("error_detail") or []:
                frames = detail.get("frames") or []
                where = f" at {frames[-1]['filename']}:{frames[-1]['lineno']}" if frames else ""
                line += f"\n    {detail.get('exc_type')}: {detail.get('exc_value')}{where}"
            lines.append(line)
        return "\n".join(lines)[-max_chars:]

    def failed_task_logs(self) -> str:
        out = []
        try:
            failed = self.get(
                "/api/v2/dags/~/dagRuns/~/taskInstances", state=["failed", "upstream_failed"], limit=50
            )["task_instances"]
        except Exception as error:
            return f"(failed task instances not readable: {error})"
        for ti in failed:
            head = f"--- {ti['dag_id']} / {ti['dag_run_id']} / {ti['task_id']} state={ti['state']}"
            if ti["state"] != "failed":
                out.append(head)
                continue
            for attempt in range(1, (ti.get("try_number") or 1) + 1):
                try:
                    text = self.task_log(ti["dag_id"], ti["dag_run_id"], ti["task_id"], attempt)
                except Exception as error:
                    text = f"(log not readable: {error})"
                out.append(f"{head} try {attempt}\n{text}")
        return "\n".join(out) or "(no failed task instances)"

    def report(self) -> str:
        parts = ["== dag runs ==", self.runs_summary(self.dag_ids)]
        parts += ["== failed task logs (REST API) ==", self.failed_task_logs()]
        for name, log in self.logs.items():
            text = log.read_text(errors="replace") if log.exists() else "(no log)"
            parts += [f"== {name} log, last lines ({log}) ==", "\n".join(text.splitlines()[-40:])]
        return "\n".join(parts)


def wait_for(
    what: str, check: Callable[[], Any], timeout: float, stack: AirflowStack | None = None, every: float = 3
) -> Any:
    """Poll `check` until it returns something truthy; fail after `timeout` s with its last
    answer (and the stack's state)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except (requests.RequestException, AssertionError) as error:
            last = f"{type(error).__name__}: {error}"
        else:
            if last:
                return last
        time.sleep(every)
    detail = f"\n{stack.runs_summary(stack.dag_ids)}" if stack else ""
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; last answer: {last!r}{detail}")


def registry_of(pilots: tuple[str, ...], path: Path) -> Path:
    """config/pilots.yaml with only `pilots` (anchors resolved by the YAML loader)."""
    full = yaml.safe_load((REPO / "config" / "pilots.yaml").read_text(encoding="utf-8"))
    pilots = {"pilots": {p: full["pilots"][p] for p in pilots}}
    header = "# Written by tests/scheduler: the pilots of this test.\n"
    path.write_text(header + yaml.safe_dump(pilots, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def fresh_databases(env: dict[str, str]) -> None:
    """Empty warehouse and metadata DB of this test (the test's own databases in the cluster)."""
    import psycopg

    subprocess.run(["scripts/postgres.sh", "start"], env=env, cwd=REPO, check=True, capture_output=True)
    with psycopg.connect(env["AIRFLOW_CONN_OSSERVATORIO_WAREHOUSE"], autocommit=True) as conn:
        for schema in ("raw", "staging", "intermediate", "marts", "reference", "analytics"):
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    airflow_db = env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].replace("postgresql+psycopg2://", "postgresql://")
    with psycopg.connect(airflow_db, autocommit=True) as conn:  # the airflow role owns its database
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


def stop(procs: dict[str, subprocess.Popen], timeout: float = 20) -> None:
    """Terminate every process started here, their process groups and every descendant (task
    processes of the LocalExecutor run in process groups of their own); kill what remains."""
    tree: list[psutil.Process] = []
    for proc in procs.values():
        try:
            parent = psutil.Process(proc.pid)
            tree += [parent, *parent.children(recursive=True)]
        except psutil.NoSuchProcess:
            pass
    for proc in procs.values():  # each was started in a session (process group) of its own
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    for p in tree:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.terminate()
    _, alive = psutil.wait_procs(tree, timeout=timeout)
    for proc in procs.values():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    for p in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    psutil.wait_procs(alive, timeout=5)
    for proc in procs.values():
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)


@dataclass(frozen=True)
class StackSpec:
    """What to start: `name` keys the state folder and databases; `processes` are (name, argv
    after `airflow`, extra env); `before_start` runs with the final environment (e.g. Redis)."""

    name: str
    pilots: tuple[str, ...]
    processes: list[tuple[str, tuple[str, ...], dict[str, str]]]
    env: dict[str, str] = field(default_factory=dict)
    before_start: Callable[[dict[str, str]], None] | None = None
    health: tuple[str, ...] = ("metadatabase", "scheduler", "dag_processor")


@contextlib.contextmanager
def airflow_running(spec: StackSpec, state: Path, pilots_port: int) -> Iterator[AirflowStack]:
    """Fresh databases and state, Airflow's processes started and healthy, every DAG of the
    pilots parsed; everything started is stopped on exit (also on a failed start)."""
    started = time.monotonic()
    shutil.rmtree(state, ignore_errors=True)
    state.mkdir(parents=True)
    port = free_port()
    overrides = {
        "OSSERVATORIO_STATE_DIR": str(state),
        "OSSERVATORIO_WAREHOUSE_DB": f"osservatorio_{spec.name}{SUFFIX}",
        "OSSERVATORIO_AIRFLOW_DB": f"airflow_{spec.name}{SUFFIX}",
        "OSSERVATORIO_PILOTS_PORT": str(pilots_port),  # the session's simulated REST pilots
        "OSSERVATORIO_PILOT_TOKEN": SIM_TOKEN,
        "OSSERVATORIO_REGISTRY": str(registry_of(spec.pilots, state / "pilots.yaml")),
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__CORE__PARALLELISM": "4",  # 2 cores: more task processes only queue for CPU
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(state / "passwords.json"),
        "AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY": "2",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
        "AIRFLOW__SCHEDULER__JOB_HEARTBEAT_SEC": "2",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "60",
        "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
        **spec.env,
    }
    (state / "passwords.json").touch(mode=0o600)  # plain-text passwords: this user's only
    (state / "passwords.json").write_text(json.dumps({"admin": ADMIN_PASSWORD}), encoding="utf-8")
    env = load_env(overrides)
    fresh_databases(env)
    migrate = subprocess.run(
        [sys.executable, "-m", "osservatorio.land.migrate"], env=env, cwd=REPO, capture_output=True, text=True
    )
    assert migrate.returncode == 0, f"warehouse migration failed:\n{migrate.stdout}{migrate.stderr[-4000:]}"
    init = subprocess.run(["scripts/airflow_init.sh"], env=env, cwd=REPO, capture_output=True, text=True)
    assert init.returncode == 0, f"airflow_init.sh failed:\n{init.stderr[-4000:]}"
    env = load_env(overrides)  # with the pseudonymisation key airflow_init.sh generated
    # The file pilots' own extraction in this test's inbox (the session's inboxes belong to e2e).
    for pilot in spec.pilots:
        if pilot in FILE_PILOTS:
            subprocess.run(
                [sys.executable, "-m", "pilot_systems.drops", "--pilot", pilot,
                 "--inbox", str(state / "pilot_drops" / pilot / "inbox"),
                 "--size", str(SIM_SIZE), "--seed", str(SIM_SEED), "--defect-rate", str(SIM_DEFECT_RATE),
                 "--encoding", FILE_PILOTS[pilot], "--date", SIM_TODAY],
                cwd=REPO, env=env, check=True, capture_output=True,
            )  # fmt: skip
    dag_ids = (*(f"ingest_{p}" for p in spec.pilots), BUILD_DAG)
    logs = {name: state / f"{name}.log" for name, _, _ in spec.processes}
    stack = AirflowStack(env=env, base_url=f"http://127.0.0.1:{port}", logs=logs, dag_ids=dag_ids)
    try:  # any failure while starting: stop what started and show the logs
        if spec.before_start:
            spec.before_start(env)
        print(f"\n[{spec.name}] databases and state ready in {time.monotonic() - started:.0f} s")
        for name, argv, extra in spec.processes:
            with logs[name].open("w") as sink:
                stack.procs[name] = subprocess.Popen(
                    ["airflow", *argv], cwd=REPO, env={**env, **extra}, stdout=sink, stderr=subprocess.STDOUT,
                    start_new_session=True,
                )  # fmt: skip
        if not wait_for_port(port, timeout=90):
            raise AssertionError(f"api-server not listening on {port} after 90 s\n{stack.report()}")

        def healthy() -> bool:
            for name, proc in stack.procs.items():
                assert proc.poll() is None, f"{name} exited with {proc.returncode}"
            health = requests.get(f"{stack.base_url}/api/v2/monitor/health", timeout=10).json()
            return all(health.get(part, {}).get("status") == "healthy" for part in spec.health)

        wait_for(f"{', '.join(spec.health)} to report healthy", healthy, 120, every=2)

        def parsed() -> bool | str:
            dags = {d["dag_id"] for d in stack.get("/api/v2/dags", limit=100)["dags"]}
            errors = stack.get("/api/v2/importErrors")["import_errors"]
            assert not errors, f"DAG import errors: {json.dumps(errors, indent=1)[:4000]}"
            return set(dag_ids) <= dags or f"DAGs so far: {sorted(dags)}"

        wait_for(f"the dag-processor to serialize {len(dag_ids)} DAGs", parsed, 180, every=2)
        print(f"[{spec.name}] Airflow up on {stack.base_url} in {time.monotonic() - started:.0f} s")
    except BaseException as error:
        stop(stack.procs)
        if isinstance(error, AssertionError):
            raise AssertionError(f"{error}\n{stack.report()}") from None
        raise
    try:
        yield stack
    finally:
        stop(stack.procs)


def celery_spec(workers: int, redis_port: int, name: str = "celery") -> StackSpec:
    def start_redis(env: dict[str, str]) -> None:
        subprocess.run([REPO / "scripts" / "redis.sh", "start"], env=env, check=True, capture_output=True)
        env.update(celery_settings(env))  # broker, result backend, JWT secret: the final values

    return StackSpec(
        name=name,
        pilots=ALL_PILOTS,
        processes=[(p.name, p.argv, p.env) for p in processes(workers=workers, concurrency=2)],
        env={
            "OSSERVATORIO_REDIS_PORT": str(redis_port),
            "OSSERVATORIO_REDIS_PASSWORD": "celery-test-redis",  # loopback test broker, gone after the test
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT_S),
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
        },
        before_start=start_redis,
        health=("metadatabase", "scheduler", "dag_processor", "triggerer"),
    )


@contextlib.contextmanager
def celery_running(
    workers: int, state: Path, pilots_port: int, name: str = "celery"
) -> Iterator[AirflowStack]:
    """The Celery stack with its own Redis; Redis is stopped with the rest, whatever happens."""
    redis_port = free_port()
    try:
        with airflow_running(celery_spec(workers, redis_port, name), state, pilots_port) as stack:
            yield stack
    finally:
        env = load_env({"OSSERVATORIO_STATE_DIR": str(state), "OSSERVATORIO_REDIS_PORT": str(redis_port)})
        subprocess.run([REPO / "scripts" / "redis.sh", "stop"], env=env, check=False, capture_output=True)

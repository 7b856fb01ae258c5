"""The Celery mode: which processes make a distributed osservatorio, with which settings and why.

One definition serves three users, so they cannot drift apart:
- `make ui EXECUTOR=celery WORKERS=2` runs `python -m osservatorio.deploy.celery_stack run`;
- tests/scheduler/test_celery.py starts the same processes (and kills one worker);
- docker-compose.yml runs the same commands with the same settings (tests/unit/test_compose.py).

`python -m osservatorio.deploy.celery_stack show` prints the processes and every setting with
its reason.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from osservatorio.deploy import queues

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

# The Airflow 3 services besides the workers (`airflow <name>`); the api-server also serves the
# execution API every task talks to.
SERVICES = ("api-server", "scheduler", "dag-processor", "triggerer")

# Above the longest task. cosmos runs each dbt model as a task of its own, the slowest a matter of
# minutes at the demo's size; not yet measured at a million participations (benchmarks/). A task
# that nears six hours needs a larger value, or the broker would hand it to a second worker.
VISIBILITY_TIMEOUT_S = 6 * 3600


@dataclass(frozen=True)
class Setting:
    value: str
    why: str


# Settings that are the same on every Celery deployment (local, test, compose).
SETTINGS: dict[str, Setting] = {
    "AIRFLOW__CORE__EXECUTOR": Setting("CeleryExecutor", "the scheduler queues tasks on the broker"),
    "AIRFLOW__CELERY__TASK_ACKS_LATE": Setting(
        "True",
        "a worker acknowledges a task's message when the task ends, not when it starts: a worker"
        " that dies mid-task leaves the message on the broker for another worker",
    ),
    "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT": Setting(
        str(VISIBILITY_TIMEOUT_S),
        "Redis redelivers an unacknowledged message after this many seconds: it must exceed the"
        " longest task, or a long dbt model would be started a second time while it still runs",
    ),
    "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": Setting(
        "1", "a worker reserves one message per free slot: a long build never holds others back"
    ),
    "AIRFLOW__CELERY__TASK_TRACK_STARTED": Setting(
        "True", "the scheduler sees a task as started, so it does not adopt or requeue a running one"
    ),
    "AIRFLOW__OPERATORS__DEFAULT_QUEUE": Setting(
        queues.DEFAULT, "tasks not routed to ingest or build (osservatorio/deploy/queues.py)"
    ),
}

# Settings every process needs but each deployment sets to its own values; `connection_settings`
# derives the local ones.
CONNECTION_SETTINGS: dict[str, str] = {
    "AIRFLOW__CELERY__BROKER_URL": "Redis, the broker (PostgreSQL as a broker is experimental in"
    " Celery and can deliver a message twice)",
    "AIRFLOW__CELERY__RESULT_BACKEND": "task states on the metadata database (`db+` SQLAlchemy URL),"
    " which is backed up; not in Redis, which keeps nothing across a restart here",
    "AIRFLOW__API_AUTH__JWT_SECRET": "every process signs and checks the execution API's task tokens"
    " with it: a worker with another secret gets its tasks refused",
    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": "where a worker's tasks reach the api-server's"
    " execution API (states, XComs, variables); on another machine it is not 127.0.0.1",
}


@dataclass(frozen=True)
class Process:
    """One process of the stack: `airflow <argv>` with `env` on top of the shared environment."""

    name: str
    argv: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)

    def command(self) -> list[str]:
        return ["airflow", *self.argv]


def broker_url(host: str, port: int | str, password: str) -> str:
    return f"redis://:{password}@{host}:{port}/0"


def connection_settings(env: Mapping[str, str]) -> dict[str, str]:
    """The local values of CONNECTION_SETTINGS, from scripts/env.sh's variables; refuses a missing
    JWT secret or execution API URL rather than letting each process invent its own."""
    missing = [
        k
        for k in ("AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__CORE__EXECUTION_API_SERVER_URL")
        if not env.get(k)
    ]
    if missing:
        raise ValueError(
            f"Celery mode needs {', '.join(missing)} set for every process (scripts/airflow_celery.sh)"
        )
    return {
        "AIRFLOW__CELERY__BROKER_URL": broker_url(
            env.get("OSSERVATORIO_REDIS_HOST", "127.0.0.1"),
            env["OSSERVATORIO_REDIS_PORT"],
            env["OSSERVATORIO_REDIS_PASSWORD"],
        ),
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"],
        "AIRFLOW__API_AUTH__JWT_SECRET": env["AIRFLOW__API_AUTH__JWT_SECRET"],
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"],
    }


def celery_settings(env: Mapping[str, str]) -> dict[str, str]:
    """Everything a local Celery-mode process needs on top of scripts/env.sh."""
    return {**{k: s.value for k, s in SETTINGS.items()}, **connection_settings(env)}


def worker_argv(
    node: str, concurrency: int, worker_queues: Sequence[str] = queues.ALL, *, serve_logs: bool
) -> tuple[str, ...]:
    """`airflow celery worker` for one worker. `node` is the Celery node name (`%h` = host name).
    Local workers share one log folder with the api-server, which reads finished and running
    tasks' logs from it, so they serve no logs (two would fight for port 8793); a worker on a
    machine of its own serves them."""
    argv = ("celery", "worker", "--celery-hostname", node, "--queues", ",".join(worker_queues))
    argv += ("--concurrency", str(concurrency))
    return argv if serve_logs else (*argv, "--skip-serve-logs")


def worker_env(name: str) -> dict[str, str]:
    """Local workers share the machine's host name: each reports its own (osservatorio/deploy/
    hostname.py), so a task instance's `hostname` says which worker ran it."""
    return {
        "OSSERVATORIO_WORKER_NAME": name,
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "osservatorio.deploy.hostname.worker_hostname",
    }


def processes(workers: int, concurrency: int) -> list[Process]:
    """The local stack: the four services and `workers` Celery workers named worker1..N."""
    stack = [Process(name, (name,)) for name in SERVICES]
    for i in range(1, workers + 1):
        name = f"worker{i}"
        stack.append(
            Process(name, worker_argv(f"{name}@%h", concurrency, serve_logs=False), worker_env(name))
        )
    return stack


def _show(workers: int, concurrency: int) -> None:
    print("Processes (each `airflow ...`, with scripts/env.sh and the settings below):")
    for proc in processes(workers, concurrency):
        extra = " ".join(f"{k}={v}" for k, v in proc.env.items())
        print(f"  {proc.name:14} airflow {' '.join(proc.argv)}{'   [' + extra + ']' if extra else ''}")
    print("\nSettings, the same on every deployment:")
    for key, setting in SETTINGS.items():
        print(f"  {key}={setting.value}\n      {setting.why}")
    print("\nSettings each deployment sets to its own values:")
    for key, why in CONNECTION_SETTINGS.items():
        print(f"  {key}\n      {why}")


def _run(workers: int, concurrency: int, log_dir: Path) -> int:
    """Start the stack, wait until one process exits or Ctrl-C, then stop them all."""
    env = {**os.environ, **celery_settings(os.environ)}
    log_dir.mkdir(parents=True, exist_ok=True)
    running: dict[str, subprocess.Popen] = {}
    for proc in processes(workers, concurrency):
        log = log_dir / f"{proc.name}.log"
        with log.open("a") as sink:
            running[proc.name] = subprocess.Popen(
                proc.command(),
                env={**env, **proc.env},
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        print(f"[celery] {proc.name:14} pid {running[proc.name].pid}, log {log}", file=sys.stderr)
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    failed = None
    while not stopping and failed is None:
        failed = next((name for name, p in running.items() if p.poll() is not None), None)
        time.sleep(1)
    if failed:
        print(
            f"[celery] {failed} exited with {running[failed].returncode}: see {log_dir / failed}.log",
            file=sys.stderr,
        )
    for p in running.values():
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    for p in running.values():
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("show", "run"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2, help="task slots per worker")
    args = parser.parse_args(argv)
    if args.action == "show":
        _show(args.workers, args.concurrency)
        return 0
    log_dir = Path(os.environ.get("AIRFLOW_HOME", ".")) / "logs" / "celery-stack"
    return _run(args.workers, args.concurrency, log_dir)


if __name__ == "__main__":
    sys.exit(main())

"""The Celery mode's definition (osservatorio/deploy/celery_stack.py): what `make ui
EXECUTOR=celery`, its test and docker-compose.yml start."""

from __future__ import annotations

import pytest

from osservatorio.deploy import celery_stack, hostname

LOCAL = {
    "OSSERVATORIO_REDIS_PORT": "56379",
    "OSSERVATORIO_REDIS_PASSWORD": "local-dev-redis",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "postgresql+psycopg2://airflow:pw@127.0.0.1:55432/airflow",
    "AIRFLOW__API_AUTH__JWT_SECRET": "s" * 64,
    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": "http://127.0.0.1:8080/execution/",
}


def test_the_stack_has_every_service_and_one_named_worker_each() -> None:
    procs = celery_stack.processes(workers=3, concurrency=2)
    assert [p.name for p in procs] == ["api-server", "scheduler", "dag-processor", "triggerer",
                                       "worker1", "worker2", "worker3"]  # fmt: skip
    workers = [p for p in procs if p.name.startswith("worker")]
    nodes = [p.argv[p.argv.index("--celery-hostname") + 1] for p in workers]
    assert len(set(nodes)) == 3
    assert all(p.argv[:2] == ("celery", "worker") for p in workers)
    assert all(p.argv[p.argv.index("--queues") + 1] == "default,ingest,build" for p in workers)
    assert len({p.env["OSSERVATORIO_WORKER_NAME"] for p in workers}) == 3


def test_settings_acknowledge_late_and_outlast_the_longest_task() -> None:
    settings = celery_stack.celery_settings(LOCAL)
    assert settings["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert settings["AIRFLOW__CELERY__TASK_ACKS_LATE"] == "True"
    assert int(settings["AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT"]) >= 3600
    assert settings["AIRFLOW__CELERY__BROKER_URL"] == "redis://:local-dev-redis@127.0.0.1:56379/0"
    assert settings["AIRFLOW__CELERY__RESULT_BACKEND"] == "db+" + LOCAL["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert settings["AIRFLOW__API_AUTH__JWT_SECRET"] == LOCAL["AIRFLOW__API_AUTH__JWT_SECRET"]
    assert set(celery_stack.CONNECTION_SETTINGS) <= set(settings)


@pytest.mark.parametrize(
    "missing", ["AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__CORE__EXECUTION_API_SERVER_URL"]
)
def test_a_process_without_the_shared_secret_or_api_url_is_refused(missing: str) -> None:
    with pytest.raises(ValueError, match=missing):
        celery_stack.celery_settings({k: v for k, v in LOCAL.items() if k != missing})


def test_a_local_worker_reports_its_own_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OSSERVATORIO_WORKER_NAME", raising=False)
    machine = hostname.worker_hostname()
    monkeypatch.setenv("OSSERVATORIO_WORKER_NAME", "worker2")
    assert hostname.worker_hostname() == f"worker2@{machine}"

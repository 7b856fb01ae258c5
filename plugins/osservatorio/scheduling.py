"""How the DAGs are scheduled, and what a run covers whatever started it.

Ingestion runs cover a real data interval, [start, end), from the pilot's cron schedule
(`CronDataIntervalTimetable`: `@daily` ingests yesterday 00:00 to today 00:00). Airflow gives a
run that interval when it is scheduled, backfilled or triggered with a logical date (a manual
run with logical date D covers the interval that ends at D). A manual run without a logical
date (REST API `"logical_date": null`, the UI's default) has no interval in its context: it
covers the last complete interval before it was triggered, by the same rule.

The indicator build runs on assets, not on an interval: see `reporting_date`.

Retries: a task is retried (twice, `[core] default_task_retry_delay` apart) only when its failure
can heal by itself (a pilot's server down, a dropped connection). Bad data, a broken file, a
missing connection or variable, a registry or template error fail at once: retrying them would
only delay the message a data engineer needs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from airflow.sdk import CronDataIntervalTimetable
from airflow.sdk.definitions.retry_policy import ExceptionRetryPolicy, RetryAction, RetryRule

from osservatorio.deploy import queues
from osservatorio.errors import BatchRejected, FileRejected, RunConfigurationError
from osservatorio.land.migrate import MigrationError, SchemaNotMigrated
from osservatorio.manifest import RunInterval
from osservatorio.registry import RegistryError

if TYPE_CHECKING:
    from collections.abc import Mapping

OWNER = "osservatorio-data-engineering"
TIMEZONE = "UTC"

# Failures that no retry can heal.
NOT_RETRYABLE: list[type[BaseException] | str] = [
    FileRejected,  # a broken file stays broken
    BatchRejected,  # so does a refused batch
    RegistryError,  # config/pilots.yaml is wrong
    RunConfigurationError,  # a bad param or trigger
    SchemaNotMigrated,  # the warehouse needs `make setup` (migrations) first
    MigrationError,
    "airflow.sdk.exceptions.AirflowNotFoundException",  # a connection or variable is missing
    "jinja2.exceptions.TemplateError",  # a template that does not render never will
    "osservatorio.publish.compliance.errors.PackageCheckFailed",  # the data break a Commission rule
]
RETRY_POLICY = ExceptionRetryPolicy(
    rules=[RetryRule(exception=NOT_RETRYABLE, action=RetryAction.FAIL, reason="cannot heal on retry")]
)
DEFAULT_ARGS: dict[str, Any] = {"owner": OWNER, "retries": 2, "retry_policy": RETRY_POLICY}
# Under the CeleryExecutor each DAG's tasks go to their queue (osservatorio/deploy/queues.py).
INGEST_ARGS: dict[str, Any] = {**DEFAULT_ARGS, "queue": queues.INGEST}
BUILD_ARGS: dict[str, Any] = {**DEFAULT_ARGS, "queue": queues.BUILD}


def ingest_timetable(schedule: str) -> CronDataIntervalTimetable:
    """A pilot's schedule (cron or preset) as real data intervals."""
    return CronDataIntervalTimetable(schedule, timezone=TIMEZONE)


def run_interval(context: Mapping[str, Any]) -> RunInterval:
    """The data interval the current ingestion run covers (see the module docstring)."""
    start, end = context.get("data_interval_start"), context.get("data_interval_end")
    if start is not None and end is not None:
        return RunInterval(start, end)
    import pendulum
    from airflow.serialization.encoders import coerce_to_core_timetable

    timetable = coerce_to_core_timetable(context["dag"].timetable)
    interval = timetable.infer_manual_data_interval(run_after=pendulum.instance(context["dag_run"].run_after))
    return RunInterval(interval.start, interval.end)


def _as_date(value: object, what: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise RunConfigurationError(f"{what}: {value!r} is not a date (YYYY-MM-DD)") from None


def reporting_date(context: Mapping[str, Any]) -> date:
    """The date the indicator build reports up to (every Art. 42 cut-off on or before it).

    In order: the run's `reporting_date` param (a manual run); the latest end of the data
    intervals landed by the asset events that triggered the run; the run's logical date (the
    daily time fallback, `airflow dags test`); the time the run was due (a manual run with no
    logical date). Never the run's data interval, which asset-triggered runs do not have.
    """
    param = (context.get("params") or {}).get("reporting_date")
    if param:
        return _as_date(param, "param reporting_date")
    landed = [
        _as_date(event.extra["data_interval_end"], "asset event extra data_interval_end")
        for events in _triggering_events(context)
        for event in events
        if (event.extra or {}).get("data_interval_end")
    ]
    if landed:
        return max(landed)
    if (logical := context.get("logical_date")) is not None:
        return _as_date(logical, "logical date")
    return _as_date(context["dag_run"].run_after or datetime.now(UTC), "run_after")


def _triggering_events(context: Mapping[str, Any]) -> list[list[Any]]:
    accessor = context.get("triggering_asset_events")
    if not accessor:
        return []
    return [list(accessor[asset]) for asset in accessor]

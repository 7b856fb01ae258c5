"""What a run covers, whatever started it: the interval of an ingestion run, the reporting date
of the indicator build, and which failures are not retried."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import SimpleNamespace

import jinja2
import pytest
import requests
from airflow.sdk.definitions.retry_policy import RetryAction

from osservatorio.extract.file_drop import FileRejected
from osservatorio.land.migrate import SchemaNotMigrated
from osservatorio.registry import RegistryError
from osservatorio.scheduling import (
    RETRY_POLICY,
    RunConfigurationError,
    ingest_timetable,
    reporting_date,
    run_interval,
)
from osservatorio.validate.batch import BatchRejected


@dataclass
class Event:
    extra: dict


class Events(dict):
    """Stands for Airflow's TriggeringAssetEventsAccessor: asset -> list of events."""


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_run_with_an_interval_covers_it() -> None:
    context = {"data_interval_start": at("2026-11-20"), "data_interval_end": at("2026-11-21")}
    interval = run_interval(context)
    assert (interval.start, interval.end) == (at("2026-11-20"), at("2026-11-21"))


def test_a_manual_run_without_logical_date_covers_the_last_complete_interval() -> None:
    # REST API {"logical_date": null}: no data interval in the context, only when it was due.
    context = {
        "dag": SimpleNamespace(timetable=ingest_timetable("@daily")),
        "dag_run": SimpleNamespace(run_after=at("2026-11-21T15:30:00")),
    }
    interval = run_interval(context)
    assert (interval.start, interval.end) == (at("2026-11-20"), at("2026-11-21"))


def test_daily_intervals_are_a_day_long_not_zero_length() -> None:
    from airflow.serialization.encoders import coerce_to_core_timetable

    core = coerce_to_core_timetable(ingest_timetable("@daily"))
    interval = core.infer_manual_data_interval(run_after=at("2026-11-21"))
    assert interval.end - interval.start == at("2026-11-02") - at("2026-11-01")


def test_the_reporting_date_param_wins() -> None:
    context = {
        "params": {"reporting_date": "2026-06-30"},
        "triggering_asset_events": Events(a=[Event({"data_interval_end": "2026-11-21T00:00:00+00:00"})]),
        "logical_date": at("2026-12-01"),
    }
    assert reporting_date(context) == date(2026, 6, 30)


def test_an_asset_triggered_run_reports_up_to_the_latest_landed_interval() -> None:
    # Asset-triggered runs have neither logical date nor data interval: only the events' extra.
    context = {
        "params": {"reporting_date": None},
        "triggering_asset_events": Events(
            a=[Event({"data_interval_end": "2026-11-20T00:00:00+00:00"})],
            b=[Event({"data_interval_end": "2026-11-21T00:00:00+00:00"}), Event({})],
        ),
        "dag_run": SimpleNamespace(run_after=at("2026-12-25")),
    }
    assert reporting_date(context) == date(2026, 11, 21)


def test_a_run_without_param_or_events_reports_up_to_its_own_date() -> None:
    assert reporting_date({"params": {}, "logical_date": at("2026-12-01T06:00:00")}) == date(2026, 12, 1)
    no_logical_date = {"params": {}, "dag_run": SimpleNamespace(run_after=at("2026-12-02T09:00:00"))}
    assert reporting_date(no_logical_date) == date(2026, 12, 2)


def test_a_malformed_reporting_date_is_a_configuration_error() -> None:
    with pytest.raises(RunConfigurationError, match="not a date"):
        reporting_date({"params": {"reporting_date": "31/12/2026"}})


@pytest.mark.parametrize(
    "failure",
    [
        FileRejected("pilot x: file a.csv: binary"),
        BatchRejected("pilot x: 40% bad rows"),
        RegistryError("pilot x: missing key"),
        RunConfigurationError("bad param"),
        SchemaNotMigrated("warehouse not migrated: run make setup"),
        jinja2.exceptions.UndefinedError("'data_interval_end' is undefined"),
    ],
)
def test_failures_that_cannot_heal_are_not_retried(failure: Exception) -> None:
    assert RETRY_POLICY.evaluate(failure, try_number=1, max_tries=3).action is RetryAction.FAIL


def test_a_missing_connection_is_not_retried() -> None:
    from airflow.sdk.exceptions import AirflowNotFoundException

    missing = AirflowNotFoundException("The conn_id `pilot_x` isn't defined")
    assert RETRY_POLICY.evaluate(missing, try_number=1, max_tries=3).action is RetryAction.FAIL


@pytest.mark.parametrize("failure", [requests.ConnectionError("refused"), TimeoutError(), OSError("disk")])
def test_transient_failures_keep_the_normal_retries(failure: Exception) -> None:
    assert RETRY_POLICY.evaluate(failure, try_number=1, max_tries=3).action is RetryAction.DEFAULT

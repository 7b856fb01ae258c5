"""Which cut-off, known at when and why a run of publish_compliance_packages publishes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from osservatorio.errors import RunConfigurationError
from osservatorio.publish.compliance.request import (
    PackageRequest,
    last_cutoff_before,
    resolve_package_request,
)

NOW = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "cutoff"),
    [
        (date(2027, 1, 1), date(2026, 12, 31)),  # the scheduled run of 1 January
        (date(2026, 12, 31), date(2026, 10, 31)),  # strictly before: not the day itself
        (date(2026, 4, 1), date(2026, 3, 31)),
        (date(2026, 7, 1), date(2026, 6, 30)),
        (date(2026, 9, 1), date(2026, 8, 31)),
        (date(2026, 11, 1), date(2026, 10, 31)),
        (date(2026, 3, 31), date(2025, 12, 31)),
    ],
)
def test_the_last_cutoff_strictly_before_a_day(day: date, cutoff: date) -> None:
    assert last_cutoff_before(day) == cutoff


def context(params: dict | None = None, logical_date: datetime | None = None, run_type: str = "scheduled"):
    run = SimpleNamespace(run_id=f"{run_type}__x", run_after=NOW, run_type=run_type)
    return {"params": params or {}, "dag_run": run, "logical_date": logical_date}


def test_a_scheduled_run_publishes_the_cutoff_before_its_logical_date() -> None:
    req = resolve_package_request(context(logical_date=datetime(2026, 7, 1, 6, tzinfo=UTC)), now=NOW)
    assert req.cutoff == date(2026, 6, 30)
    assert req.known_at == NOW
    assert req.reason == "scheduled run scheduled__x"


def test_a_run_without_logical_date_uses_the_time_it_was_due() -> None:  # asset-triggered, UI default
    req = resolve_package_request(context(run_type="manual"), now=NOW)
    assert req.cutoff == date(2026, 10, 31)  # before 3 December 2026


def test_params_choose_cutoff_known_at_and_reason() -> None:
    params = {"cutoff": "2025-08-31", "known_at": "2026-01-02T03:04:05+00:00", "reason": "audit"}
    req = resolve_package_request(context(params), now=NOW)
    assert (req.cutoff, req.known_at, req.reason) == (
        date(2025, 8, 31),
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "audit",
    )
    assert PackageRequest.from_xcom(req.to_xcom()) == req  # survives the trip through XCom


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"cutoff": "2026-07-31"}, "not an Art. 42 cut-off"),
        ({"cutoff": "30/06/2026"}, "not a date"),
        ({"known_at": "2026-01-02T03:04:05"}, "needs a UTC offset"),
        ({"known_at": "yesterday"}, "not an ISO date-time"),
    ],
)
def test_bad_params_fail_with_a_clear_message(params: dict, words: str) -> None:
    with pytest.raises(RunConfigurationError, match=words):
        resolve_package_request(context(params), now=NOW)


def test_each_run_builds_in_schemas_of_its_own() -> None:
    a = resolve_package_request(context(), now=NOW)
    other = context()
    other["dag_run"].run_id = "manual__y"
    assert a.schema_suffix != resolve_package_request(other, now=NOW).schema_suffix
    assert a.schema_suffix.isidentifier()

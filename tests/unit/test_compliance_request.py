"""Which cut-off, known at when and why a run of publish_compliance_packages publishes: the
programme's transmission calendar (seed reporting_cutoffs), the schedule built from it and the
run -> cut-off mapping, a manual republication's reason, allow_empty and force."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING

import pytest

from osservatorio.errors import RunConfigurationError
from osservatorio.publish.compliance.cutoffs import (
    DAYS_AFTER_ENV,
    days_after_cutoff,
    programme_calendar,
    publication_cron,
    publication_times,
    require_in_calendar,
)
from osservatorio.publish.compliance.request import (
    PackageRequest,
    last_cutoff_before,
    resolve_package_request,
)

if TYPE_CHECKING:
    from pathlib import Path

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
    assert req.reason == "first publication of the 2026-06-30 cut-off by the scheduled run scheduled__x"
    assert (req.allow_empty, req.force) == (False, False)


def test_a_run_without_logical_date_uses_the_time_it_was_due() -> None:  # asset-triggered, UI default
    req = resolve_package_request(context(run_type="manual"), now=NOW)
    assert req.cutoff == date(2026, 10, 31)  # before 3 December 2026


def test_params_choose_cutoff_known_at_and_reason() -> None:
    params = {
        "cutoff": "2025-08-31",
        "known_at": "2026-01-02T03:04:05+00:00",
        "reason": "audit",
        "allow_empty": True,
        "force": "true",
    }
    req = resolve_package_request(context(params), now=NOW)
    assert (req.cutoff, req.known_at, req.reason, req.allow_empty, req.force) == (
        date(2025, 8, 31),
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "audit",
        True,
        True,
    )
    assert PackageRequest.from_xcom(req.to_xcom()) == req  # survives the trip through XCom


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"cutoff": "2026-07-31"}, "not an Art. 42 cut-off"),
        ({"cutoff": "30/06/2026"}, "not a date"),
        ({"known_at": "2026-01-02T03:04:05"}, "needs a UTC offset"),
        ({"known_at": "yesterday"}, "not an ISO date-time"),
        ({"force": "sometimes"}, "param force: 'sometimes' is not true or false"),
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


# ------------------------------------------------------------------ the programme's calendar
# CPR Art. 42(1) as the seed records it: first transmission due 31 Jan 2022 (cut-off 31 Dec 2021),
# last due 31 Jan 2030 (cut-off 31 Dec 2029). The valid range every refusal names:
RANGE = (
    r"from 2021-12-31 \(first transmission, due 2022-01-31\)"
    r" to 2029-12-31 \(last transmission, due 2030-01-31\)"
)


@pytest.mark.parametrize(
    ("cutoff", "words"),
    [
        ("2031-06-30", "outside the programme's transmission calendar"),  # after the programme
        ("2030-03-31", "outside the programme's transmission calendar"),  # after the last transmission
        ("2021-10-31", "outside the programme's transmission calendar"),  # before the first one
        ("2021-06-30", "outside the programme's transmission calendar"),
        ("2026-07-31", "not an Art. 42 cut-off"),  # not a cut-off day at all
    ],
)
def test_a_cutoff_outside_the_calendar_is_refused_with_the_valid_range(cutoff: str, words: str) -> None:
    with pytest.raises(RunConfigurationError, match=words) as refused:
        resolve_package_request(context({"cutoff": cutoff}), now=NOW)
    assert refused.match(RANGE)
    assert cutoff in str(refused.value)


@pytest.mark.parametrize("cutoff", [date(2021, 12, 31), date(2026, 8, 31), date(2029, 12, 31)])
def test_the_first_and_last_transmission_and_those_between_are_accepted(cutoff: date) -> None:
    assert resolve_package_request(context({"cutoff": cutoff.isoformat()}), now=NOW).cutoff == cutoff


def test_a_run_whose_date_maps_outside_the_calendar_is_refused() -> None:
    with pytest.raises(RunConfigurationError, match=RANGE):  # 2031-06-30, the docs' old example
        resolve_package_request(context(logical_date=datetime(2031, 7, 10, 6, tzinfo=UTC)), now=NOW)


def test_the_calendar_is_the_seed_from_the_first_to_the_last_transmission() -> None:
    days = ((3, 31), (6, 30), (8, 31), (10, 31), (12, 31))
    expected = [date(2021, 12, 31)] + [date(y, m, d) for y in range(2022, 2030) for m, d in days]
    calendar = programme_calendar()
    assert [c.cutoff_date for c in calendar] == expected
    assert all(c.submission_period == f"{c.cutoff_date:%Y%m}" for c in calendar)
    assert [c.cutoff_date for c in calendar if c.transmits_indicators] == [
        d for d in expected if d.month in (6, 12)
    ]
    assert require_in_calendar(date(2026, 6, 30)).due_date == date(2026, 7, 31)


# ------------------------------------------------------------------ the schedule
@pytest.mark.parametrize("days_after", [1, 10, 29])
def test_each_scheduled_run_publishes_its_own_cutoff(days_after: int) -> None:
    """The schedule is a run `days_after` days after each cut-off of the calendar at 06:00, and
    each run (with that logical date) resolves to that cut-off: one package per cut-off."""
    times = publication_times(days_after)
    calendar = programme_calendar()
    assert len(times) == len(calendar) == 41
    for when, row in zip(times, calendar, strict=True):
        assert when == datetime.combine(
            row.cutoff_date + timedelta(days=days_after), datetime.min.time(), UTC
        ).replace(hour=6)
        assert when.date() < row.due_date  # well before it is due
        run = resolve_package_request(context(logical_date=when), now=NOW)
        assert run.cutoff == row.cutoff_date


@pytest.mark.parametrize("days_after", [1, 10, 29])
def test_the_cron_between_the_first_and_last_publication_fires_exactly_then(days_after: int) -> None:
    """The DAG's CronTriggerTimetable (start and end dates: the first and last publication time)."""
    minute, hour, day, months, weekday = publication_cron(days_after).split()
    assert (minute, hour, day, weekday) == ("0", "6", str(days_after), "*")
    times = publication_times(days_after)
    first, last = times[0].date(), times[-1].date()
    fired = [
        datetime.combine(first + timedelta(days=n), datetime.min.time(), UTC).replace(hour=6)
        for n in range((last - first).days + 1)
        if (first + timedelta(days=n)).day == days_after
        and (first + timedelta(days=n)).month in {int(m) for m in months.split(",")}
    ]
    assert fired == times
    assert months == "1,4,7,9,11"  # the months after March, June, August, October, December


@pytest.mark.parametrize("days_after", [0, 30, -3])
def test_a_schedule_reaching_a_due_date_is_refused(days_after: int) -> None:
    # 30 days after 31 March is 30 April, its due date: too late. 0: the cut-off day itself.
    with pytest.raises(RunConfigurationError, match=DAYS_AFTER_ENV):
        publication_times(days_after)


def test_the_days_after_a_cutoff_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DAYS_AFTER_ENV, raising=False)
    assert days_after_cutoff() == 10
    monkeypatch.setenv(DAYS_AFTER_ENV, "15")
    assert days_after_cutoff() == 15
    monkeypatch.setenv(DAYS_AFTER_ENV, "ten")
    with pytest.raises(RunConfigurationError, match="not a whole number"):
        days_after_cutoff()


# ------------------------------------------------------------------ a republication's reason
def published(root: Path, period: str) -> Path:
    (root / period / "v001").mkdir(parents=True)
    return root


@pytest.mark.parametrize(
    "reason", [None, "", "   ", "manual run manual__2026-12-03T06:00:00+00:00", "manual__x"]
)
def test_a_manual_republication_without_a_written_reason_is_refused(
    tmp_path: Path, reason: str | None
) -> None:
    root = published(tmp_path, "202606")
    params = {"cutoff": "2026-06-30", "reason": reason}
    with pytest.raises(
        RunConfigurationError, match=r"already has a published package \(v001\).*needs the `reason` param"
    ):
        resolve_package_request(context(params, run_type="manual"), now=NOW, packages_root=root)


def test_a_manual_republication_with_a_reason_and_a_first_publication_go_ahead(tmp_path: Path) -> None:
    root = published(tmp_path, "202606")
    params = {"cutoff": "2026-06-30", "reason": "  correction of OP-7's cost landed  "}
    req = resolve_package_request(context(params, run_type="manual"), now=NOW, packages_root=root)
    assert req.reason == "correction of OP-7's cost landed"
    first = resolve_package_request(
        context({"cutoff": "2026-08-31"}, run_type="manual"), now=NOW, packages_root=root
    )
    assert first.reason == "first publication of the 2026-08-31 cut-off by the manual run manual__x"


@pytest.mark.parametrize("run_type", ["scheduled", "backfill"])
def test_an_unattended_rerun_needs_no_reason(tmp_path: Path, run_type: str) -> None:
    root = published(tmp_path, "202606")
    req = resolve_package_request(
        context(logical_date=datetime(2026, 7, 10, 6, tzinfo=UTC), run_type=run_type),
        now=NOW,
        packages_root=root,
    )
    assert req.reason == f"republication of the 2026-06-30 cut-off by the {run_type} run {run_type}__x"

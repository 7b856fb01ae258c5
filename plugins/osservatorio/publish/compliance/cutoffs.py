"""The Art. 42 transmission calendar (domain.md §3), read from the one place it is kept: the dbt
seed `dbt_project/seeds/reporting_cutoffs.csv` (a file read, no database: the DAG's schedule is
built from it at parse time).

- The cut-off days (31 Mar, 30 Jun, 31 Aug, 31 Oct, 31 Dec) and which of them carry Tables 6 and
  10 are the seed's pattern; `submission_period` refuses any other day.
- The programme's calendar is the seed's rows with `in_programme_calendar`: from its first
  transmission to its last. `require_in_calendar` refuses any other cut-off, with the valid range.
- The publication schedule: a number of days after each cut-off of the calendar (10 by default,
  `OSSERVATORIO_PACKAGE_DAYS_AFTER_CUTOFF`), before the cut-off's due date: `publication_times`,
  and the same as a cron between the first and the last of them (`publication_cron`; Airflow
  3.3's EventsTimetable does not survive DAG serialization: its `_summary` is not serialized).
"""

from __future__ import annotations

import csv
import functools
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from osservatorio.errors import RunConfigurationError
from osservatorio.paths import DBT_PROJECT_DIR

if TYPE_CHECKING:
    from pathlib import Path

SEED = DBT_PROJECT_DIR / "seeds" / "reporting_cutoffs.csv"
DAYS_AFTER_ENV = "OSSERVATORIO_PACKAGE_DAYS_AFTER_CUTOFF"
# Late records for intervals up to the cut-off land in the days after it; the due date is a month later.
DEFAULT_DAYS_AFTER = 10
PUBLICATION_HOUR = 6  # local time of the schedule (scheduling.TIMEZONE)


@dataclass(frozen=True)
class Cutoff:
    cutoff_date: date
    submission_period: str
    due_date: date
    transmits_indicators: bool
    in_programme_calendar: bool


def _flag(text: str) -> bool:
    if text not in ("true", "false"):
        raise ValueError(f"{SEED.name}: {text!r} is not true/false")
    return text == "true"


@functools.cache
def seed_cutoffs(seed: Path = SEED) -> tuple[Cutoff, ...]:
    """Every row of the seed, in date order."""
    with seed.open(encoding="utf-8", newline="") as handle:
        rows = [
            Cutoff(
                cutoff_date=date.fromisoformat(row["cutoff_date"]),
                submission_period=row["submission_period"],
                due_date=date.fromisoformat(row["due_date"]),
                transmits_indicators=_flag(row["transmits_indicators"]),
                in_programme_calendar=_flag(row["in_programme_calendar"]),
            )
            for row in csv.DictReader(handle)
        ]
    return tuple(sorted(rows, key=lambda c: c.cutoff_date))


def programme_calendar() -> tuple[Cutoff, ...]:
    """The cut-offs the programme transmits, first to last."""
    return tuple(c for c in seed_cutoffs() if c.in_programme_calendar)


def _indicator_days() -> dict[tuple[int, int], bool]:
    """(month, day) of each cut-off day -> whether that cut-off carries Tables 6 and 10."""
    return {(c.cutoff_date.month, c.cutoff_date.day): c.transmits_indicators for c in seed_cutoffs()}


def cutoff_days() -> tuple[tuple[int, int], ...]:
    """(month, day) of the five cut-offs in calendar order; data are cumulative up to the cut-off."""
    return tuple(sorted(_indicator_days()))


def _days_text() -> str:
    return ", ".join(f"{date(2000, m, d):%-d %b}" for m, d in cutoff_days())


def calendar_range() -> str:
    """The valid range, for messages: first and last cut-off of the programme, with their due dates."""
    cal = programme_calendar()
    first, last = cal[0], cal[-1]
    return (
        f"the programme's Art. 42 cut-offs run from {first.cutoff_date} (first transmission, due "
        f"{first.due_date}) to {last.cutoff_date} (last transmission, due {last.due_date}), "
        f"on {_days_text()}"
    )


def submission_period(cutoff: date) -> str:
    """The SFC submission period `YYYYMM` of an Art. 42 cut-off day (refuses any other date)."""
    if (cutoff.month, cutoff.day) not in _indicator_days():
        raise RunConfigurationError(f"{cutoff.isoformat()} is not an Art. 42 cut-off ({_days_text()})")
    return f"{cutoff:%Y%m}"


def carries_indicator_tables(cutoff: date) -> bool:
    submission_period(cutoff)
    return _indicator_days()[(cutoff.month, cutoff.day)]


def require_in_calendar(cutoff: date) -> Cutoff:
    """The calendar's row of `cutoff`; any date outside the programme's calendar is refused with
    the valid range (a cut-off after the programme or before its first transmission has no package)."""
    if (cutoff.month, cutoff.day) not in _indicator_days():
        raise RunConfigurationError(f"{cutoff.isoformat()} is not an Art. 42 cut-off: {calendar_range()}")
    for row in programme_calendar():
        if row.cutoff_date == cutoff:
            return row
    raise RunConfigurationError(
        f"{cutoff.isoformat()} is outside the programme's transmission calendar: {calendar_range()}"
    )


def last_cutoff_before(day: date) -> date:
    """The latest Art. 42 cut-off day strictly before `day` (in the calendar or not: the caller
    checks that)."""
    for year in (day.year, day.year - 1):
        for month, dom in reversed(cutoff_days()):
            if (cutoff := date(year, month, dom)) < day:
                return cutoff
    raise AssertionError("unreachable: every year has cut-offs")


def days_after_cutoff() -> int:
    """How many days after each cut-off its package is published (env, default 10)."""
    raw = os.environ.get(DAYS_AFTER_ENV, "").strip() or str(DEFAULT_DAYS_AFTER)
    try:
        days = int(raw)
    except ValueError:
        raise RunConfigurationError(f"{DAYS_AFTER_ENV}={raw!r} is not a whole number of days") from None
    return days


def publication_times(days_after: int, tz: str = "UTC") -> list[datetime]:
    """When the schedule publishes: `days_after` days after each cut-off of the calendar at 06:00
    in `tz`. Every time must fall after the cut-off and before its due date: a run then publishes
    the last cut-off strictly before it (request.py), and the package is ready in time."""
    import pendulum

    zone = pendulum.timezone(tz)
    times = []
    for row in programme_calendar():
        day = row.cutoff_date + timedelta(days=days_after)
        when = pendulum.datetime(day.year, day.month, day.day, PUBLICATION_HOUR, tz=zone)
        if days_after < 1 or when.date() >= row.due_date:
            raise RunConfigurationError(
                f"{DAYS_AFTER_ENV}={days_after}: the package of {row.cutoff_date} would be published on "
                f"{when.date()}, not after the cut-off and before its due date {row.due_date}"
            )
        times.append(when)
    return times


def publication_cron(days_after: int) -> str:
    """`publication_times` as a cron, for `CronTriggerTimetable` between the first and the last of
    those times (the DAG's start and end dates). Every cut-off is the last day of its month, so
    `days_after` days after it is day `days_after` of the next month."""
    publication_times(days_after)  # refuses a time outside (cut-off, due date)
    calendar = programme_calendar()
    if any((c.cutoff_date + timedelta(days=1)).day != 1 for c in calendar):
        raise RunConfigurationError(f"{SEED.name}: a cut-off that is not the last day of a month")
    months = sorted({(c.cutoff_date + timedelta(days=1)).month for c in calendar})
    return f"0 {PUBLICATION_HOUR} {days_after} {','.join(map(str, months))} *"


def end_of_cutoff(cutoff: date) -> datetime:
    """The first instant after the cut-off day (UTC): data landed up to here cover the cut-off."""
    return datetime.combine(cutoff + timedelta(days=1), time(0), UTC)

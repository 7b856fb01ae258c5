"""Result events: what happened to participants around and after their exit.

Slots 0..size-1 are one event per enrolment slot (mostly on or after the exit: within the
28-day window, its edges, later; some before the exit; some for participants still in); slots
from `size` on are six-month follow-up survey answers, one for every third enrolment slot; the
last size/40 slots are a second labour-market event on the same day as an upon-leaving one of
the same enrolment, of the rival kind (job searching beside employment, or the reverse), so that
the tie rule of EECR01 / EECR04 (employment wins) has cases.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from pilot_systems.generators.base import EntityGenerator, LinearClock, rng, unit, weighted

if TYPE_CHECKING:
    import random

    from pilot_systems.generators.base import Canonical, Simulation
    from pilot_systems.generators.enrolments import EnrolmentGenerator

UPON_LEAVING_TYPES = [
    ("employment", 0.33),
    ("job_searching", 0.35),
    ("education_training", 0.14),
    ("qualification", 0.12),
    ("self_employment", 0.06),
]
FOLLOW_UP_TYPES = [
    ("employment", 0.45),
    ("self_employment", 0.07),
    ("job_searching", 0.35),
    ("education_training", 0.13),
]
EMPLOYMENT_TYPES = [("employment", 0.8), ("self_employment", 0.2)]
EMPLOYMENT = {"employment", "self_employment"}
LABOUR_MARKET = EMPLOYMENT | {"job_searching"}
DURING_TYPES = [("education_training", 0.4), ("qualification", 0.3), ("job_searching", 0.3)]


def plus_months(day: date, months: int) -> date:
    """Calendar months later, clipped to the month's last day (31 Aug + 6 = 28/29 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class ResultEventGenerator(EntityGenerator):
    entity = "result_events"
    defect_kinds = (
        "duplicate",
        "future_event_date",
        "missing_event_type",
        "missing_event_date",
        "orphan_enrolment",
    )

    def __init__(self, sim: Simulation, enrolments: EnrolmentGenerator) -> None:
        super().__init__(sim)
        self.enrolments = enrolments
        self.clock = LinearClock(sim, self.count)

    @property
    def first_tie_slot(self) -> int:
        return self.sim.size + self.sim.size // 3

    @property
    def count(self) -> int:
        return self.first_tie_slot + self.sim.size // 40

    def _tied_with(self, slot: int) -> Canonical | None:
        """A clean upon-leaving labour-market event of the first block for a tie slot to match."""
        size = self.sim.size
        start = int(unit(self.sim.seed, self.sim.pilot, "tie", slot) * size)
        for k in range(60):
            draft = self.record((start + 7 * k) % size)
            event = draft.canonical
            if draft.defects or event["event_type"] not in LABOUR_MARKET:
                continue
            exit_ = self.enrolments.record((start + 7 * k) % size).canonical["exit_date"]
            day = event["event_date"]
            if (
                isinstance(exit_, date)
                and isinstance(day, date)
                and exit_ <= day <= exit_ + timedelta(days=28)
            ):
                return event
        return None

    def raw_updated_at(self, slot: int) -> datetime:
        return self.clock.at(slot)

    def _enrolment_slot(self, slot: int) -> tuple[int, bool]:
        """The enrolment slot an event follows, and whether it is a follow-up answer."""
        size = self.sim.size
        if slot < size:
            return slot, False
        if slot >= self.first_tie_slot:  # a tie slot without a match: an ordinary event
            return (slot - self.first_tie_slot) * 40 % size, False
        first = min((slot - size) * 3, size - 1)
        for candidate in range(first, min(first + 3, size)):
            if self.enrolments.dates(candidate)[1] is not None:
                return candidate, True
        return first, True

    def build(self, slot: int, at: datetime | None, defect: str | None) -> Canonical:
        r = rng(self.sim.seed, self.sim.pilot, "event", slot)
        today = self.sim.today
        tied = self._tied_with(slot) if at is None and slot >= self.first_tie_slot else None
        if at is not None:  # appended: a fresh observation about an existing enrolment
            enrolment = self.enrolments.record(r.randrange(self.sim.size)).canonical
            kind, day, follow_up = weighted(r, UPON_LEAVING_TYPES), at.date(), False
        elif tied is not None:  # the rival kind on the same day, for the same enrolment
            enrolment = {"enrolment_id": tied["enrolment_id"]}
            rival = "job_searching" if tied["event_type"] in EMPLOYMENT else weighted(r, EMPLOYMENT_TYPES)
            kind, day, follow_up = rival, tied["event_date"], False
        else:
            enrolment_slot, follow_up = self._enrolment_slot(slot)
            enrolment = self.enrolments.record(enrolment_slot).canonical
            kind, day, follow_up = self._when(r, enrolment, follow_up, today)
        record: Canonical = {
            "event_id": self.prefixed("E", slot),
            "enrolment_id": enrolment["enrolment_id"],
            "event_type": kind,
            "event_date": day,
            "from_follow_up": follow_up,
            "source_updated_at": at or self.raw_updated_at(slot),
        }
        if defect == "future_event_date":
            record["event_date"] = today + timedelta(days=r.randint(5, 120))
        elif defect == "missing_event_type":
            record["event_type"] = None
        elif defect == "missing_event_date":
            record["event_date"] = None
        elif defect == "orphan_enrolment":
            record["enrolment_id"] = self.prefixed("9", slot)  # no enrolment has this id
        return record

    @staticmethod
    def _when(
        r: random.Random, enrolment: Canonical, follow_up: bool, today: date
    ) -> tuple[object, date, bool]:
        entry, exit_ = enrolment["entry_date"], enrolment["exit_date"]
        if not isinstance(entry, date) or entry > today:
            entry = today - timedelta(days=30)
        if not isinstance(exit_, date):  # still in: progress during the operation
            return weighted(r, DURING_TYPES), min(entry + timedelta(days=r.randint(10, 200)), today), False
        if follow_up:
            day = plus_months(exit_, 6) + timedelta(days=r.randint(-10, 5))
            if day <= today:
                return weighted(r, FOLLOW_UP_TYPES), day, True
            follow_up = False  # the survey is not due yet: an ordinary event instead
        roll = r.random()
        if roll < 0.55:  # upon leaving: within 28 days
            day = exit_ + timedelta(days=r.randint(0, 28))
        elif roll < 0.65:  # on the edges of the window (28 counts, 29 does not)
            day = exit_ + timedelta(days=r.choice([0, 27, 28, 29, 30]))
        elif roll < 0.80:  # later than the window
            day = exit_ + timedelta(days=r.randint(29, 150))
        else:  # before the exit: never counts
            day = max(exit_ - timedelta(days=r.randint(1, 60)), entry)
            return weighted(r, [*DURING_TYPES, ("employment", 0.2)]), min(day, today), False
        return weighted(r, UPON_LEAVING_TYPES), min(day, today), follow_up

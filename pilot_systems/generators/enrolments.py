"""Participant enrolments: the bulk of every pilot, `size` slots in updated_at order.

A record's last change is its exit (about 70% have left) or, while the participant is still in,
its entry: dates are derived backwards from the slot's updated_at, so the clock stays monotone
and every record is consistent with when it was last written. About 3% of enrolments are a
re-entry of an earlier participant into the same operation (25% of the latest tenth); some of
them start while the earlier stay is still open (overlapping stays of one participation).

Two defect kinds register a person twice: the enrolment of the slot before is repeated under the
slot's own enrolment id, same person, operation and entry date. `same_day_duplicate` agrees on
every Annex I point 1.1 datum (gender, birth date, education, labour status): one participation,
the record lands; the second registration may still be open (no exit) or may differ on a point
1.2 answer (the first registration's counts). `conflicting_same_day` disagrees on a point 1.1
datum (labour status or education): both records are refused, so the record it copies is
labelled too.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from pilot_systems.generators.at_entry import answers_at_entry
from pilot_systems.generators.base import EPOCH, EntityGenerator, LinearClock, rng, unit, weighted
from pilot_systems.generators.people import person
from pilot_systems.identifiers import break_tax_code
from pilot_systems.territories import NOT_COMUNI

if TYPE_CHECKING:
    import random
    from collections.abc import Callable

    from pilot_systems.catalogue import Operation
    from pilot_systems.generators.base import Canonical, Simulation

EXIT_SHARE = 0.70
REENTRY_SHARE = 0.03
# The latest tenth of enrolments re-enter more often, so that a cut-off some months back already
# sees participants who have re-entered since (their re-entry must not count at that cut-off).
LATE_REENTRY_SHARE = 0.25
# Of the re-entries that start before the first stay has ended, this share is kept as an
# overlapping stay of the same participation (the rest become a participant of their own).
OVERLAP_SHARE = 0.6
MISSING_KINDS = ("missing_gender", "missing_birth_date", "missing_education", "missing_labour_status")
LABOUR_STATUSES = [("unemployed", 0.60), ("inactive", 0.22), ("employed", 0.13), ("self_employed", 0.05)]


class EnrolmentGenerator(EntityGenerator):
    entity = "participant_enrolments"
    defect_kinds = (
        "bad_tax_code",
        "missing_gender",
        "missing_birth_date",
        "missing_education",
        "missing_labour_status",
        "bad_education",
        "exit_before_entry",
        "duplicate",
        "unknown_comune",
        "future_entry_date",
        "same_day_duplicate",
        "conflicting_same_day",
    )
    copy_kinds = frozenset({"same_day_duplicate", "conflicting_same_day"})
    marks_original = frozenset({"conflicting_same_day"})

    def __init__(self, sim: Simulation) -> None:
        super().__init__(sim)
        self.clock = LinearClock(sim, sim.size)
        self.missing_kinds = [k for k in MISSING_KINDS if k in self.enabled_defects]

    def chosen_defect(self, slot: int) -> str | None:
        """Besides the usual draw, re-entries often lack a point 1.1 datum (twice the defect rate):
        the participation keeps the first enrolment's data and takes the re-entry's exit."""
        defect = super().chosen_defect(slot)
        if (
            defect is None
            and self.missing_kinds
            and self._reentry_candidate(slot) is not None
            and unit(self.sim.seed, self.sim.pilot, "reentry-incomplete", slot) < 2 * self.sim.defect_rate
        ):
            pick = unit(self.sim.seed, self.sim.pilot, "reentry-missing", slot)
            return self.missing_kinds[int(pick * len(self.missing_kinds))]
        return defect

    @property
    def count(self) -> int:
        return self.sim.size

    def raw_updated_at(self, slot: int) -> datetime:
        return self.clock.at(slot)

    def enrolment_id(self, slot: int) -> str:
        return self.prefixed("", slot)

    def dates(self, slot: int, anchor: date | None = None) -> tuple[date, date | None]:
        """Entry and exit of a slot (before defects); `anchor` is the day of its last change."""
        r = rng(self.sim.seed, self.sim.pilot, "dates", slot)
        fresh = anchor is not None  # an appended record: a new enrolment, still in
        anchor = anchor or self.raw_updated_at(slot).date()
        lag = r.randint(0, 6)
        if not fresh and r.random() < EXIT_SHARE:
            exit_: date | None = anchor - timedelta(days=lag)
            entry = exit_ - timedelta(days=r.randint(20, 420))
        else:
            entry, exit_ = anchor - timedelta(days=lag), None
        if entry < EPOCH:  # the operations started on EPOCH
            entry = EPOCH + timedelta(days=slot % 20)
            if exit_ is not None and exit_ <= entry:
                exit_ = entry + timedelta(days=20 + slot % 30)
        return entry, exit_

    def _reentry_candidate(self, slot: int) -> int | None:
        share = LATE_REENTRY_SHARE if slot >= 0.9 * self.count else REENTRY_SHARE
        if slot <= 50 or slot >= self.count or unit(self.sim.seed, self.sim.pilot, "reentry", slot) >= share:
            return None
        return int(unit(self.sim.seed, self.sim.pilot, "reentry-of", slot) * slot)

    def person_no(self, slot: int) -> int:
        """The slot that holds the person's first enrolment (itself, unless this is a re-entry)."""
        earlier = self._reentry_candidate(slot)
        if (
            earlier is None
            or self.is_duplicate(earlier)
            or self.copy_kind(earlier) is not None
            or self._reentry_candidate(earlier) is not None
        ):
            return slot
        first_entry, first_exit = self.dates(earlier)
        entry = self.dates(slot)[0]
        if first_exit is not None and first_exit < entry:  # a re-entry after a break
            return earlier
        # Stays may overlap: some re-enrol while their first stay is still open (or ends later),
        # on another day (the same day would be a same-day duplicate).
        overlaps = unit(self.sim.seed, self.sim.pilot, "overlapping-stay", slot) < OVERLAP_SHARE
        return earlier if overlaps and first_entry < entry else slot

    def _nested_exit(self, slot: int, person_no: int, entry: date, exit_: date) -> date:
        """Half of the overlapping stays that end while the earlier stay is still open end first
        (the later-starting stay ends before the earlier one: the participation's exit is the
        earlier stay's)."""
        first_exit = self.dates(person_no)[1]
        nests = unit(self.sim.seed, self.sim.pilot, "nested-stay", slot) < 0.5
        if nests and first_exit is not None and entry < first_exit <= exit_:
            return entry + (first_exit - entry) // 2
        return exit_

    def operation_of(self, person_no: int) -> Operation:
        ops = self.sim.active_operations
        return ops[int(unit(self.sim.seed, self.sim.pilot, "op", person_no) * len(ops))]

    def build(self, slot: int, at: datetime | None, defect: str | None) -> Canonical:
        entry, exit_ = self.dates(slot, at.date() if at else None)
        person_no = self.person_no(slot) if at is None else slot
        if person_no != slot and exit_ is not None:
            exit_ = self._nested_exit(slot, person_no, entry, exit_)
        who = person(self.sim, person_no, self.dates(person_no)[0] if person_no != slot else entry)
        operation = self.operation_of(person_no)
        r = rng(self.sim.seed, self.sim.pilot, "enrolment", slot)
        age = (entry - who["birth_date"]).days // 365  # type: ignore[operator]
        if age < 16:  # compulsory schooling: not in the labour force
            status = "inactive"
        else:
            status = "inactive" if age < 18 and r.random() < 0.7 else weighted(r, LABOUR_STATUSES)
        months = None
        if status == "unemployed":  # long-term: > 6 months under 25, > 12 from 25
            months = weighted(
                r, [(r.randint(0, 5), 0.35), (r.randint(6, 12), 0.25), (r.randint(13, 120), 0.40)]
            )
        if operation.target_group == "homeless":  # target-group reporting: the answer is often not asked
            who["homeless"] = weighted(r, [("yes", 0.55), ("unknown", 0.45)])
        # Project answers (SDG 8.6, 1.2), each from a draw of its own: the draws above stay as they were.
        at_entry = answers_at_entry(self.sim.pilot, self.sim.seed, slot, age, status, months, who["homeless"])
        record: Canonical = {
            "enrolment_id": self.enrolment_id(slot),
            "operation_id": operation.code,
            **who,
            "labour_status": status,
            "unemployment_months": months,
            **at_entry,
            "entry_date": entry,
            "exit_date": exit_,
            "source_updated_at": at or self.raw_updated_at(slot),
        }
        if defect:
            INJECT[defect](record, r, self.sim.today)
        return record

    def build_copy(self, slot: int, kind: str, original: Canonical) -> Canonical:
        """The person registered again in the same operation on the same entry date."""
        r = rng(self.sim.seed, self.sim.pilot, "copy", slot)
        record = {
            **original,
            "enrolment_id": self.enrolment_id(slot),
            "source_updated_at": self.raw_updated_at(slot),
        }
        if kind == "same_day_duplicate":
            if record["exit_date"] is not None and r.random() < 0.4:  # the second registration is still open
                record["exit_date"] = None
            if r.random() < 0.5:  # a point 1.2 answer that differs (allowed: not point 1.1)
                record["disability"] = "unknown" if original["disability"] == "yes" else "yes"
        elif r.random() < 0.7 or original["labour_status"] is None:
            statuses = [s for s, _ in LABOUR_STATUSES if s != original["labour_status"]]
            record["labour_status"] = r.choice(statuses)
            record["unemployment_months"] = (
                r.randint(0, 40) if record["labour_status"] == "unemployed" else None
            )
        else:
            record["isced_level"] = r.choice([n for n in range(9) if n != original["isced_level"]])
        return record

    def touch(self, record: Canonical, at: datetime) -> Canonical:
        """The usual change: a participant still in leaves (the exit date is set)."""
        new = {**record, "source_updated_at": at}
        entry = record["entry_date"]
        if record["exit_date"] is None and isinstance(entry, date) and entry <= at.date():
            new["exit_date"] = at.date()
        return new


def _set(field: str, value: object) -> Callable[[Canonical, random.Random, date], None]:
    def inject(record: Canonical, r: random.Random, today: date) -> None:
        record[field] = value

    return inject


def _bad_tax_code(record: Canonical, r: random.Random, today: date) -> None:
    record["tax_code"] = break_tax_code(str(record["tax_code"]))


def _missing_labour_status(record: Canonical, r: random.Random, today: date) -> None:
    record["labour_status"] = record["unemployment_months"] = None


def _exit_before_entry(record: Canonical, r: random.Random, today: date) -> None:
    record["exit_date"] = record["entry_date"] - timedelta(days=15)  # type: ignore[operator]


def _unknown_comune(record: Canonical, r: random.Random, today: date) -> None:
    record["residence_comune"] = r.choice(NOT_COMUNI)


def _future_entry_date(record: Canonical, r: random.Random, today: date) -> None:
    record["entry_date"], record["exit_date"] = today + timedelta(days=r.randint(10, 200)), None


INJECT = {
    "bad_tax_code": _bad_tax_code,
    "missing_gender": _set("gender", None),
    "missing_birth_date": _set("birth_date", None),
    "missing_education": _set("isced_level", None),
    "missing_labour_status": _missing_labour_status,
    "bad_education": _set("isced_level", 11),
    "exit_before_entry": _exit_before_entry,
    "unknown_comune": _unknown_comune,
    "future_entry_date": _future_entry_date,
}

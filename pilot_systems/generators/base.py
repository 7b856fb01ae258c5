"""What every record-type generator shares: seeded randomness, the clock, defects, duplicates."""

from __future__ import annotations

import hashlib
import random
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pilot_systems.catalogue import Operation

# The simulated systems record their first changes on SIM_START; enrolments start on EPOCH at the
# earliest (the operations' start). DEFAULT_TODAY is the systems' "today" unless told otherwise.
EPOCH = date(2022, 1, 10)
SIM_START = datetime(2022, 2, 1, tzinfo=UTC)
DEFAULT_TODAY = date(2026, 11, 20)
DUPLICATE = "duplicate"

Canonical = dict[str, object]


def unit(*parts: object) -> float:
    """A uniform number in [0, 1) that depends only on `parts` (cheaper than seeding a Random)."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest) / 2**64


def rng(*parts: object) -> random.Random:
    return random.Random(":".join(map(str, parts)))


def weighted(r: random.Random, choices: Sequence[tuple[object, float]]) -> object:
    return r.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


@dataclass(frozen=True)
class Draft:
    """A canonical record and the defects deliberately injected into it (ground truth)."""

    canonical: Canonical
    defects: tuple[str, ...] = ()


@dataclass(frozen=True)
class Simulation:
    """The parameters every generator of one pilot shares."""

    pilot: str
    prefix: str  # the pilot's id prefix (e.g. COL): ids are <prefix>-<number>
    operations: tuple[Operation, ...]
    size: int  # participant enrolments (other record types are sized from it)
    seed: int
    defect_rate: float
    defects: frozenset[str] | None = None  # the defect kinds to inject; None: all of the type
    today: date = DEFAULT_TODAY

    @cached_property
    def active_operations(self) -> tuple[Operation, ...]:
        """The operations participants, supported entities and expenditure belong to."""
        return tuple(op for op in self.operations if op.has_activity)

    @property
    def end(self) -> datetime:
        """Base records were all last changed before this instant; later changes come from touch/append."""
        return midnight(self.today)


class EntityGenerator(ABC):
    """Base slots 0..count-1 in updated_at order; `record(slot)` builds one on demand.

    A slot whose defect is `duplicate` repeats the record of the slot before it (same id, same
    updated_at), so the record is served or written twice in one batch.

    A slot whose defect is one of `copy_kinds` is another record made from the slot before it
    (`build_copy`): its own id and updated_at, the same subject. It copies only a slot without any
    defect of its own; otherwise it is an ordinary record without a defect. A copy kind listed in
    `marks_original` labels the copied record too (both are refused: the ground truth says so).
    """

    entity: str
    defect_kinds: tuple[str, ...] = ()
    copy_kinds: frozenset[str] = frozenset()
    marks_original: frozenset[str] = frozenset()

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        enabled = (
            self.defect_kinds
            if sim.defects is None
            else tuple(k for k in self.defect_kinds if k in sim.defects)
        )
        self.enabled_defects = enabled

    @property
    @abstractmethod
    def count(self) -> int: ...

    @abstractmethod
    def raw_updated_at(self, slot: int) -> datetime:
        """Last change of the slot's own record: non-decreasing in the slot number."""

    @abstractmethod
    def build(self, slot: int, at: datetime | None, defect: str | None) -> Canonical:
        """The canonical record of a slot; `at` is set for appended records (created then)."""

    def touch(self, record: Canonical, at: datetime) -> Canonical:
        """A new version of a record changed at `at` (subclasses change more than the timestamp)."""
        return {**record, "source_updated_at": at}

    # -- defects and duplicates ---------------------------------------------------------------
    def chosen_defect(self, slot: int) -> str | None:
        if not self.enabled_defects or unit(self.sim.seed, self.sim.pilot, self.entity, "defect", slot) >= (
            self.sim.defect_rate
        ):
            return None
        pick = unit(self.sim.seed, self.sim.pilot, self.entity, "kind", slot)
        return self.enabled_defects[int(pick * len(self.enabled_defects))]

    def is_duplicate(self, slot: int) -> bool:
        """A duplicate repeats the slot before it, which is never a duplicate itself."""
        return (
            slot > 0
            and slot < self.count
            and self.chosen_defect(slot) == DUPLICATE
            and self.chosen_defect(slot - 1) != DUPLICATE
        )

    def copy_kind(self, slot: int) -> str | None:
        """The copy kind of a slot that is a copy of the slot before it (see the class docstring)."""
        if slot <= 0 or slot >= self.count:
            return None
        kind = self.chosen_defect(slot)
        return kind if kind in self.copy_kinds and self.chosen_defect(slot - 1) is None else None

    def is_copied(self, slot: int) -> bool:
        """Whether the slot after this one is a duplicate or a copy made from it."""
        return self.is_duplicate(slot + 1) or self.copy_kind(slot + 1) is not None

    def updated_at(self, slot: int) -> datetime:
        return self.raw_updated_at(slot - 1 if self.is_duplicate(slot) else slot)

    def build_copy(self, slot: int, kind: str, original: Canonical) -> Canonical:
        """The record of a copy slot made from the canonical record of the slot before it."""
        raise NotImplementedError(kind)

    def record(self, slot: int) -> Draft:
        if self.is_duplicate(slot):
            original = self.record(slot - 1)
            return replace(original, defects=(DUPLICATE, *original.defects))
        kind = self.copy_kind(slot)
        if kind is not None:
            return Draft(self.build_copy(slot, kind, self.build(slot - 1, None, None)), (kind,))
        defect = self.chosen_defect(slot)
        defect = None if defect == DUPLICATE or defect in self.copy_kinds else defect
        labels = (defect,) if defect else ()
        copied_by = self.copy_kind(slot + 1)
        if copied_by in self.marks_original:
            labels = (*labels, copied_by)
        return Draft(self.build(slot, None, defect), labels)

    def new_record(self, number: int, at: datetime) -> Draft:
        """The `number`-th record appended after the base slots (never a duplicate or a copy)."""
        slot = self.count + number
        defect = self.chosen_defect(slot)
        defect = None if defect == DUPLICATE or defect in self.copy_kinds else defect
        return Draft(self.build(slot, at, defect), (defect,) if defect else ())

    def first_slot_after(self, key: tuple[datetime, int]) -> int:
        """First slot whose (updated_at, slot) sorts after `key` (binary search, O(log n) records)."""
        lo, hi = 0, self.count
        while lo < hi:
            mid = (lo + hi) // 2
            if (self.updated_at(mid), mid) > key:
                hi = mid
            else:
                lo = mid + 1
        return lo

    def prefixed(self, kind: str, number: int, width: int = 7) -> str:
        return f"{self.sim.prefix}-{kind}{number:0{width}d}"


class LinearClock:
    """updated_at spread evenly from SIM_START to the system's today, in whole seconds."""

    def __init__(self, sim: Simulation, count: int) -> None:
        self.start = SIM_START
        self.span_s = int((sim.end - SIM_START).total_seconds())
        self.count = max(count, 1)

    def at(self, slot: int) -> datetime:
        return self.start + timedelta(seconds=(self.span_s * (2 * slot + 1)) // (2 * self.count))

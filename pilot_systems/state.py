"""The current state of one record type: generated base records plus changes made since.

Base slots are served in slot order, which is (updated_at, slot) order. A touched or appended
record gets a new version with a later updated_at and moves to the end of the order (the change
log), exactly as a real system ordered by its last-change column behaves: a client paging by
offset while records change can see a record twice or miss one; a keyset cursor cannot miss one.
Only the changes are held in memory, never the base records.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pilot_systems.generators.base import Draft, EntityGenerator

SortKey = tuple[datetime, int]


@dataclass(frozen=True)
class Change:
    """A record in the change log: base slot or appended number, and the instants it changed."""

    kind: str  # "base" | "new"
    number: int
    created: datetime | None  # appended records: when they were added
    touches: tuple[datetime, ...] = ()

    @property
    def updated_at(self) -> datetime:
        return self.touches[-1] if self.touches else self.created  # type: ignore[return-value]


class EntityState:
    def __init__(self, generator: EntityGenerator) -> None:
        self.generator = generator
        self.touched: list[int] = []  # sorted base slots that moved to the log
        self.log: list[Change] = []  # ordered by updated_at
        self.appended = 0
        self.lock = threading.Lock()

    # -- reading -----------------------------------------------------------------------------
    @property
    def base_length(self) -> int:
        return self.generator.count - len(self.touched)

    def __len__(self) -> int:
        return self.base_length + len(self.log)

    def draft(self, change: Change) -> Draft:
        gen = self.generator
        draft = (
            gen.record(change.number)
            if change.kind == "base"
            else gen.new_record(change.number, change.created)
        )  # type: ignore[arg-type]
        for at in change.touches:
            draft = replace(draft, canonical=gen.touch(draft.canonical, at))
        return draft

    @staticmethod
    def _slot_at(position: int, touched: list[int]) -> int:
        """The base slot at a position of the base part (the position-th untouched slot)."""
        lo, hi = position, position + len(touched)
        while lo < hi:
            mid = (lo + hi) // 2
            if (mid + 1) - bisect.bisect_right(touched, mid) >= position + 1:
                hi = mid
            else:
                lo = mid + 1
        return lo

    def items(self, start: int = 0) -> Iterator[tuple[SortKey, Draft]]:
        """Current records from a position on, in (updated_at, id) order, built lazily."""
        with self.lock:  # a snapshot: changes may arrive while a page is built
            touched, log = list(self.touched), list(self.log)
        gen = self.generator
        base_length = gen.count - len(touched)
        if start < base_length:
            slot = self._slot_at(start, touched)
            skip = set(touched)
            for s in range(slot, gen.count):
                if s not in skip:
                    yield (gen.updated_at(s), s), gen.record(s)
            start = base_length
        for index in range(start - base_length, len(log)):
            change = log[index]
            yield (change.updated_at, 0), self.draft(change)

    def position_after(self, key: SortKey) -> int:
        """Position of the first record whose sort key is greater than `key`."""
        slot = self.generator.first_slot_after(key)
        if slot < self.generator.count:
            return slot - bisect.bisect_left(self.touched, slot)
        times = [c.updated_at for c in self.log]
        return self.base_length + bisect.bisect_right(times, key[0])

    def position_updated_after(self, since: datetime) -> int:
        return self.position_after((since, self.generator.count + 10**12))

    # -- changing ----------------------------------------------------------------------------
    def touch(self, slot_or_change: int | Change, at: datetime) -> Change:
        with self.lock:
            if isinstance(slot_or_change, Change):
                self.log.remove(slot_or_change)
                change = replace(slot_or_change, touches=(*slot_or_change.touches, at))
            else:
                bisect.insort(self.touched, slot_or_change)
                change = Change("base", slot_or_change, None, (at,))
            self.log.append(change)
            return change

    def append(self, at: datetime) -> Change:
        with self.lock:
            change = Change("new", self.appended, at)
            self.appended += 1
            self.log.append(change)
            return change

    def change_of(self, slot: int) -> Change | None:
        return next((c for c in self.log if c.kind == "base" and c.number == slot), None)

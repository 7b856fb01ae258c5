"""The participant enrolments of one pilot, in the pilot's own vocabulary (kept for existing callers).

`PilotPopulation` is a thin view on `PilotSystem(...).records("participant_enrolments")`; new
code should use `pilot_systems.system.PilotSystem`, which covers every record type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pilot_systems.catalogue import Operation
from pilot_systems.system import PilotSystem

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["Enrolment", "Operation", "PilotPopulation"]


@dataclass
class Enrolment:
    """One participant record as served and the defects injected into it (ground truth)."""

    record: dict[str, object]
    defects: list[str] = field(default_factory=list)
    canonical: dict[str, object] = field(default_factory=dict)


class PilotPopulation:
    """All enrolments of one simulated pilot: `size` records, about `defect_rate` of them defective."""

    ENTITY = "participant_enrolments"

    def __init__(
        self,
        pilot: str,
        operations: list[Operation],
        size: int,
        seed: int,
        defect_rate: float = 0.03,
        defects: Iterable[str] | None = None,
    ) -> None:
        self.pilot, self.operations, self.size, self.seed = pilot, operations, size, seed
        self.defect_rate = defect_rate
        self.system = PilotSystem(pilot, size, seed, defect_rate, defects=defects, operations=operations)
        self._generator = self.system.generators[self.ENTITY]

    def enrolment(self, i: int) -> Enrolment:
        draft = self._generator.record(i)
        record = self.system.vocabulary.render(self.ENTITY, draft.canonical)
        return Enrolment(record, list(draft.defects), draft.canonical)

    def enrolments(self, start: int = 0, stop: int | None = None) -> list[Enrolment]:
        return [self.enrolment(i) for i in range(start, min(stop or self.size, self.size))]

    def first_record_updated_after(self, since: datetime) -> int:
        """Index of the first record updated after `since` (binary search on the monotonic clock)."""
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        return self._generator.first_slot_after((since, self.size + 1))

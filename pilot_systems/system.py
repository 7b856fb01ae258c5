"""One simulated pilot system: its five record types, in its own vocabulary, with their changes.

    system = PilotSystem("cmrc_col", size=1_000_000, seed=7, defect_rate=0.05)
    for rec in system.records("participant_enrolments"):   # lazily, in (updated_at, id) order
        rec.record, rec.defects, rec.canonical

The REST server and the file drops serve exactly what `records()` yields, so tests compute their
expected values from here, independently of the pipeline.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pilot_systems.catalogue import OPERATIONS
from pilot_systems.generators.base import DEFAULT_TODAY, Simulation, rng
from pilot_systems.generators.enrolments import EnrolmentGenerator
from pilot_systems.generators.expenditures import ExpenditureGenerator
from pilot_systems.generators.operations import OperationGenerator
from pilot_systems.generators.result_events import ResultEventGenerator
from pilot_systems.generators.supported_entities import SupportedEntityGenerator
from pilot_systems.state import EntityState
from pilot_systems.vocabularies import ENTITIES, VOCABULARIES

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from datetime import date

    from pilot_systems.catalogue import Operation
    from pilot_systems.generators.base import Canonical, Draft, EntityGenerator
    from pilot_systems.state import SortKey

ID_PREFIXES = {
    "tdz_corviale": "TDZ_CORVIALE",
    "tdz_tor_bella_monaca": "TDZ_TOR_BELLA_MONACA",
    "cmrc_col": "COL",
    "cal_adda_martesana": "CAL",
    "zot_pratico": "ZOT",
}
PILOTS = tuple(VOCABULARIES)


@dataclass(frozen=True)
class LabelledRecord:
    """A record as the pilot serves or writes it, with its ground truth."""

    record: dict[str, object]  # the pilot's field names and values
    defects: tuple[str, ...]  # defects injected into it ("duplicate": a repeat of the record before;
    # "conflicting_same_day" labels both the copy and the record it copies)
    canonical: Canonical  # the same record in canonical names and values (after the defects)
    updated_at: datetime


def record_hash(record: dict[str, object]) -> str:
    """A short stable hash of a record's content, to compare what landed with what was served."""
    text = json.dumps(record, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode_cursor(key: SortKey) -> str:
    return base64.urlsafe_b64encode(f"{key[0].isoformat()}|{key[1]}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> SortKey:
    """The sort key of the last record served; ValueError when the cursor is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, tiebreak = text.partition("|")
        return datetime.fromisoformat(at), int(tiebreak)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"cursore non valido: {cursor!r}") from exc


class PilotSystem:
    def __init__(
        self,
        pilot: str,
        size: int = 500,
        seed: int = 2021,
        defect_rate: float = 0.03,
        defects: Iterable[str] | None = None,
        today: date = DEFAULT_TODAY,
        operations: Iterable[Operation] | None = None,
    ) -> None:
        if pilot not in VOCABULARIES:
            raise ValueError(f"unknown pilot {pilot!r} (known: {', '.join(PILOTS)})")
        self.pilot = pilot
        self.vocabulary = VOCABULARIES[pilot]
        self.sim = Simulation(
            pilot=pilot,
            prefix=ID_PREFIXES[pilot],
            operations=tuple(operations if operations is not None else OPERATIONS[pilot]),
            size=size,
            seed=seed,
            defect_rate=defect_rate,
            defects=frozenset(defects) if defects is not None else None,
            today=today,
        )
        enrolments = EnrolmentGenerator(self.sim)
        self.generators: dict[str, EntityGenerator] = {
            "operations": OperationGenerator(self.sim),
            "participant_enrolments": enrolments,
            "result_events": ResultEventGenerator(self.sim, enrolments),
            "supported_entities": SupportedEntityGenerator(self.sim),
            "expenditures": ExpenditureGenerator(self.sim),
        }
        self.states = {entity: EntityState(gen) for entity, gen in self.generators.items()}
        self._lock = threading.Lock()
        self._changes = itertools.count(1)
        self._touch_rounds = itertools.count()

    # -- reading -----------------------------------------------------------------------------
    def _state(self, entity: str) -> EntityState:
        if entity not in self.states:
            raise ValueError(f"unknown record type {entity!r} (known: {', '.join(ENTITIES)})")
        return self.states[entity]

    def labelled(self, entity: str, key: SortKey, draft: Draft) -> LabelledRecord:
        record = self.vocabulary.render(entity, draft.canonical)
        return LabelledRecord(record, draft.defects, draft.canonical, key[0])

    def records(self, entity: str, start: int = 0) -> Iterator[LabelledRecord]:
        """Every current record of a type from a position on, in served order, built on demand."""
        for key, draft in self._state(entity).items(start):
            yield self.labelled(entity, key, draft)

    def count(self, entity: str) -> int:
        return len(self._state(entity))

    def page(
        self, entity: str, page: int, size: int, since: datetime | None = None
    ) -> tuple[list[LabelledRecord], int]:
        """Page pagination (1-based) over the records updated after `since`; also the total."""
        state = self._state(entity)
        first = state.position_updated_after(since) if since else 0
        total = len(state) - first
        if page < 1:
            return [], total
        start = first + (page - 1) * size
        items = itertools.islice(state.items(start), size) if start < len(state) else iter(())
        return [self.labelled(entity, key, draft) for key, draft in items], total

    def cursor_page(
        self, entity: str, cursor: str | None, limit: int, since: datetime | None = None
    ) -> tuple[list[LabelledRecord], str | None]:
        """Keyset pagination: records after the cursor's key; the next cursor, None at the end."""
        state = self._state(entity)
        start = state.position_after(decode_cursor(cursor)) if cursor else 0
        if since:
            start = max(start, state.position_updated_after(since))
        items = list(itertools.islice(state.items(start), limit + 1))
        page = items[:limit]
        next_cursor = encode_cursor(page[-1][0]) if len(items) > limit else None
        return [self.labelled(entity, key, draft) for key, draft in page], next_cursor

    def ids(self, entity: str) -> Iterator[tuple[str, str]]:
        """(record id, content hash) of every current record, in served order."""
        id_name = self.vocabulary.entities[entity].id_source_name
        for rec in self.records(entity):
            yield str(rec.record[id_name]), record_hash(rec.record)

    # -- changing ----------------------------------------------------------------------------
    def _now(self) -> datetime:
        """Change instants: after every base record, one second apart, deterministic."""
        return self.sim.end + timedelta(seconds=next(self._changes))

    def touch(self, entity: str, count: int) -> list[str]:
        """Give `count` existing records a new version (enrolments still in get an exit date)."""
        state, gen = self._state(entity), self.generators[entity]
        id_field = self.vocabulary.entities[entity].id_field
        changed: list[str] = []
        with self._lock:
            r = rng(self.sim.seed, self.pilot, entity, "touch", next(self._touch_rounds))
            for _ in range(count):
                slot = self._touch_candidate(gen, r)
                if slot is None:
                    break
                existing = state.change_of(slot)
                change = state.touch(existing if existing else slot, self._now())
                changed.append(str(state.draft(change).canonical[id_field]))
        return changed

    @staticmethod
    def _touch_candidate(gen: EntityGenerator, r: object) -> int | None:
        """A base slot that is not part of a duplicate or copy pair; enrolments still in are preferred."""
        if gen.count == 0:
            return None
        fallback = None
        for _ in range(30):
            slot = r.randrange(gen.count)  # type: ignore[attr-defined]
            if gen.is_duplicate(slot) or gen.copy_kind(slot) is not None or gen.is_copied(slot):
                continue
            fallback = slot
            if gen.entity != "participant_enrolments" or gen.record(slot).canonical["exit_date"] is None:
                return slot
        return fallback

    def append(self, entity: str, count: int) -> list[str]:
        """Add `count` new records; they sort after everything there is."""
        state, gen = self._state(entity), self.generators[entity]
        if gen.entity == "operations":
            raise ValueError("operations are not appended: a new operation is a catalogue change")
        id_field = self.vocabulary.entities[entity].id_field
        with self._lock:
            changes = [state.append(self._now()) for _ in range(count)]
        return [str(state.draft(c).canonical[id_field]) for c in changes]

"""Entities supported by operations: SMEs, cooperatives, social enterprises, public administrations.

About 6% of support records are for an entity supported before (often by the same operation,
which counts once per operation: EECO18/EECO19). Every system has some for sure: slots 11 and 12
support again an entity of the first ten, in the same operation; and entities 1 and 8 are public
administrations (besides those the weights give), so that EECO18 is never empty by chance.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pilot_systems.generators.base import EntityGenerator, LinearClock, rng, unit, weighted
from pilot_systems.identifiers import break_vat_number, vat_number
from pilot_systems.territories import FOREIGN_COMUNI, TERRITORIES

if TYPE_CHECKING:
    from pilot_systems.generators.base import Canonical, Simulation

ENTITY_TYPES = [
    ("micro_enterprise", 0.30),
    ("small_enterprise", 0.18),
    ("medium_enterprise", 0.07),
    ("cooperative", 0.20),
    ("social_enterprise", 0.13),
    ("public_administration", 0.12),
]
WORDS = [
    "Sole",
    "Arcobaleno",
    "Tessere",
    "Orizzonti",
    "Ponte",
    "Radici",
    "Officina",
    "Quartiere",
    "Semi",
    "Mani",
    "Filo",
    "Cantiere",
    "Vela",
    "Mosaico",
    "Bottega",
    "Rete",
]
SUFFIXES = {
    "micro_enterprise": "di {name} & C. s.n.c.",
    "small_enterprise": "{word} {word2} S.r.l.",
    "medium_enterprise": "{word} Servizi S.p.A.",
    "cooperative": "{word} società cooperativa",
    "social_enterprise": "Impresa sociale {word} {word2}",
}
PUBLIC_BODIES = [
    "Comune di {comune}",
    "Istituto comprensivo di {comune}",
    "ASL - distretto di {comune}",
    "Centro per l'impiego di {comune}",
]
OFFICE = {"058": "058", "015": "015", "001": "001"}  # VAT office code: the province


class SupportedEntityGenerator(EntityGenerator):
    entity = "supported_entities"
    defect_kinds = (
        "duplicate",
        "bad_vat_number",
        "unknown_comune",
        "future_start_date",
        "missing_entity_type",
    )
    REPEAT_SHARE = 0.06
    SURE_REPEATS = (11, 12)  # slots that support again an entity of the first ten, same operation
    SURE_PUBLIC = 7  # entity numbers 1, 8, 15, ... are public administrations

    def __init__(self, sim: Simulation) -> None:
        super().__init__(sim)
        self.clock = LinearClock(sim, self.count)

    @property
    def count(self) -> int:
        return max(12, self.sim.size // 20)

    def raw_updated_at(self, slot: int) -> datetime:
        return self.clock.at(slot)

    def entity_no(self, slot: int) -> int:
        if slot in self.SURE_REPEATS and slot < self.count:  # an entity of the first ten without defect
            start = int(unit(self.sim.seed, self.sim.pilot, "repeat-of", slot) * 10)
            candidates = [(start + k) % 10 for k in range(10)]
            return next((n for n in candidates if self.chosen_defect(n) is None), start)
        if slot > 10 and unit(self.sim.seed, self.sim.pilot, "repeat", slot) < self.REPEAT_SHARE:
            return int(unit(self.sim.seed, self.sim.pilot, "repeat-of", slot) * 10)  # one of the first ten
        return slot

    def organisation(self, entity_no: int) -> Canonical:
        r = rng(self.sim.seed, self.sim.pilot, "organisation", entity_no)
        kind = str(weighted(r, ENTITY_TYPES))
        if entity_no % self.SURE_PUBLIC == 1:
            kind = "public_administration"
        comuni = TERRITORIES[self.sim.pilot]
        comune = r.choice(comuni)
        word, word2 = r.sample(WORDS, 2)
        if kind == "public_administration":
            name = r.choice(PUBLIC_BODIES).format(comune=comune.name)
        else:
            name = SUFFIXES[kind].format(
                name=r.choice(["Rossi", "Conti", "Ferri", "Galli"]), word=word, word2=word2
            )
        office = OFFICE[comuni[0].istat[:3]]
        return {
            "entity_vat_number": vat_number(r.randint(1, 9_999_999), office),
            "entity_name": name,
            "entity_type": kind,
            "comune": comune.istat,
        }

    def build(self, slot: int, at: datetime | None, defect: str | None) -> Canonical:
        r = rng(self.sim.seed, self.sim.pilot, "support", slot)
        entity_no = self.entity_no(slot) if at is None else slot
        ops = self.sim.active_operations
        same_op = r.random() < 0.6 or (at is None and slot in self.SURE_REPEATS)
        op = ops[
            int(unit(self.sim.seed, self.sim.pilot, "support-op", entity_no if same_op else slot) * len(ops))
        ]
        day = (at or self.raw_updated_at(slot)).date() - timedelta(days=r.randint(0, 30))
        record: Canonical = {
            "support_id": self.prefixed("S", slot, 6),
            "operation_id": op.code,
            **self.organisation(entity_no),
            "support_start_date": max(day, op.start_date),
            "source_updated_at": at or self.raw_updated_at(slot),
        }
        if defect == "bad_vat_number":
            record["entity_vat_number"] = break_vat_number(str(record["entity_vat_number"]))
        elif defect == "unknown_comune":
            record["comune"] = r.choice(FOREIGN_COMUNI)
        elif defect == "future_start_date":
            record["support_start_date"] = self.sim.today + timedelta(days=r.randint(5, 200))
        elif defect == "missing_entity_type":
            record["entity_type"] = None
        return record

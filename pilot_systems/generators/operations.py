"""Operations: the pilot's catalogue (catalogue.py) as canonical records.

The system shows an operation once it has been selected (before the system's "today"), and its
withdrawal once it has happened: before that, the operation is simply selected."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pilot_systems.generators.base import SIM_START, EntityGenerator, midnight

if TYPE_CHECKING:
    from pilot_systems.catalogue import Operation
    from pilot_systems.generators.base import Canonical, Simulation


class OperationGenerator(EntityGenerator):
    entity = "operations"
    defect_kinds = ()  # a handful of records: defects would make tests depend on luck

    def __init__(self, sim: Simulation) -> None:
        super().__init__(sim)
        self.known = [op for op in sim.operations if op.selection_date < sim.today]

    @property
    def count(self) -> int:
        return len(self.known)

    def _withdrawn(self, op: Operation) -> bool:
        return op.withdrawal_date is not None and op.withdrawal_date < self.sim.today

    def _changed_at(self, slot: int) -> datetime:
        op = self.known[slot]
        last = op.withdrawal_date if self._withdrawn(op) else op.selection_date
        return max(SIM_START - timedelta(days=7) + timedelta(days=slot), midnight(last))

    def raw_updated_at(self, slot: int) -> datetime:
        # Non-decreasing in the slot: a later slot is never reported as changed before an earlier one.
        return max(self._changed_at(s) for s in range(slot + 1))

    def build(self, slot: int, at: datetime | None, defect: str | None) -> Canonical:
        if at is not None:
            raise ValueError("operations are not appended: a new operation is a catalogue change")
        op = self.known[slot]
        comune = op.comune
        withdrawn = self._withdrawn(op)
        return {
            "operation_id": op.code,
            "cup": op.cup,
            "title": op.title,
            "title_en": op.title_en,
            "summary": op.summary or f"{op.title}: azione {op.action} del PN Metro Plus 2021-2027 (ESO4.8).",
            "beneficiary_name": op.beneficiary_name,
            "beneficiary_id": op.beneficiary_id,
            "beneficiary_is_natural_person": op.beneficiary_is_natural_person,
            "action": op.action,
            "fund": op.fund,
            "intervention_field": op.intervention_field,
            "form_of_support": op.form_of_support,
            "territorial_delivery": op.territorial_delivery,
            "economic_activity": op.economic_activity,
            "esf_secondary_theme": op.esf_secondary_theme,
            "gender_equality": op.gender_equality,
            "selection_date": op.selection_date,
            "withdrawal_date": op.withdrawal_date if withdrawn else None,
            "status": "withdrawn" if withdrawn else "selected",
            "start_date": op.start_date,
            "expected_end_date": op.expected_end_date,
            "end_date": None,
            "total_eligible_cost": op.total_eligible_cost,
            "public_contribution": op.public_contribution,
            "cofinancing_rate": op.cofinancing_rate,
            "comune": comune.istat if comune else None,
            "postcode": comune.postcode if comune else None,
            "latitude": comune.latitude if comune else None,
            "longitude": comune.longitude if comune else None,
            "target_group": op.target_group,
            "source_updated_at": self.raw_updated_at(slot),
        }

    def touch(self, record: Canonical, at: datetime) -> Canonical:
        """A budget revision: the eligible cost grows by 2%."""
        cost = round(float(record["total_eligible_cost"]) * 1.02, 2)  # type: ignore[arg-type]
        public = cost if record["fund"] != "private" else 0.0
        return {**record, "total_eligible_cost": cost, "public_contribution": public, "source_updated_at": at}

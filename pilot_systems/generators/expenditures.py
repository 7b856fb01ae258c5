"""Eligible expenditure declared by each operation's beneficiary, month after month.

Slot k is the declaration of month k // n_ops for operation k % n_ops, dated a week or two after
the month ends; declarations run from the first month of 2022 to the last month closed before
the system's today.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from pilot_systems.generators.base import EntityGenerator, midnight, rng

if TYPE_CHECKING:
    from pilot_systems.generators.base import Canonical, Simulation

FIRST_MONTH = date(2022, 1, 1)
PLANNED_MONTHS = 60


def _month(number: int) -> date:
    """The first day of the `number`-th month from FIRST_MONTH."""
    year, month = divmod(FIRST_MONTH.month - 1 + number, 12)
    return date(FIRST_MONTH.year + year, month + 1, 1)


def _declared(month: date, op_index: int) -> date:
    last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    return last + timedelta(days=5 + 2 * op_index)


class ExpenditureGenerator(EntityGenerator):
    entity = "expenditures"
    defect_kinds = ("duplicate", "negative_amount", "future_declared_date", "missing_amount")

    def __init__(self, sim: Simulation) -> None:
        super().__init__(sim)
        self.n_ops = len(sim.active_operations)
        months = 0
        while _declared(_month(months), self.n_ops) + timedelta(days=2) < sim.today:
            months += 1
        self.months = months

    @property
    def count(self) -> int:
        return self.n_ops * self.months

    def raw_updated_at(self, slot: int) -> datetime:
        month, op_index = divmod(slot, self.n_ops)
        return midnight(_declared(_month(month), op_index)) + timedelta(hours=9 + op_index, minutes=slot % 60)

    def build(self, slot: int, at: datetime | None, defect: str | None) -> Canonical:
        r = rng(self.sim.seed, self.sim.pilot, "expenditure", slot)
        op_index = slot % self.n_ops
        op = self.sim.active_operations[op_index]
        declared = at.date() if at else _declared(_month(slot // self.n_ops), op_index)
        record: Canonical = {
            "expenditure_id": self.prefixed("P", slot, 6),
            "operation_id": op.code,
            "declared_date": declared,
            "amount": round(op.total_eligible_cost / PLANNED_MONTHS * r.uniform(0.4, 1.6), 2),
            "source_updated_at": at or self.raw_updated_at(slot),
        }
        if defect == "negative_amount":
            record["amount"] = -float(record["amount"])  # type: ignore[arg-type]
        elif defect == "future_declared_date":
            record["declared_date"] = self.sim.today + timedelta(days=r.randint(5, 90))
        elif defect == "missing_amount":
            record["amount"] = None
        return record

    def touch(self, record: Canonical, at: datetime) -> Canonical:
        """A correction: the beneficiary declares a slightly lower amount."""
        amount = record["amount"]
        new_amount = round(amount * 0.95, 2) if isinstance(amount, float) else amount
        return {**record, "amount": new_amount, "source_updated_at": at}

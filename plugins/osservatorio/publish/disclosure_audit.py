"""The attack on a published table with suppressed cells: the standard audit (tau-ARGUS, sdcTable's
`attack()`), used to prove the public views safe (docs/disclosure.md).

Every hidden cell is an unknown between 0 and the smallest published total it is part of; every
published additive relation (a total = the sum of its parts) is an equation; for each primarily
suppressed cell, linear programming (scipy's HiGHS) finds the smallest and largest value the
published figures allow. The pattern is safe when every such interval is at least the protection
level wide: with the default of 1, no primary cell can be pinned to one value (the SDC handbook's
"protection level 0 beyond exact disclosure" for a pure minimum-frequency rule).

The relations of the public views are derived from the views' own columns (territory_level,
territory_code, parent_territory_level, parent_territory_code, gender), as an attacker would,
never from the suppression model.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import linprog

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterable, Mapping, Sequence

# Width an interval must reach: 1 = the value is not exactly disclosed (integer counts).
DEFAULT_PROTECTION_LEVEL = 1.0
GENDER_TOTAL = "total"


@dataclass(frozen=True)
class Relation:
    """parent = sum(children): a published additive relation."""

    parent: Hashable
    children: tuple[Hashable, ...]


@dataclass(frozen=True)
class Interval:
    low: float
    high: float  # math.inf when nothing bounds the cell from above

    @property
    def width(self) -> float:
        return self.high - self.low


@dataclass(frozen=True)
class AuditResult:
    intervals: dict[Hashable, Interval]
    protection_level: float
    unsafe: list[Hashable] = field(default_factory=list)

    @property
    def safe(self) -> bool:
        return not self.unsafe

    @property
    def min_width(self) -> float:
        return min((i.width for i in self.intervals.values()), default=math.inf)


def attack(
    values: Mapping[Hashable, float | None],
    relations: Sequence[Relation],
    targets: Iterable[Hashable],
    upper_bounds: Mapping[Hashable, float | None] | None = None,
    *,
    integral: bool = True,
) -> dict[Hashable, Interval]:
    """The interval each target (a hidden cell) can take given the published values (None =
    hidden), the relations, 0 <= x and the upper bounds of hidden cells (None: unbounded).
    `integral` solves for integer counts (HiGHS MIP); else the LP relaxation (never narrower)."""
    hidden = sorted((key for key, value in values.items() if value is None), key=repr)
    index = {key: i for i, key in enumerate(hidden)}
    rows: list[np.ndarray] = []
    rhs: list[float] = []
    for relation in relations:
        coefficients = np.zeros(len(hidden))
        constant = 0.0  # published part of parent - sum(children)
        for key, sign in [(relation.parent, 1.0)] + [(child, -1.0) for child in relation.children]:
            value = values[key]
            if value is None:
                coefficients[index[key]] += sign
            else:
                constant += sign * value
        if not coefficients.any():
            if abs(constant) > 1e-9:
                raise ValueError(f"published relation does not add up: {relation}")
            continue
        rows.append(coefficients)
        rhs.append(-constant)
    bounds = [(0.0, (upper_bounds or {}).get(key)) for key in hidden]
    a_eq = np.vstack(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    integrality = np.ones(len(hidden)) if integral else None
    intervals = {}
    for target in targets:
        if values[target] is not None:
            raise ValueError(f"target {target!r} is published")
        objective = np.zeros(len(hidden))
        objective[index[target]] = 1.0
        ends = []
        for sign in (1.0, -1.0):
            result = linprog(
                sign * objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs", integrality=integrality
            )
            if result.status != 0 and integral:
                # HiGHS' MIP does not tell unbounded from infeasible: its LP relaxation does
                result = linprog(sign * objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
                if result.status == 0:  # the relaxation is bounded yet no integer solution exists
                    raise ValueError("the published figures admit no integer solution")
            if result.status == 3:  # unbounded: only the maximum can be
                ends.append(math.inf)
            elif result.status != 0:
                raise ValueError(f"the published figures admit no solution ({result.message})")
            else:
                ends.append(sign * result.fun)
        intervals[target] = Interval(low=ends[0], high=ends[1])
    return intervals


def audit(
    values: Mapping[Hashable, float | None],
    relations: Sequence[Relation],
    primary: Iterable[Hashable],
    upper_bounds: Mapping[Hashable, float | None] | None = None,
    *,
    protection_level: float = DEFAULT_PROTECTION_LEVEL,
    integral: bool = True,
) -> AuditResult:
    """Attack every primary cell; those whose interval is narrower than the protection level are unsafe."""
    intervals = attack(values, relations, primary, upper_bounds, integral=integral)
    unsafe = [key for key, interval in intervals.items() if interval.width < protection_level - 1e-9]
    return AuditResult(intervals=intervals, protection_level=protection_level, unsafe=unsafe)


# --- the public views' cells -----------------------------------------------------------------

# A cell of one family of a public view: (territory_level, territory_code, gender).
CellKey = tuple[str, str, str]


@dataclass(frozen=True)
class PublicCell:
    """A row of open_data.sdg_public_counts (one cell family): value None when suppressed."""

    territory_level: str
    territory_code: str
    parent_territory_level: str | None
    parent_territory_code: str | None
    gender: str
    value: int | None

    @property
    def key(self) -> CellKey:
        return (self.territory_level, self.territory_code, self.gender)


def public_relations(cells: Iterable[PublicCell]) -> list[Relation]:
    """The additive relations a reader can write from the views' columns alone: per node, total =
    the other genders; per gender and parent node, the parent = the sum of its children of one
    level (IT = NUTS3 nodes, IT = pilots, NUTS3 = its comuni)."""
    cells = list(cells)
    keys = {cell.key for cell in cells}
    by_node: dict[tuple[str, str], list[CellKey]] = defaultdict(list)
    by_parent: dict[tuple[str, str, str, str], list[CellKey]] = defaultdict(list)
    for cell in cells:
        if cell.gender != GENDER_TOTAL:
            by_node[(cell.territory_level, cell.territory_code)].append(cell.key)
        if cell.parent_territory_code is not None:
            parent = (cell.parent_territory_level or "", cell.parent_territory_code)
            by_parent[(*parent, cell.gender, cell.territory_level)].append(cell.key)
    relations = []
    for (level, code), children in by_node.items():
        if (level, code, GENDER_TOTAL) in keys:
            relations.append(Relation((level, code, GENDER_TOTAL), tuple(sorted(children))))
    for (parent_level, parent_code, gender, _), children in by_parent.items():
        parent = (parent_level, parent_code, gender)
        if parent not in keys:
            raise ValueError(f"cells {children} add up to {parent}, which is not published in any form")
        relations.append(Relation(parent, tuple(sorted(children))))
    return relations


def ancestor_bounds(cells: Iterable[PublicCell]) -> dict[CellKey, float | None]:
    """For each hidden cell, the smallest published value among the totals it is part of (its
    node's total, its parent node's cell, and theirs, up to IT); None when all of them are hidden."""
    cells = list(cells)
    by_key = {cell.key: cell for cell in cells}

    def parents(key: CellKey) -> list[CellKey]:
        cell = by_key[key]
        found = []
        if cell.gender != GENDER_TOTAL:
            found.append((cell.territory_level, cell.territory_code, GENDER_TOTAL))
        if cell.parent_territory_code is not None:
            found.append((cell.parent_territory_level or "", cell.parent_territory_code, cell.gender))
        return [parent for parent in found if parent in by_key]

    bounds: dict[CellKey, float | None] = {}
    for cell in cells:
        if cell.value is not None:
            continue
        seen: set[CellKey] = set()
        stack = parents(cell.key)
        published: list[float] = []
        while stack:
            key = stack.pop()
            if key in seen:
                continue
            seen.add(key)
            value = by_key[key].value
            if value is not None:
                published.append(value)
            stack.extend(parents(key))
        bounds[cell.key] = min(published) if published else None
    return bounds


def audit_public_cells(
    cells: Iterable[PublicCell],
    primary: Iterable[CellKey],
    *,
    protection_level: float = DEFAULT_PROTECTION_LEVEL,
    integral: bool = True,
) -> AuditResult:
    """The audit of one cell family of the public views, from what they publish."""
    cells = list(cells)
    values = {cell.key: cell.value for cell in cells}
    return audit(
        values,
        public_relations(cells),
        list(primary),
        ancestor_bounds(cells),
        protection_level=protection_level,
        integral=integral,
    )

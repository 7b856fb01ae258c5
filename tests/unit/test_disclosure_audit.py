"""The attack on suppressed tables (osservatorio.publish.disclosure_audit), on tables whose answer is
known by hand: the SDC Handbook's golden example, a row with one hidden cell (must fail), and
protected patterns (must pass), in the generic form and in the public views' form."""

from __future__ import annotations

import math

import pytest

from osservatorio.publish.disclosure_audit import (
    DEFAULT_PROTECTION_LEVEL,
    Interval,
    PublicCell,
    Relation,
    ancestor_bounds,
    attack,
    audit,
    audit_public_cells,
    public_relations,
)


def two_way(table: dict[tuple[str, str], int | None], rows: list[str], cols: list[str]) -> list[Relation]:
    """Row and column relations of a two-way table with margins 'T'."""
    relations = [Relation((r, "T"), tuple((r, c) for c in cols)) for r in [*rows, "T"]]
    relations += [Relation(("T", c), tuple((r, c) for r in rows)) for c in [*cols, "T"]]
    assert all(key in table for relation in relations for key in (relation.parent, *relation.children))
    return relations


def geurts() -> dict[tuple[str, str], int | None]:
    """SDC Handbook (Hundepool et al.), chapter 4, Example 3 (Geurts 1992): X11..X22 hidden."""
    return {
        ("r1", "c1"): None, ("r1", "c2"): None, ("r1", "T"): 7,
        ("r2", "c1"): None, ("r2", "c2"): None, ("r2", "T"): 3,
        ("r3", "c1"): 3, ("r3", "c2"): 3, ("r3", "T"): 6,
        ("T", "c1"): 9, ("T", "c2"): 7, ("T", "T"): 16,
    }  # fmt: skip


@pytest.mark.parametrize("integral", [True, False])
def test_golden_handbook_example_gives_x11_in_3_6(integral: bool) -> None:
    table = geurts()
    relations = two_way(table, ["r1", "r2", "r3"], ["c1", "c2"])
    bounds = {("r1", "c1"): 7, ("r1", "c2"): 7, ("r2", "c1"): 3, ("r2", "c2"): 3}  # 0 <= x <= row total
    intervals = attack(table, relations, list(bounds), bounds, integral=integral)
    # Worked by hand: X11 + X21 = 6 and X21 <= 3 give X11 >= 3; X21 >= 0 gives X11 <= 6.
    assert intervals[("r1", "c1")] == Interval(3, 6)
    assert intervals[("r1", "c2")] == Interval(1, 4)
    assert intervals[("r2", "c1")] == Interval(0, 3)
    assert intervals[("r2", "c2")] == Interval(0, 3)


def test_a_row_with_one_hidden_cell_fails() -> None:
    """2 + 10 = 12: hiding the 2 alone hides nothing (total - the rest)."""
    values = {"total": 12, "F": None, "M": 10, "X": 0}
    result = audit(values, [Relation("total", ("F", "M", "X"))], ["F"], {"F": 12})
    assert result.intervals["F"] == Interval(2, 2)
    assert not result.safe
    assert result.unsafe == ["F"]


def test_a_row_with_a_partner_passes() -> None:
    values = {"total": 12, "F": None, "M": None, "X": 0}
    result = audit(values, [Relation("total", ("F", "M", "X"))], ["F"], {"F": 12, "M": 12})
    assert result.intervals["F"] == Interval(0, 12)
    assert result.safe
    assert result.protection_level == DEFAULT_PROTECTION_LEVEL == 1


def test_a_stricter_protection_level_can_fail_what_width_one_passes() -> None:
    """The handbook's X11 moves over [3, 6]: safe at 1 and 3, not at 5."""
    table = geurts()
    relations = two_way(table, ["r1", "r2", "r3"], ["c1", "c2"])
    bounds = {("r1", "c1"): 7, ("r1", "c2"): 7, ("r2", "c1"): 3, ("r2", "c2"): 3}
    assert audit(table, relations, [("r1", "c1")], bounds, protection_level=3).safe
    assert not audit(table, relations, [("r1", "c1")], bounds, protection_level=5).safe


def test_an_inconsistent_published_relation_is_an_error() -> None:
    with pytest.raises(ValueError, match="does not add up"):
        attack({"t": 5, "a": 2, "b": 2, "h": None}, [Relation("t", ("a", "b")), Relation("h", ("a",))], ["h"])


def test_an_unbounded_cell_has_an_infinite_interval() -> None:
    intervals = attack({"t": None, "a": None, "b": 4}, [Relation("t", ("a", "b"))], ["a"])
    assert intervals["a"] == Interval(0, math.inf)


# --- the public views' form ------------------------------------------------------------------


def node(level: str, code: str, parent: tuple[str, str] | None, **genders: int | None) -> list[PublicCell]:
    pl, pc = parent if parent else (None, None)
    names = {"total": "total", "F": "F", "M": "M", "nb": "non-binary"}
    return [PublicCell(level, code, pl, pc, names[g], v) for g, v in genders.items()]


def comune_table(b_hidden: bool) -> list[PublicCell]:
    """NUTS3 N = comuni A + B + C, all women; A (3) is primary; B hidden as its partner or not."""
    b = None if b_hidden else 12
    return [
        *node("it", "IT", None, total=30, F=30, M=0, nb=0),
        *node("nuts3", "N", ("it", "IT"), total=30, F=30, M=0, nb=0),
        *node("comune", "A", ("nuts3", "N"), total=None, F=None, M=0, nb=0),
        *node("comune", "B", ("nuts3", "N"), total=b, F=b, M=0, nb=0),
        *node("comune", "C", ("nuts3", "N"), total=15, F=15, M=0, nb=0),
    ]


def test_relations_come_from_the_views_columns() -> None:
    relations = {(r.parent, r.children) for r in public_relations(comune_table(b_hidden=True))}
    assert (
        ("nuts3", "N", "F"),
        (("comune", "A", "F"), ("comune", "B", "F"), ("comune", "C", "F")),
    ) in relations
    assert (
        ("comune", "A", "total"),
        (("comune", "A", "F"), ("comune", "A", "M"), ("comune", "A", "non-binary")),
    ) in (relations)
    assert (("it", "IT", "M"), (("nuts3", "N", "M"),)) in relations
    assert len(relations) == 5 + 4 * 2  # a gender relation per node, a territory one per gender and parent


def test_public_cells_a_lone_hidden_comune_fails_and_a_partner_passes() -> None:
    primary = [("comune", "A", "total"), ("comune", "A", "F")]
    alone = audit_public_cells(comune_table(b_hidden=False), primary)
    assert {key: (i.low, i.high) for key, i in alone.intervals.items()} == {key: (3, 3) for key in primary}
    assert not alone.safe
    paired = audit_public_cells(comune_table(b_hidden=True), primary)
    # A + B = 15 and 0 <= A, B <= 30 (the smallest published total above them): A in [0, 15]
    assert {key: (i.low, i.high) for key, i in paired.intervals.items()} == {key: (0, 15) for key in primary}
    assert paired.safe
    assert paired.min_width == 15


def test_bounds_are_the_smallest_published_total_above() -> None:
    cells = [
        *node("it", "IT", None, total=40, F=None, M=None, nb=0),
        *node("pilot", "P", ("it", "IT"), total=None, F=None, M=None, nb=0),
        *node("pilot", "Q", ("it", "IT"), total=None, F=30, M=None, nb=0),
    ]
    bounds = ancestor_bounds(cells)
    assert bounds[("pilot", "P", "F")] == 40  # P's total and IT's F hidden: IT's total
    assert bounds[("pilot", "Q", "M")] == 40
    assert bounds[("it", "IT", "M")] == 40
    assert ("pilot", "Q", "F") not in bounds  # published

"""The SFC2021 validation rules on Table 6 (outputs) and Table 10 (results), as the Commission's
system applies them to each cell: one priority, specific objective, category of region and
gender (domain.md §2-3; the same rules as dbt's assert_sfc_combined_indicators on the mart).

- Combined indicators equal, or never exceed, their parts: the labour-market statuses partition
  the participants (EECO01 = EECO02 + EECO04 + EECO05, hence EECO02+04 and EECO02+05 <= EECO01),
  so do the education levels (EECO09 + EECO10 + EECO11 = EECO01, hence EECO10+11 <= EECO01),
  the age bands EECO06+07 never exceed EECO01, the long-term unemployed are part of EECO02. A row
  coded as a combined indicator itself (`EECO02+04`, `EECO02+EECO04`) must equal its parts' sum.
- A result counted in persons never exceeds its output, EECO01 of the same cell; EECR01 (job
  searching) and EECR04 (employed) upon leaving exclude each other, so together neither.
- No value is negative; a `total` row equals the sum of its gender rows.

An indicator missing from a cell counts 0 (dbt writes no row for a zero).

Table 2 (financial data by CPR Annex I dimension), `check_financial_tables`:
- every code is one Annex I writes for its dimension (reference seed cpr_annex_i_codes, the list
  the operations contract also takes; location a NUTS code): SFC2021 rejects any other, e.g. `1`
  for `01` or `not_reported`;
- no ESF+ operation lacks a code: the data-quality annex lists each one (annex_i_code_missing) and
  each is a violation naming the operation and the dimension;
- Table 2's rows add up to Table 1's row of the same priority, objective, fund and region.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

from osservatorio.paths import DBT_PROJECT_DIR
from osservatorio.publish.compliance.errors import Violation
from osservatorio.publish.compliance.tables import ANNEX_I_CODE_COLUMNS

if TYPE_CHECKING:
    from osservatorio.publish.compliance.tables import PackageTable

OUTPUTS, RESULTS = "compliance_table_6_outputs", "compliance_table_10_results"
TOTAL = "total"
_CELL = ("programme_code", "priority_code", "specific_objective_code", "category_of_region", "gender")


@dataclass(frozen=True)
class Relation:
    """`left` (a sum) compared with `right` (a sum): '=' or '<='."""

    left: tuple[str, ...]
    op: str
    right: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{' + '.join(self.left)} {self.op} {' + '.join(self.right)}"


OUTPUT_RELATIONS = (
    Relation(("EECO01",), "=", ("EECO02", "EECO04", "EECO05")),
    Relation(("EECO02", "EECO04"), "<=", ("EECO01",)),
    Relation(("EECO02", "EECO05"), "<=", ("EECO01",)),
    Relation(("EECO06", "EECO07"), "<=", ("EECO01",)),
    Relation(("EECO09", "EECO10", "EECO11"), "=", ("EECO01",)),
    Relation(("EECO10", "EECO11"), "<=", ("EECO01",)),
    Relation(("EECO03",), "<=", ("EECO02",)),
)
_COMBINED = re.compile(r"(EEC[OR])(\d{2})((?:\+(?:EEC[OR])?\d{2})+)")


@dataclass
class _Cell:
    """One SFC cell of a table: indicator code -> (value, 1-based row)."""

    key: str
    values: dict[str, tuple[int, int]] = field(default_factory=dict)

    def value(self, code: str) -> int:
        return self.values.get(code, (0, 0))[0]

    def row(self, *codes: str) -> int | None:
        """The row to point a reader at: the first of `codes` present in the cell."""
        rows = [self.values[c][1] for c in codes if c in self.values]
        return rows[0] if rows else min((r for _, r in self.values.values()), default=None)


def combined_parts(code: str) -> tuple[str, ...] | None:
    """The parts of a combined indicator code (`EECO02+04` or `EECO02+EECO04`), None otherwise."""
    match = _COMBINED.fullmatch(code.replace(" ", ""))
    if not match:
        return None
    prefix = match.group(1)
    rest = [p if p.startswith("EEC") else prefix + p for p in match.group(3).strip("+").split("+")]
    return (prefix + match.group(2), *rest)


def _cell_key(row: dict) -> str:
    return ", ".join(f"{c} {row[c]}" for c in _CELL)


def _cells(table: PackageTable) -> dict[tuple, _Cell]:
    cells: dict[tuple, _Cell] = {}
    for number, row in enumerate(table.records(), start=1):
        key = tuple(row[c] for c in _CELL)
        cell = cells.setdefault(key, _Cell(_cell_key(row)))
        cell.values[row["indicator_code"]] = (row["indicator_value"] or 0, number)
    return cells


def _holds(left: int, op: str, right: int) -> bool:
    return left == right if op == "=" else left <= right


def _shown(cell: _Cell, codes: tuple[str, ...]) -> str:
    return " + ".join(str(cell.value(c)) for c in codes)


def _sums(relation: Relation, cell: _Cell) -> tuple[int, int, str]:
    left = sum(cell.value(c) for c in relation.left)
    right = sum(cell.value(c) for c in relation.right)
    detail = (
        f"{' + '.join(relation.left)} is {left}, {' + '.join(relation.right)} is {right}"
        f" (values {_shown(cell, relation.left)} and {_shown(cell, relation.right)})"
    )
    return left, right, detail


def no_negative_values(table: PackageTable) -> list[Violation]:
    return [
        Violation(
            table.spec.source,
            n,
            f"{row['indicator_code']}, {_cell_key(row)}",
            "no negative value",
            f"indicator_value is {row['indicator_value']}",
        )
        for n, row in enumerate(table.records(), start=1)
        if row["indicator_value"] is not None and row["indicator_value"] < 0
    ]


def totals_equal_their_genders(table: PackageTable) -> list[Violation]:
    """A `total` row equals the sum of the gender rows of its indicator and cell (when it has any)."""
    parts: dict[tuple, int] = defaultdict(int)
    has_parts: set[tuple] = set()
    totals: dict[tuple, tuple[int, int, dict]] = {}
    for number, row in enumerate(table.records(), start=1):
        key = (row["indicator_code"], *(row[c] for c in _CELL[:-1]))
        if row["gender"] == TOTAL:
            totals[key] = (row["indicator_value"] or 0, number, row)
        else:
            parts[key] += row["indicator_value"] or 0
            has_parts.add(key)
    return [
        Violation(
            table.spec.source,
            number,
            f"{row['indicator_code']}, {_cell_key(row)}",
            "total = sum of the genders",
            f"total {total} but the gender rows sum to {parts[key]}",
        )
        for key, (total, number, row) in totals.items()
        if key in has_parts and total != parts[key]
    ]


def output_relations(outputs: PackageTable) -> list[Violation]:
    violations = []
    for cell in _cells(outputs).values():
        for relation in OUTPUT_RELATIONS:
            left, right, detail = _sums(relation, cell)
            if not _holds(left, relation.op, right):
                row = cell.row(*relation.left, *relation.right)
                violations.append(Violation(outputs.spec.source, row, cell.key, relation.name, detail))
        for code, (value, row) in cell.values.items():
            parts = combined_parts(code)
            if parts is not None and value != sum(cell.value(p) for p in parts):
                rule = f"{code} = {' + '.join(parts)}"
                detail = f"{value} is not {_shown(cell, parts)}"
                violations.append(Violation(outputs.spec.source, row, cell.key, rule, detail))
    return violations


def results_within_outputs(outputs: PackageTable, results: PackageTable) -> list[Violation]:
    """Each person-based result at most EECO01 of its cell; EECR01 + EECR04 too."""
    output_cells = _cells(outputs)
    units = {r["indicator_code"]: r["unit"] for r in results.records()}
    violations = []
    for key, cell in _cells(results).items():
        participants = output_cells[key].value("EECO01") if key in output_cells else 0
        for code, (value, row) in sorted(cell.values.items(), key=lambda item: item[1][1]):
            if "entit" in str(units.get(code) or "").lower():
                continue  # a result counted in entities has no EECO01 to stay under
            if value > participants:
                violations.append(
                    Violation(
                        results.spec.source,
                        row,
                        cell.key,
                        f"{code} <= EECO01",
                        f"{value} results but {participants} participants (EECO01 in Table 6)",
                    )
                )
        exclusive = cell.value("EECR01") + cell.value("EECR04")
        if exclusive > participants:
            violations.append(
                Violation(
                    results.spec.source,
                    cell.row("EECR01", "EECR04"),
                    cell.key,
                    "EECR01 + EECR04 <= EECO01",
                    f"{cell.value('EECR01')} + {cell.value('EECR04')} exceeds {participants} participants",
                )
            )
    return violations


def check_indicator_tables(tables: list[PackageTable]) -> list[Violation]:
    """Every SFC rule on the package's Tables 6 and 10 (none in a package without them)."""
    by_source = {t.spec.source: t for t in tables}
    outputs, results = by_source.get(OUTPUTS), by_source.get(RESULTS)
    violations: list[Violation] = []
    for table in (outputs, results):
        if table is not None:
            violations += no_negative_values(table) + totals_equal_their_genders(table)
    if outputs is not None:
        violations += output_relations(outputs)
        if results is not None:
            violations += results_within_outputs(outputs, results)
    return violations


# ------------------------------------------------------------------ Table 2 (CPR Annex I codes)
TABLE_1, TABLE_2 = "compliance_financial_table_1", "compliance_financial_table_2"
ANNEX = "compliance_data_quality_annex"
ANNEX_I_SEED = DBT_PROJECT_DIR / "seeds" / "cpr_annex_i_codes.csv"
CODE_MISSING = "annex_i_code_missing"  # the data-quality annex's section
_NUTS = re.compile(r"[A-Z]{2}[A-Z0-9]{0,3}")
_TABLE_1_KEY = (
    "programme_code",
    "priority_code",
    "specific_objective_code",
    "fund_code",
    "category_of_region",
)
_AMOUNTS = (
    "selected_operations",
    "total_eligible_cost",
    "public_contribution",
    "eligible_expenditure_declared",
)


@cache
def annex_i_code_lists() -> dict[str, frozenset[str]]:
    """Table 2's code column -> the codes Annex I writes for its dimension (the reference seed)."""
    lists: dict[str, set[str]] = defaultdict(set)
    with ANNEX_I_SEED.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            lists[f"{row['dimension_name']}_code"].add(row["code"])
    return {column: frozenset(codes) for column, codes in lists.items()}


def _key(row: dict) -> str:
    return ", ".join(f"{c} {row[c]}" for c in _TABLE_1_KEY)


def annex_i_codes_only(table_2: PackageTable) -> list[Violation]:
    """Every code of every row is one Annex I writes (location: a NUTS code)."""
    lists = annex_i_code_lists()
    violations = []
    for number, row in enumerate(table_2.records(), start=1):
        for column in ANNEX_I_CODE_COLUMNS:
            code = row[column]
            if code is None:
                continue  # named, with its operation, by missing_annex_i_codes
            valid = _NUTS.fullmatch(code) if column == "location_code" else code in lists[column]
            if not valid:
                violations.append(
                    Violation(
                        table_2.spec.source,
                        number,
                        _key(row),
                        "CPR Annex I codes only",
                        f"{column} {code!r} is not a code of CPR Annex I for its dimension",
                    )
                )
    return violations


def missing_annex_i_codes(table_2: PackageTable, annex: PackageTable | None) -> list[Violation]:
    """Each ESF+ operation the annex lists without a code: its own violation, naming operation and
    dimension. A null code the annex does not explain is reported on its row."""
    rule = "a CPR Annex I code in every dimension"
    named = []
    for row in annex.records() if annex else []:
        if row["section"] != CODE_MISSING:
            continue
        operation, _, dimension = str(row["detail"]).partition(": ")
        detail = (
            f"ESF+ operation {operation} of pilot {row['pilot_id']} has no code for dimension {dimension}"
            f" (data-quality annex: {CODE_MISSING})"
        )
        named.append(
            Violation(table_2.spec.source, None, f"operation {row['pilot_id']}:{operation}", rule, detail)
        )
    if named:
        return named
    return [
        Violation(table_2.spec.source, number, _key(row), rule, f"{column} is empty")
        for number, row in enumerate(table_2.records(), start=1)
        for column in ANNEX_I_CODE_COLUMNS
        if row[column] is None
    ]


def table_2_adds_up_to_table_1(table_1: PackageTable, table_2: PackageTable) -> list[Violation]:
    sums: dict[tuple, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in table_2.records():
        for measure in _AMOUNTS:
            sums[tuple(row[c] for c in _TABLE_1_KEY)][measure] += Decimal(row[measure] or 0)
    violations = []
    for number, row in enumerate(table_1.records(), start=1):
        parts = sums.get(tuple(row[c] for c in _TABLE_1_KEY), {})
        for measure in _AMOUNTS:
            if Decimal(row[measure] or 0) != parts.get(measure, Decimal(0)):
                violations.append(
                    Violation(
                        table_1.spec.source,
                        number,
                        _key(row),
                        "Table 2 adds up to Table 1",
                        f"{measure} is {row[measure]} in Table 1,"
                        f" {parts.get(measure, 0)} over Table 2's rows",
                    )
                )
    return violations


def check_financial_tables(tables: list[PackageTable]) -> list[Violation]:
    """Table 2 writes Annex I codes only, for every ESF+ operation, and adds up to Table 1."""
    by_source = {t.spec.source: t for t in tables}
    table_1, table_2 = by_source.get(TABLE_1), by_source.get(TABLE_2)
    if table_2 is None:
        return []
    violations = annex_i_codes_only(table_2) + missing_annex_i_codes(table_2, by_source.get(ANNEX))
    if table_1 is not None and table_2.rows:  # an empty Table 2 is the empty-package rule's business
        violations += table_2_adds_up_to_table_1(table_1, table_2)
    return violations

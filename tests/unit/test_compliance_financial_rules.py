"""Table 2's package checks: only CPR Annex I codes (as Annex I writes them, read here from the
seed independently of the code), no ESF+ operation without a code (the refusal names table,
operation and dimension), and Table 2 adds up to Table 1."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal

import pytest

from osservatorio.publish.compliance.errors import PackageCheckFailed
from osservatorio.publish.compliance.sfc_rules import check_financial_tables
from osservatorio.publish.compliance.tables import (
    DATA_QUALITY_ANNEX,
    FINANCIAL_TABLE_1,
    FINANCIAL_TABLE_2,
    PackageTable,
)
from tests.conftest import REPO

CUTOFF = date(2031, 8, 31)
KEY = (CUTOFF, "203108", "2021IT16FFPR003", "4", "ESO4.8", "ESF+", "more_developed")
CODES = {  # Table 2's code columns, in order
    "intervention_field_code": "153",
    "form_of_support_code": "01",
    "territorial_delivery_code": "33",
    "economic_activity_code": "23",
    "location_code": "ITI43",
    "esf_secondary_theme_code": "09",
    "gender_equality_code": "02",
}


def table_2_row(amounts: tuple = (Decimal(100), Decimal(40), Decimal(7), 1), **codes: str | None) -> tuple:
    return (*KEY, *(CODES | codes).values(), *amounts)


def table_1(cost: Decimal = Decimal(100), operations: int = 1) -> PackageTable:
    row = (*KEY, "public", Decimal(1000), Decimal(40), cost, None, Decimal(40), Decimal(7), None, operations)
    return PackageTable(FINANCIAL_TABLE_1, [row])


def annex(*rows: tuple[str, str, str]) -> PackageTable:
    return PackageTable(
        DATA_QUALITY_ANNEX,
        [(CUTOFF, section, pilot, "4.4.8.1", detail, 1) for section, pilot, detail in rows],
    )


def test_a_table_of_annex_i_codes_adding_up_to_table_1_passes() -> None:
    assert (
        check_financial_tables([table_1(), PackageTable(FINANCIAL_TABLE_2, [table_2_row()]), annex()]) == []
    )


def test_every_code_of_every_dimension_in_the_seed_is_accepted() -> None:
    with (REPO / "dbt_project" / "seeds" / "cpr_annex_i_codes.csv").open(encoding="utf-8") as handle:
        seed = list(csv.DictReader(handle))
    rows = [table_2_row(**{f"{r['dimension_name']}_code": r["code"]}) for r in seed]
    assert len(rows) == 182 + 6 + 33 + 26 + 10 + 3
    assert check_financial_tables([PackageTable(FINANCIAL_TABLE_2, rows)]) == []


@pytest.mark.parametrize(
    ("column", "code"),
    [
        ("form_of_support_code", "1"),  # Annex I writes 01
        ("intervention_field_code", "53"),
        ("intervention_field_code", "183"),
        ("territorial_delivery_code", "34"),
        ("economic_activity_code", "not_reported"),
        ("esf_secondary_theme_code", "11"),
        ("gender_equality_code", "04"),
        ("location_code", "not_reported"),
    ],
)
def test_a_code_sfc2021_rejects_refuses_the_table_naming_its_row(column: str, code: str) -> None:
    rows = [table_2_row(), table_2_row(**{column: code})]
    [violation] = check_financial_tables([PackageTable(FINANCIAL_TABLE_2, rows)])
    assert violation.table == "compliance_financial_table_2"
    assert violation.row == 2
    assert violation.rule == "CPR Annex I codes only"
    assert f"{column} {code!r}" in violation.detail


def test_an_operation_missing_a_code_refuses_publication_naming_operation_and_dimension() -> None:
    tables = [
        table_1(),
        PackageTable(FINANCIAL_TABLE_2, [table_2_row(form_of_support_code=None)]),
        annex(
            ("annex_i_code_missing", "zot_pratico", "PRATICO-02: 02 form of support"),
            ("selection_date_from_start", "zot_pratico", "PRATICO-01"),  # a flag, not a refusal
        ),
    ]
    [violation] = check_financial_tables(tables)
    message = str(PackageCheckFailed("203108", [violation]))
    assert "table compliance_financial_table_2" in message
    assert "operation zot_pratico:PRATICO-02" in message
    assert "dimension 02 form of support" in message


def test_a_missing_code_the_annex_does_not_explain_is_reported_on_its_row() -> None:
    [violation] = check_financial_tables([PackageTable(FINANCIAL_TABLE_2, [table_2_row(location_code=None)])])
    assert (violation.row, violation.detail) == (1, "location_code is empty")


def test_table_2_must_add_up_to_table_1() -> None:
    two = PackageTable(FINANCIAL_TABLE_2, [table_2_row(), table_2_row(gender_equality_code="01")])
    violations = check_financial_tables([table_1(), two])
    assert {(v.table, v.rule) for v in violations} == {
        ("compliance_financial_table_1", "Table 2 adds up to Table 1")
    }
    assert {v.detail.split(" is ")[0] for v in violations} == {
        "selected_operations",
        "total_eligible_cost",
        "public_contribution",
        "eligible_expenditure_declared",
    }

"""The SFC2021 rules on Tables 6 and 10: a consistent cell passes; each broken rule is reported
with the table, the 1-based row and the rule's name."""

from __future__ import annotations

from datetime import date

from osservatorio.publish.compliance.errors import PackageCheckFailed, Violation
from osservatorio.publish.compliance.sfc_rules import check_indicator_tables, combined_parts
from osservatorio.publish.compliance.tables import TABLE_6_OUTPUTS, TABLE_10_RESULTS, PackageTable

CUTOFF = date(2031, 6, 30)
# One cell (women): EECO01 10 = 02 4 + 04 3 + 05 3 = 09 3 + 10 4 + 11 3; 06 1 + 07 5 <= 10; 03 2 <= 02 4.
GOOD_OUTPUTS = {
    "EECO01": 10,
    "EECO02": 4,
    "EECO03": 2,
    "EECO04": 3,
    "EECO05": 3,
    "EECO06": 1,
    "EECO07": 5,
    "EECO09": 3,
    "EECO10": 4,
    "EECO11": 3,
}
GOOD_RESULTS = {"EECR01": 2, "EECR04": 5}  # 2 + 5 <= 10


def rows(values: dict[str, int], gender: str = "F") -> list[tuple]:
    key = (CUTOFF, "203106", "2021IT16FFPR003", "4", "ESO4.8", "less developed")
    return [(*key, code, code.lower(), "persons", gender, v) for code, v in values.items()]


def tables(outputs: list[tuple], results: list[tuple]) -> list[PackageTable]:
    return [PackageTable(TABLE_6_OUTPUTS, outputs), PackageTable(TABLE_10_RESULTS, results)]


def check(outputs: dict[str, int], results: dict[str, int] | None = None) -> list[Violation]:
    return check_indicator_tables(tables(rows(outputs), rows(results or GOOD_RESULTS)))


def test_a_consistent_cell_passes() -> None:
    assert check(GOOD_OUTPUTS) == []


def test_combined_indicator_must_equal_its_parts() -> None:
    [violation] = check(GOOD_OUTPUTS | {"EECO05": 4})  # 4 + 3 + 4 = 11, EECO01 says 10
    assert violation.table == "compliance_table_6_outputs"
    assert violation.rule == "EECO01 = EECO02 + EECO04 + EECO05"
    assert violation.row == 1  # the EECO01 row
    assert "gender F" in violation.key
    assert violation.detail == ("EECO01 is 10, EECO02 + EECO04 + EECO05 is 11 (values 10 and 4 + 3 + 4)")


def test_education_levels_must_add_up_to_the_participants() -> None:
    [violation] = check(GOOD_OUTPUTS | {"EECO09": 2})  # 2 + 4 + 3 = 9, not 10
    assert violation.rule == "EECO09 + EECO10 + EECO11 = EECO01"
    assert violation.row == 8  # EECO09 is the 8th row listed


def test_a_row_coded_as_a_combined_indicator_must_equal_its_parts() -> None:
    assert combined_parts("EECO02+04") == ("EECO02", "EECO04")
    assert combined_parts("EECO02+EECO04+EECO05") == ("EECO02", "EECO04", "EECO05")
    assert combined_parts("EECO02") is None
    [violation] = check(GOOD_OUTPUTS | {"EECO02+04": 8})  # the parts sum to 7
    assert violation.rule == "EECO02+04 = EECO02 + EECO04"
    assert violation.row == 11
    assert check(GOOD_OUTPUTS | {"EECO02+04": 7}) == []


def test_a_result_may_not_exceed_the_participants() -> None:
    violations = check(GOOD_OUTPUTS, {"EECR01": 2, "EECR04": 11})
    assert {(v.table, v.row, v.rule) for v in violations} == {
        ("compliance_table_10_results", 2, "EECR04 <= EECO01"),
        ("compliance_table_10_results", 1, "EECR01 + EECR04 <= EECO01"),  # 13 > 10
    }


def test_results_of_a_cell_without_outputs_are_compared_with_zero() -> None:
    outputs = rows(GOOD_OUTPUTS, gender="F")
    results = rows({"EECR04": 1}, gender="M")
    [violation] = [
        v for v in check_indicator_tables(tables(outputs, results)) if v.rule == "EECR04 <= EECO01"
    ]
    assert "gender M" in violation.key
    assert "0 participants" in violation.detail


def test_no_value_may_be_negative() -> None:
    [violation] = check(GOOD_OUTPUTS | {"EECO07": -1})
    assert (violation.table, violation.row, violation.rule) == (
        "compliance_table_6_outputs",
        7,
        "no negative value",
    )
    assert violation.key.startswith("EECO07")


def test_long_term_unemployed_are_part_of_the_unemployed() -> None:
    [violation] = check(GOOD_OUTPUTS | {"EECO03": 5})
    assert violation.rule == "EECO03 <= EECO02"


def test_a_total_row_equals_the_sum_of_its_genders() -> None:
    entities = rows({"EECO19": 2}, "not_applicable") + rows({"EECO19": 3}, "total")
    outputs = rows(GOOD_OUTPUTS) + rows(GOOD_OUTPUTS, "M") + entities
    [violation] = check_indicator_tables(tables(outputs, rows(GOOD_RESULTS)))
    assert (violation.rule, violation.row) == ("total = sum of the genders", 22)
    assert violation.detail == "total 3 but the gender rows sum to 2"
    entities = rows({"EECO19": 2}, "not_applicable") + rows({"EECO19": 2}, "total")
    assert check_indicator_tables(tables(rows(GOOD_OUTPUTS) + entities, rows(GOOD_RESULTS))) == []


def test_the_exception_message_names_table_row_and_rule() -> None:
    violations = check(GOOD_OUTPUTS | {"EECO07": -1})
    message = str(PackageCheckFailed("203106", violations))
    assert message.startswith("compliance package 203106 not published: 1 check(s) failed")
    assert "table compliance_table_6_outputs, row 7 (EECO07," in message
    assert "rule 'no negative value'" in message


def test_a_package_without_indicator_tables_has_nothing_to_check() -> None:
    assert check_indicator_tables([]) == []

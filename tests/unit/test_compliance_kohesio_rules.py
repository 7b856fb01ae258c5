"""Kohesio's three rules beyond the Table Schema, one failing case each, on the list of
operations as the warehouse formats it."""

from __future__ import annotations

from osservatorio.publish.compliance.kohesio_rules import check_kohesio_rules
from osservatorio.publish.compliance.tables import KOHESIO_COLUMNS, LIST_OF_OPERATIONS, PackageTable


def operation(op_id: str, **fields: str) -> tuple:
    row = dict.fromkeys(KOHESIO_COLUMNS, "")
    row.update(
        Operation_Unique_Identifier=op_id,
        Operation_Start_Date="01/03/2024",
        Operation_Expected_End_Date="31/12/2027",
        Operation_End_Date="31/12/2027",
        Total_Eligible_Expenditure_Currency="EUR",
        Location_Indicator_NUTS_code="ITI43",
    )
    row.update(fields)
    return tuple(row[c] for c in KOHESIO_COLUMNS)


def violations(*rows: tuple) -> list[tuple]:
    found = check_kohesio_rules(PackageTable(LIST_OF_OPERATIONS, list(rows)))
    return [(v.table, v.row, v.key, v.rule) for v in found]


def test_good_operations_pass() -> None:
    assert (
        violations(
            operation("OP-1"),
            operation("OP-2", Operation_End_Date="01/03/2024", Operation_Expected_End_Date=""),  # same day
            operation("OP-3", Location_Indicator_NUTS_code="", Location_Indicator_Postcode="20096"),
            operation(
                "OP-4", Location_Indicator_NUTS_code="", Location_Indicator_latitude_longitude="12.49, 41.89"
            ),
            operation(
                "OP-5",
                Total_Eligible_Expenditure_Currency="CHF",
                Total_Eligible_Expenditure_Exchange_Rate="0.95",
            ),
        )
        == []
    )


def test_start_after_end() -> None:
    assert violations(operation("OP-1"), operation("OP-2", Operation_Start_Date="01/01/2028")) == [
        (
            "compliance_list_of_operations",
            2,
            "Operation_Unique_Identifier OP-2",
            "Kohesio: Operation_Start_Date not after Operation_End_Date",
        ),
        (
            "compliance_list_of_operations",
            2,
            "Operation_Unique_Identifier OP-2",
            "Kohesio: Operation_Start_Date not after Operation_Expected_End_Date",
        ),
    ]


def test_dates_are_compared_as_dates_not_text() -> None:
    # As text "02/01/2025" < "31/12/2024"; as dates it is after.
    found = violations(operation("OP-1", Operation_Start_Date="02/01/2025", Operation_End_Date="31/12/2024"))
    assert [v[3] for v in found] == ["Kohesio: Operation_Start_Date not after Operation_End_Date"]


def test_an_expected_end_before_the_start_is_reported_even_without_an_end_date() -> None:
    found = violations(operation("OP-1", Operation_End_Date="", Operation_Expected_End_Date="01/01/2020"))
    assert [v[3] for v in found] == ["Kohesio: Operation_Start_Date not after Operation_Expected_End_Date"]


def test_no_location() -> None:
    assert violations(operation("OP-1", Location_Indicator_NUTS_code=" ")) == [
        (
            "compliance_list_of_operations",
            1,
            "Operation_Unique_Identifier OP-1",
            "Kohesio: postcode, NUTS code or latitude/longitude present",
        )
    ]


def test_no_exchange_rate_for_another_currency() -> None:
    assert violations(operation("OP-1"), operation("OP-9", Total_Eligible_Expenditure_Currency="USD")) == [
        (
            "compliance_list_of_operations",
            2,
            "Operation_Unique_Identifier OP-9",
            "Kohesio: exchange rate present when the currency is not EUR",
        )
    ]


def test_an_impossible_calendar_day() -> None:
    found = violations(operation("OP-1", Operation_End_Date="31/02/2031"))
    assert [(v[1], v[3]) for v in found] == [(1, "dates are calendar days")]

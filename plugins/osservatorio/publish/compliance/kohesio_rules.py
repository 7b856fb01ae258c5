"""The Kohesio validator's three rules beyond the Table Schema (domain.md §3), on the list of
operations as the warehouse formatted it (dates dd/mm/yyyy).

1. The start date is not after the end date. `Operation_End_Date` is a required Kohesio field,
   so the rule compares the start with it; an `Operation_Expected_End_Date`, when given, must not
   be before the start either (an operation cannot be expected to end before it starts). When the
   end date is missing the schema's `required` rule already reports it, and the expected end date
   still gets compared.
2. At least one location: a postcode, a NUTS code or a latitude/longitude.
3. An exchange rate whenever the currency is not EUR.

A date that has the dd/mm/yyyy shape but is no calendar day (31/02/2031) is reported here too:
the schema's pattern cannot see it.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING

from osservatorio.publish.compliance.errors import Violation

if TYPE_CHECKING:
    from osservatorio.publish.compliance.tables import PackageTable

START = "Operation_Start_Date"
END_DATES = ("Operation_End_Date", "Operation_Expected_End_Date")
DATE_FIELDS = (START, *END_DATES, "Date_Of_Last_Update")
LOCATION_FIELDS = (
    "Location_Indicator_Postcode",
    "Location_Indicator_NUTS_code",
    "Location_Indicator_latitude_longitude",
)
CURRENCY, EXCHANGE_RATE = "Total_Eligible_Expenditure_Currency", "Total_Eligible_Expenditure_Exchange_Rate"
_DATE_SHAPE = re.compile(r"[0-9]{2}/[0-9]{2}/[0-9]{4}")


def _filled(value: object) -> bool:
    return value is not None and str(value).strip() != ""


def _date(value: object) -> date | None:
    """The calendar date of a dd/mm/yyyy text; None when empty, malformed or impossible."""
    if not _filled(value) or not _DATE_SHAPE.fullmatch(str(value).strip()):
        return None
    try:
        return datetime.strptime(str(value).strip(), "%d/%m/%Y").date()
    except ValueError:
        return None


def operation_key(record: dict) -> str:
    return f"Operation_Unique_Identifier {record.get('Operation_Unique_Identifier') or '(none)'}"


def _row_violations(table: str, number: int, record: dict) -> list[Violation]:
    found: list[Violation] = []

    def fail(rule: str, detail: str) -> None:
        found.append(Violation(table, number, operation_key(record), rule, detail))

    for name in DATE_FIELDS:
        text = str(record.get(name) or "").strip()
        if _DATE_SHAPE.fullmatch(text) and _date(text) is None:
            fail("dates are calendar days", f"{name} {text!r} is no calendar day")
    start = _date(record.get(START))
    for name in END_DATES:
        end = _date(record.get(name))
        if start is not None and end is not None and start > end:
            fail(f"Kohesio: {START} not after {name}", f"starts {record[START]}, ends {record[name]}")
    if not any(_filled(record.get(name)) for name in LOCATION_FIELDS):
        fail("Kohesio: postcode, NUTS code or latitude/longitude present", "all location fields are empty")
    currency = str(record.get(CURRENCY) or "").strip()
    if currency and currency != "EUR" and not _filled(record.get(EXCHANGE_RATE)):
        fail("Kohesio: exchange rate present when the currency is not EUR", f"currency {currency}, no rate")
    return found


def check_kohesio_rules(operations: PackageTable) -> list[Violation]:
    violations: list[Violation] = []
    for number, record in enumerate(operations.records(), start=1):
        violations += _row_violations(operations.spec.source, number, record)
    return violations

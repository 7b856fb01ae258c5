"""Cell values that a spreadsheet shows as data, never runs as a formula.

Excel, LibreOffice and Google Sheets read a cell whose text starts with `=`, `+`, `-` or `@` as a
formula (and a leading tab or carriage return can smuggle one past a naive check): a beneficiary
named `=HYPERLINK("http://…")` would become a live link in a program officer's spreadsheet (CSV
injection, OWASP). So every TEXT value starting with one of those characters is published with a
single quote `'` in front, in the CSV files and in the workbook alike; the quote is visible and
says "text". Numbers, dates and booleans are not text and stay as they are (a negative amount is
a number, not a formula). Headers are the package's own constants and need no quote.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def neutralise(text: str) -> str:
    """`text` with a leading quote when a spreadsheet would run it as a formula."""
    return QUOTE + text if text.startswith(FORMULA_TRIGGERS) else text


def safe_value(value: Any) -> Any:
    """The value as published: text neutralised, every other type unchanged."""
    return neutralise(value) if isinstance(value, str) else value


def csv_text(value: Any) -> str:
    """A cell of a CSV file: empty for NULL, numbers with `.` decimals and no grouping, ISO dates,
    booleans as true/false, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):  # before int: bool is an int
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))

"""Typed XLSX cells as text in the pilot's own format, so one parse rule holds per pilot.

canonical.py parses every value with the pilot's `formats`: numbers lose the thousands separator
and then turn the decimal separator into `.`. A pilot whose CSV writes `1.234,5` would see an
XLSX float written as `1234.5` read as 12345 (the `.` stripped as a thousands separator), so
numbers are written with the pilot's decimal separator and no thousands separator (`1234,5`).
Dates and datetimes likewise follow `formats.date` / `formats.datetime`, and booleans the
pilot's first true/false word. Which of date or datetime: the contract type of the canonical
field the column maps to when it is a datetime; otherwise a value without a time part is a date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from osservatorio.registry import ValueFormats

ISO8601 = "ISO8601"


@dataclass(frozen=True)
class CellFormatter:
    formats: ValueFormats
    kinds: dict[str, str] = field(default_factory=dict)  # source column -> contract type

    def text(self, value: object, column: str | None = None) -> str | None:
        """The cell as the pilot would have written it in a CSV; None for empty cells."""
        if value is None:
            return None
        if isinstance(value, str):
            return value if value != "" else None
        if isinstance(value, bool):  # before int: bool is an int
            words = self.formats.true_values if value else self.formats.false_values
            return words[0] if words else str(value).lower()
        if isinstance(value, int | float):
            return self.number(value)
        if isinstance(value, dt.datetime | dt.date):
            return self.moment(value, self.kinds.get(column or ""))
        if isinstance(value, dt.time):
            return value.isoformat()
        return str(value)  # timedelta and the like: rare, left for the suite to flag

    def number(self, value: float) -> str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int):
            return str(value)
        plain = format(Decimal(repr(value)), "f")  # never scientific notation: 1e-05 -> 0.00001
        return plain.replace(".", self.formats.decimal_separator)

    def moment(self, value: dt.date, kind: str | None) -> str:
        is_datetime = isinstance(value, dt.datetime)
        has_time = is_datetime and value.time() != dt.time(0)  # type: ignore[union-attr]
        if kind == "datetime" or has_time:
            stamp = value if is_datetime else dt.datetime.combine(value, dt.time(0))
            fmt = self.formats.datetime
            return stamp.isoformat() if fmt == ISO8601 else stamp.strftime(fmt)  # type: ignore[union-attr]
        day = value.date() if is_datetime else value  # type: ignore[union-attr]
        fmt = self.formats.date
        return day.isoformat() if fmt in (ISO8601, "%Y-%m-%d") else day.strftime(fmt)

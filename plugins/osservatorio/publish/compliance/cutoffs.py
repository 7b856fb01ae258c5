"""The Art. 42 transmission calendar (domain.md §3): which dates are cut-offs, and what they carry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from osservatorio.errors import RunConfigurationError

if TYPE_CHECKING:
    from datetime import date

# (month, day) of the five cut-offs; data are cumulative up to the cut-off.
CUTOFF_DAYS = ((3, 31), (6, 30), (8, 31), (10, 31), (12, 31))
# Table 6 (outputs) and Table 10 (results) travel only with these submission periods.
INDICATOR_MONTHS = (6, 12)


def submission_period(cutoff: date) -> str:
    """The SFC submission period `YYYYMM` of an Art. 42 cut-off (refuses any other date)."""
    if (cutoff.month, cutoff.day) not in CUTOFF_DAYS:
        raise RunConfigurationError(
            f"{cutoff.isoformat()} is not an Art. 42 cut-off (31 Mar, 30 Jun, 31 Aug, 31 Oct, 31 Dec)"
        )
    return f"{cutoff:%Y%m}"


def carries_indicator_tables(cutoff: date) -> bool:
    return cutoff.month in INDICATOR_MONTHS

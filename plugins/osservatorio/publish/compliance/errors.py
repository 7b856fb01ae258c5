"""Why a compliance package was not published: the rules its rows break.

A light module (no openpyxl, no frictionless) so that a DAG's retry policy can name
`PackageCheckFailed` at parse time: a failed check is bad data, and retrying cannot heal it.
"""

from __future__ import annotations

from dataclasses import dataclass

# At most this many violations are spelled out in the message (all are kept on the exception).
MESSAGE_LIMIT = 25


@dataclass(frozen=True)
class Violation:
    """One broken rule: `row` is the 1-based data row of the table (its file's header not counted),
    `key` what identifies that row to a reader (an operation id, a priority/objective/gender cell)."""

    table: str
    row: int | None
    key: str
    rule: str
    detail: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "no row"
        key = f" ({self.key})" if self.key else ""
        return f"table {self.table}, {where}{key}: rule '{self.rule}' broken: {self.detail}"


class PackageCheckFailed(RuntimeError):
    """The package breaks a Commission rule: nothing was published. The message names, for each
    violation, the table, the row and the rule."""

    def __init__(self, period: str, violations: list[Violation]) -> None:
        self.period = period
        self.violations = violations
        lines = [f"- {v}" for v in violations[:MESSAGE_LIMIT]]
        if len(violations) > MESSAGE_LIMIT:
            lines.append(f"- ... and {len(violations) - MESSAGE_LIMIT} more")
        super().__init__(
            f"compliance package {period} not published: {len(violations)} check(s) failed\n"
            + "\n".join(lines)
        )

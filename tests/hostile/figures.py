"""The figures docs/reliability.md reports, collected while the hostile corpus and the fault
suite run (never typed by hand): every case and every fault records what happened to it here,
and tests/hostile/conftest.py writes the page at the end of the session."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CaseFigure:
    channel: str  # csv | xlsx | rest
    case: str
    expected: str  # "quarantine: <rules>" | "refused: <words>" | "loaded"
    outcome: str  # what happened, in the same words


@dataclass(frozen=True)
class FaultFigure:
    fault: str
    injected: int  # how many times the fault was caused
    survived: bool  # the landed set equals the source set after retries and reruns
    lost: int  # source records missing from the landed set
    duplicated: int  # records landed more than once as current
    changed: int  # records whose landed hash differs from the source's


@dataclass(frozen=True)
class MartFigure:
    """One marts table of the faulted warehouse against the same table of a clean run's."""

    table: str
    compared: tuple[str, ...]  # columns hashed (rows as text, sorted)
    excluded: tuple[str, ...]  # load timestamps, left out
    rows_faulted: int
    rows_clean: int
    identical: bool
    kind: str = "table"  # table | view


CASES: list[CaseFigure] = []
FAULTS: list[FaultFigure] = []
# What the run observed while causing a fault (how it was caused, what the first attempt did),
# in the order observed: fault -> lines.
FAULT_NOTES: dict[str, list[str]] = {}
MARTS: list[MartFigure] = []
# fault -> whether the marts rows of its pilots equal a clean run's (set by the marts comparison)
FAULT_MARTS: dict[str, bool] = {}


def record_case(channel: str, case: str, expected: str, outcome: str) -> None:
    CASES.append(CaseFigure(channel, case, expected, outcome))


def record_fault(fault: str, injected: int, survived: bool, lost: int, duplicated: int, changed: int) -> None:
    FAULTS.append(FaultFigure(fault, injected, survived, lost, duplicated, changed))


def note_fault(fault: str, observation: str) -> None:
    FAULT_NOTES.setdefault(fault, []).append(observation)


def record_mart(
    table: str, compared: tuple[str, ...], excluded: tuple[str, ...], rows_faulted: int, rows_clean: int,
    identical: bool, kind: str = "table",
) -> None:  # fmt: skip
    MARTS.append(MartFigure(table, compared, excluded, rows_faulted, rows_clean, identical, kind))


def record_fault_marts(fault: str, identical: bool) -> None:
    FAULT_MARTS[fault] = identical

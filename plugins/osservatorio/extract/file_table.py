"""What the CSV and XLSX readers share: matching a file's header to the registry's source names,
and turning one row of cells into a record that keeps every value the pilot sent.

A record's keys are the header cells, spelled as in the registry when a header cell matches a
mapped source name up to case, accents' Unicode form and spacing (so canonical.py finds them).
Rows longer or shorter than the header are kept, marked for the validation to quarantine:
`_extra_cells` (list of the cells beyond the header, when any is non-empty) and `_missing_cells`
(how many named columns the row lacks; those are null).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from osservatorio.envelope import header_key

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

EXTRA_CELLS = "_extra_cells"
MISSING_CELLS = "_missing_cells"
UNNAMED_PREFIX = "_unnamed_"  # a non-empty cell under a blank header cell: "_unnamed_<column number>"

_SPACES = re.compile(r"\s+")
_DUPLICATE_SUFFIX = re.compile(r"#\d+$")


class UnreadableFile(Exception):
    """A structural problem of one file; the caller adds pilot and file name to the message."""

    def __init__(self, problem: str, line: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line  # "12" (CSV physical line) or "row 4" (XLSX), when the problem has one


def header_matches(cells: Iterable[object], mapped: Sequence[str]) -> int:
    """How many of the mapped source names the cells contain (used to find an XLSX header row)."""
    present = {header_key(c) for c in cells}
    return sum(1 for name in mapped if header_key(name) in present)


@dataclass(frozen=True)
class Columns:
    """The record key of every header position (None: blank header cell)."""

    keys: tuple[str | None, ...]

    @property
    def named(self) -> int:
        return sum(1 for k in self.keys if k is not None)


def resolve_columns(cells: Sequence[object], mapped: Sequence[str]) -> Columns:
    """Map header cells to record keys; refuse a header that lacks mapped names or repeats one."""
    wanted = {header_key(name): name for name in mapped}
    keys: list[str | None] = []
    seen: dict[str, int] = {}
    for position, cell in enumerate(cells, start=1):
        key = header_key(cell)
        if not key:
            keys.append(None)
            continue
        if key in seen:
            if key in wanted:
                raise UnreadableFile(
                    f"header has column {wanted[key]!r} twice (columns {seen[key]} and {position})"
                )
            keys.append(f"{_SPACES.sub(' ', str(cell)).strip()}#{position}")  # unmapped: keep both
            continue
        seen[key] = position
        keys.append(wanted.get(key, unicodedata.normalize("NFC", _SPACES.sub(" ", str(cell)).strip())))
    missing = [name for key, name in wanted.items() if key not in seen]
    if missing:
        raise UnreadableFile(
            f"header lacks mapped column(s) {', '.join(repr(m) for m in missing)}"
            f" (header: {' | '.join(str(c) for c in cells if header_key(c))})"
        )
    return Columns(tuple(keys))


def refuse_unknown_columns(columns: Columns, known: Sequence[str]) -> None:
    """A named header cell the registry neither maps nor ignores: the pilot changed its format."""
    allowed = {header_key(name) for name in known}
    # A repeated unmapped header is keyed "<name>#<position>" (resolve_columns): judge the name.
    keys = [k for k in columns.keys if k is not None]
    names = [_DUPLICATE_SUFFIX.sub("", k) for k in keys]
    if unknown := list(dict.fromkeys(n for n in names if header_key(n) not in allowed)):
        raise UnreadableFile(
            f"header has unknown column(s) {', '.join(repr(k) for k in unknown)}:"
            " neither mapped nor ignored in config/pilots.yaml"
        )
    if repeated := [n for k, n in zip(keys, names, strict=True) if k != n]:
        # an ignored column twice: which one the pilot meant is as unclear as for a mapped one
        raise UnreadableFile(f"header has column(s) {', '.join(repr(n) for n in repeated)} twice")


def to_record(columns: Columns, cells: Sequence[Any]) -> dict[str, Any]:
    """One data row as a record: blank cells null, ragged rows kept and marked (see module doc)."""
    keys = columns.keys
    record: dict[str, Any] = {}
    for position, (key, value) in enumerate(zip(keys, cells, strict=False), start=1):
        if key is not None:
            record[key] = None if value == "" else value
        elif value is not None and value != "":
            record[f"{UNNAMED_PREFIX}{position}"] = value
    if len(cells) < len(keys):
        absent = [k for k in keys[len(cells) :] if k is not None]
        for key in absent:
            record[key] = None
        if absent:
            record[MISSING_CELLS] = len(absent)
    elif len(cells) > len(keys):
        extra = cells[len(keys) :]
        # Trailing empty cells (a delimiter at the end of the line) carry nothing: not ragged.
        if any(v is not None and v != "" for v in extra):
            record[EXTRA_CELLS] = [None if v == "" else v for v in extra]
    return record


def is_blank(cells: Sequence[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in cells)

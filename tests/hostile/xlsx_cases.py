"""Building hostile XLSX workbooks for tests/hostile/test_xlsx_corpus.py.

The base is one clean ZOT enrolments export written by the simulated pilot system
(`python -m pilot_systems.drops --pilot zot_pratico`), read back as a title block, a header and
rows keyed by header name; every case writes its own workbook from a copy of it with openpyxl.
What openpyxl cannot write (cached formula values, floats with all 17 digits, invalid XML, a
wrong <dimension>) is patched into the sheet's XML afterwards (`patch_sheet`).
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook, load_workbook

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

PILOT = "zot_pratico"
DROP_DAY = "2026-11-20"
FRESH = datetime(2026, 11, 19, 9, 0)  # every base record last changed the day before the interval ends
UPDATED = "Data ultima modifica"


@dataclass
class Cell:
    """A cell that needs more than a value: a number format, a formula, a string that starts with '='."""

    value: Any
    number_format: str | None = None
    formula: bool = False  # False: a value starting with "=" is a text cell, as a pilot typed it


@dataclass
class Table:
    """One sheet: title rows above the header, the header, and data rows keyed by header name."""

    title: list[list[Any]]
    header: list[str]
    rows: list[dict[str, Any]]

    def copy(self) -> Table:
        return copy.deepcopy(self)

    def grid(self) -> list[list[Any]]:
        return [*self.title, list(self.header), *([row.get(h) for h in self.header] for row in self.rows)]

    def ids(self) -> list[str]:
        return [row["Cod. iscrizione"] for row in self.rows]


def base_table(folder: Path, env: dict[str, str], repo: Path) -> Table:
    """A clean export of 20 enrolments by the simulated pilot system, every record fresh."""
    subprocess.run(
        [sys.executable, "-m", "pilot_systems.drops", "--pilot", PILOT, "--inbox", str(folder),
         "--size", "20", "--seed", "1", "--defect-rate", "0", "--date", DROP_DAY],
        cwd=repo, env=env, check=True, capture_output=True,
    )  # fmt: skip
    [path] = folder.glob("PRATICO_partecipanti_*.xlsx")
    book = load_workbook(path, read_only=True)
    grid = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    at = next(i for i, row in enumerate(grid) if "Cod. iscrizione" in row)
    header = [str(h) for h in grid[at]]
    rows = [dict(zip(header, values, strict=True)) for values in grid[at + 1 :]]
    for number, row in enumerate(rows):
        row[UPDATED] = FRESH + timedelta(minutes=number)
    title = [[cell for cell in row if cell is not None] for row in grid[:at]]
    return Table(title, header, rows)


def _put(sheet: Any, row: int, column: int, value: Any) -> None:
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, Cell):
        cell.value = value.value
        if value.number_format:
            cell.number_format = value.number_format
        if isinstance(value.value, str) and value.value.startswith("=") and not value.formula:
            cell.data_type = "s"
        return
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text a pilot typed, not a formula


def write_book(
    path: Path,
    sheets: list[tuple[str, list[list[Any]]]],
    shape: Callable[[Any], None] | None = None,
) -> Path:
    """A workbook of `sheets` (name, grid); `shape(workbook)` may then merge, hide, style."""
    book = Workbook()
    book.remove(book.active)
    for name, grid in sheets:
        sheet = book.create_sheet(name)
        for r, values in enumerate(grid, start=1):
            for c, value in enumerate(values, start=1):
                if value is not None:
                    _put(sheet, r, c, value)
    if shape is not None:
        shape(book)
    book.save(path)
    return path


def write_table(path: Path, table: Table, sheet: str = "Partecipanti", **kw: Any) -> Path:
    return write_book(path, [(sheet, table.grid())], **kw)


def patch_sheet(path: Path, patch: Callable[[str], str], sheet: int = 1) -> Path:
    """Rewrite xl/worksheets/sheet<n>.xml of a saved workbook through `patch` (text -> text)."""
    part = f"xl/worksheets/sheet{sheet}.xml"
    with zipfile.ZipFile(path) as source:
        parts = {info: source.read(info.filename) for info in source.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in parts.items():
            if info.filename == part:
                text = patch(data.decode("utf-8"))
                data = text.encode("utf-8")
            target.writestr(info.filename, data)
    return path


def replace_cell(xml: str, marker: float | int, element: str) -> str:
    """Replace the numeric cell holding `marker` by `element` (`{ref}` is its reference)."""
    pattern = re.compile(rf'<c r="([A-Z]+[0-9]+)"(?: [ts]="[^"]*")*><v>{marker}</v></c>')
    found = pattern.search(xml)
    assert found, f"marker {marker} not in the sheet"
    return xml[: found.start()] + element.format(ref=found.group(1)) + xml[found.end() :]

"""Read a pilot's XLSX export row by row (openpyxl read-only: memory does not grow with the sheet).

Exports carry a title block (programme name, extraction date, a blank row) above the header, so
the header is the first row within the first HEADER_SEARCH_ROWS that holds at least half of the
mapped source names; the rows after it are data and fully empty rows are skipped. The sheet is
the one named after the record type (e.g. `participant_enrolments`), if any, else the first; a
workbook with that header on a second sheet too is refused (records split over sheets).
"""

from __future__ import annotations

import zipfile
from typing import TYPE_CHECKING, Any

from openpyxl import load_workbook

from osservatorio.extract.file_table import (
    UnreadableFile,
    header_key,
    header_matches,
    is_blank,
    refuse_unknown_columns,
    resolve_columns,
    to_record,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    from osservatorio.extract.xlsx_values import CellFormatter

HEADER_SEARCH_ROWS = 20


def _sheet(workbook: Any, entity: str) -> ReadOnlyWorksheet:
    wanted = header_key(entity.replace("_", " "))
    for name in workbook.sheetnames:
        if header_key(name.replace("_", " ")) == wanted:
            return workbook[name]
    return workbook.worksheets[0]


def _refuse_other_data_sheets(workbook: Any, chosen: ReadOnlyWorksheet, mapped: Sequence[str]) -> None:
    """Another sheet with this record type's header: its rows would be skipped unseen."""
    for other in workbook.worksheets:
        if other.title == chosen.title:
            continue
        for values in other.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True):
            if header_matches(values, mapped) * 2 >= len(mapped):
                raise UnreadableFile(
                    f"sheets {chosen.title!r} and {other.title!r} both hold a header of this record type:"
                    " only one sheet is read, so records on the other would be lost; send one data sheet"
                    " per file"
                )


def iter_xlsx_records(
    path: Path, mapped: Sequence[str], entity: str, cells: CellFormatter, ignored: Sequence[str] = ()
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ("row <n>", record) for every data row; raises UnreadableFile before any row if the
    workbook cannot be read or has no header row."""
    if not zipfile.is_zipfile(path):
        raise UnreadableFile("not an XLSX workbook (not a zip file; old binary .xls is not supported)")
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as bad:  # openpyxl surfaces corrupt parts as many exception types
        raise UnreadableFile(f"not a readable XLSX workbook ({type(bad).__name__}: {bad})") from None
    try:
        sheet = _sheet(workbook, entity)
        try:
            _refuse_other_data_sheets(workbook, sheet, mapped)
        except UnreadableFile:
            raise
        except Exception as bad:  # a corrupt other sheet: the workbook cannot be trusted whole
            raise UnreadableFile(f"corrupt workbook ({type(bad).__name__}: {bad})") from None
        # Some writers store a wrong <dimension> (e.g. "A1"): read-only mode would then cut rows
        # short. Without dimensions every row has the cells it really has.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(min_row=1, values_only=True)
        columns = None
        number = 0
        try:
            for number, values in enumerate(rows, start=1):
                if columns is None:
                    if number > HEADER_SEARCH_ROWS:
                        break
                    if header_matches(values, mapped) * 2 >= len(mapped) and not is_blank(values):
                        columns = resolve_columns(values, mapped)
                        refuse_unknown_columns(columns, [*mapped, *ignored])
                    continue
                if is_blank(values):
                    continue
                keys = columns.keys
                texts = [cells.text(v, keys[i] if i < len(keys) else None) for i, v in enumerate(values)]
                # Excel stores no trailing empty cells: pad, so a short row is not ragged.
                texts += [None] * (len(keys) - len(texts))
                yield f"row {number}", to_record(columns, texts)
        except UnreadableFile as problem:
            problem.line = problem.line or f"row {number}"
            raise
        except Exception as bad:
            raise UnreadableFile(
                f"corrupt sheet {sheet.title!r} ({type(bad).__name__}: {bad})", line=f"row {number}"
            ) from None
        if columns is None:
            raise UnreadableFile(
                f"no header row in the first {HEADER_SEARCH_ROWS} rows of sheet {sheet.title!r}: none holds"
                f" at least half of the mapped columns ({', '.join(mapped)})"
            )
    finally:
        workbook.close()

"""XLSX exports with a title block (programme, extraction date, a blank row) above the header row.

openpyxl's write-only mode streams rows to disk, so memory does not grow with the file.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from pilot_systems.vocabularies.zot_pratico import PROGRAMME, TITLE_ROWS

if TYPE_CHECKING:
    from pathlib import Path

    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    from pilot_systems.system import PilotSystem

SHEET_TITLES = {
    "operations": "Progetti",
    "participant_enrolments": "Partecipanti",
    "result_events": "Esiti",
    "supported_entities": "Aziende sostenute",
    "expenditures": "Spese",
}


def title_block(extraction_date: date, rows: int) -> list[list[object]]:
    """2-4 rows: programme, (operator,) extraction date, (blank)."""
    block: list[list[object]] = [[PROGRAMME]]
    if rows >= 4:
        block.append(["Operatore: Servizi al Lavoro (accreditamento D-31236)"])
    block.append([f"Data estrazione: {extraction_date:%d/%m/%Y}"])
    if rows >= 3:
        block.append([])
    return block


def write_xlsx(system: PilotSystem, entity: str, path: Path, extraction_date: date) -> int:
    workbook = Workbook(write_only=True)
    sheet: WriteOnlyWorksheet = workbook.create_sheet(SHEET_TITLES[entity])
    for row in title_block(extraction_date, TITLE_ROWS[entity]):
        sheet.append(row)
    header = list(system.vocabulary.entities[entity].fields.values())
    bold = Font(bold=True)
    sheet.append([_styled(sheet, name, font=bold) for name in header])
    written = 0
    for rec in system.records(entity):
        sheet.append([_cell(sheet, rec.record[name]) for name in header])
        written += 1
    workbook.save(path)
    return written


def _styled(sheet: WriteOnlyWorksheet, value: object, **style: object) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _cell(sheet: WriteOnlyWorksheet, value: object) -> object:
    """Dates shown the Italian way; everything else as a plain value (cheaper in write-only mode)."""
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "DD/MM/YYYY HH:MM:SS"
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "DD/MM/YYYY"
        return cell
    return value

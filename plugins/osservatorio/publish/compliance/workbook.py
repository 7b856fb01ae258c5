"""The package's tables as one XLSX workbook, byte-identical whenever it is written from the same rows.

A sheet per table (same names and order as the CSV files), header row frozen and bold, column
widths from the longest value, numbers stored as numbers (the list of operations' amounts and
rates, text in the warehouse, become numbers when they read as plain decimals), text neutralised
as in the CSV files (safe_cells).

openpyxl stamps the current time into docProps/core.xml and into every zip entry, so the workbook
is written through openpyxl's ExcelWriter into memory with the document's created/modified times
set to the cut-off's midnight, then re-zipped with that same time on every entry, a fixed
compression and permissions, and a stable entry order ([Content_Types].xml first, then by name).
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from osservatorio.publish.compliance.safe_cells import safe_value

if TYPE_CHECKING:
    from pathlib import Path

    from openpyxl.worksheet.worksheet import Worksheet

    from osservatorio.publish.compliance.tables import PackageTable

WORKBOOK_NAME = "compliance_tables.xlsx"
# The list of operations' numeric fields (text in the warehouse, `number` in the Table Schema).
NUMERIC_LIST_FIELDS = frozenset(
    {"CoFinancing_Rate", "Total_Eligible_Expenditure_amount", "Total_Eligible_Expenditure_Exchange_Rate"}
)
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
# Characters XML 1.0 cannot hold (openpyxl refuses them): shown as a visible \xNN escape instead.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_MIN_WIDTH, _MAX_WIDTH = 8, 60
_CONTENT_TYPES = "[Content_Types].xml"


def fixed_time(cutoff: date) -> datetime:
    """The one timestamp of a cut-off's workbook: document properties and zip entries."""
    return datetime(cutoff.year, cutoff.month, cutoff.day)


def _cell_value(column: str, value: Any) -> Any:
    if isinstance(value, str):
        if column in NUMERIC_LIST_FIELDS and _PLAIN_DECIMAL.fullmatch(value):
            try:
                return Decimal(value)
            except InvalidOperation:  # pragma: no cover - the pattern only lets decimals through
                return safe_value(value)
        return _XML_ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", safe_value(value))
    return value


def _number_format(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return "#,##0.00"
    if isinstance(value, date):
        return "yyyy-mm-dd"
    return None


def _display_length(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, date):
        return 10
    if isinstance(value, Decimal):
        return len(f"{value:,.2f}")
    return max((len(line) for line in str(value).splitlines()), default=0)


def _fill_sheet(sheet: Worksheet, table: PackageTable) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    sheet.append(list(table.columns))
    for cell in sheet[1]:
        cell.font = bold
    widths = [len(c) for c in table.columns]
    for row in table.rows:
        values = [_cell_value(col, v) for col, v in zip(table.columns, row, strict=True)]
        sheet.append(values)
        for i, (cell, value) in enumerate(zip(sheet[sheet.max_row], values, strict=True)):
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever openpyxl would guess
            fmt = _number_format(value)
            if fmt:
                cell.number_format = fmt
            widths[i] = max(widths[i], _display_length(value))
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH)
    sheet.freeze_panes = "A2"


def _stable_zip(raw: bytes, when: datetime) -> bytes:
    """`raw` re-zipped with every entry stamped `when`, in a stable order, with fixed attributes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as source, zipfile.ZipFile(out, "w") as target:
        names = sorted(source.namelist(), key=lambda n: (n != _CONTENT_TYPES, n))
        for name in names:
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, whatever the platform that writes it
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(name), compresslevel=6)
    return out.getvalue()


def workbook_bytes(tables: list[PackageTable], cutoff: date) -> bytes:
    """The workbook of `tables`, as bytes that depend only on the rows and the cut-off."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    when = fixed_time(cutoff)
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        _fill_sheet(book.create_sheet(table.spec.slug), table)
    book.properties.creator = "osservatorio"
    book.properties.title = f"ESF+ compliance tables, cut-off {cutoff.isoformat()}"
    book.properties.created = when
    book.properties.modified = when  # openpyxl's save_workbook would set the current time here
    raw = io.BytesIO()
    ExcelWriter(book, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)).save()
    return _stable_zip(raw.getvalue(), when)


def write_workbook(folder: Path, tables: list[PackageTable], cutoff: date) -> Path:
    path = folder / WORKBOOK_NAME
    path.write_bytes(workbook_bytes(tables, cutoff))
    return path

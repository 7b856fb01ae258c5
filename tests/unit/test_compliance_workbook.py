"""The XLSX workbook: byte-identical when written again from the same rows (whatever the clock
says), a frozen bold header, numbers as numbers, text neutralised, sensible widths."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import date, datetime
from decimal import Decimal

from openpyxl import load_workbook

from osservatorio.publish.compliance.tables import (
    DATA_QUALITY_ANNEX,
    FINANCIAL_TABLE_1,
    KOHESIO_COLUMNS,
    LIST_OF_OPERATIONS,
    PackageTable,
)
from osservatorio.publish.compliance.workbook import workbook_bytes

CUTOFF = date(2031, 8, 31)


def tables() -> list[PackageTable]:
    financial = [
        (CUTOFF, "203108", "2021IT16FFPR003", "4", "ESO4.8", "ESF+", "less developed", "public",
         Decimal("6000000.00"), Decimal("40.00"), Decimal("1200000.00"), Decimal("16.00"),
         Decimal("960000.00"), Decimal("-1.50"), Decimal("0.00"), 3),
    ]  # fmt: skip
    operation = dict.fromkeys(KOHESIO_COLUMNS, "")
    operation.update(
        Operation_Unique_Identifier="OP-1",
        CoFinancing_Rate="40.5",
        Total_Eligible_Expenditure_amount="1200000.00",
        Total_Eligible_Expenditure_Exchange_Rate="",
        Beneficiary_Name="@SUM(1+1)*cmd|' /C calc'!A0",
        Operation_Name_Programme_Language="Lavoro\x07 e inclusione",  # BEL: XML cannot hold it
    )
    annex = [(CUTOFF, "quarantine_open", "cmrc_col", None, "-2 records without entry date", 2)]
    return [
        PackageTable(FINANCIAL_TABLE_1, financial),
        PackageTable(LIST_OF_OPERATIONS, [tuple(operation[c] for c in KOHESIO_COLUMNS)]),
        PackageTable(DATA_QUALITY_ANNEX, annex),
    ]


def test_written_twice_seconds_apart_the_bytes_are_the_same() -> None:
    first = workbook_bytes(tables(), CUTOFF)
    time.sleep(2.1)  # zip times have a 2-second resolution, openpyxl's clock 1 second
    assert workbook_bytes(tables(), CUTOFF) == first
    archive = zipfile.ZipFile(io.BytesIO(first))
    assert archive.namelist()[0] == "[Content_Types].xml"
    assert archive.namelist()[1:] == sorted(archive.namelist()[1:])
    assert {i.date_time for i in archive.infolist()} == {(2031, 8, 31, 0, 0, 0)}
    core = archive.read("docProps/core.xml").decode()
    assert core.count("2031-08-31T00:00:00Z") == 2  # created and modified
    book = load_workbook(io.BytesIO(first))
    assert book.properties.created == book.properties.modified == datetime(2031, 8, 31)


def test_different_rows_give_different_bytes() -> None:
    changed = tables()
    changed[2] = PackageTable(DATA_QUALITY_ANNEX, [(CUTOFF, "quarantine_open", "cmrc_col", None, "x", 3)])
    assert workbook_bytes(changed, CUTOFF) != workbook_bytes(tables(), CUTOFF)


def test_sheets_headers_numbers_and_text() -> None:
    book = load_workbook(io.BytesIO(workbook_bytes(tables(), CUTOFF)))
    assert book.sheetnames == ["financial_table_1", "list_of_operations", "data_quality_annex"]
    fin = book["financial_table_1"]
    assert fin.freeze_panes == "A2"
    assert all(cell.font.bold for cell in fin[1])
    row = list(fin[2])
    assert row[0].is_date
    assert row[0].value == datetime(2031, 8, 31)
    assert (row[7].value, row[7].data_type) == ("public", "s")
    assert [(c.value, c.data_type) for c in row[8:]] == [
        (6000000, "n"), (40, "n"), (1200000, "n"), (16, "n"), (960000, "n"), (-1.5, "n"), (0, "n"), (3, "n"),
    ]  # fmt: skip
    assert row[8].number_format == "#,##0.00"
    widths = [fin.column_dimensions[c].width for c in "ABCDEFGHIJKLMNOP"]
    assert all(8 <= w <= 60 for w in widths)
    assert fin.column_dimensions["N"].width >= len("eligible_expenditure_declared")

    ops = book["list_of_operations"]
    header = [c.value for c in ops[1]]
    cells = dict(zip(header, ops[2], strict=True))
    assert (cells["CoFinancing_Rate"].value, cells["CoFinancing_Rate"].data_type) == (40.5, "n")
    assert cells["Total_Eligible_Expenditure_amount"].value == 1200000
    assert cells["Total_Eligible_Expenditure_Exchange_Rate"].value is None
    assert (cells["Beneficiary_Name"].value, cells["Beneficiary_Name"].data_type) == (
        "'@SUM(1+1)*cmd|' /C calc'!A0",
        "s",
    )
    assert cells["Operation_Name_Programme_Language"].value == "Lavoro\\x07 e inclusione"
    annex = book["data_quality_annex"]
    assert annex["E2"].value == "'-2 records without entry date"
    assert (annex["F2"].value, annex["F2"].data_type) == (2, "n")

"""Hostile XLSX drops (issue 16): every case is one workbook (or inbox entry) a ZOT-like pilot
could drop, run in-process through extract -> validate -> land as the DAG's tasks run them, on
the real PostgreSQL.

Each case states its outcome: a refusal naming pilot, file (and row or rule), or a landing with
the records it quarantines and their rules. Every case also checks what all cases share
(tests/hostile/harness.py `check_accounted`): no bare trace, nothing of a refused batch loaded,
received = loaded + unchanged + quarantined, injected strings stored byte for byte as data, the
raw schema intact. Each case runs as a pilot of its own (a copy of `zot_pratico`) with its own
inbox and state folder, so batches never collide.
"""

from __future__ import annotations

import os
import re
import zipfile
from datetime import datetime
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

from tests.conftest import REPO
from tests.hostile.corpus import Built, Expect, loads, quarantines, refused, run_case
from tests.hostile.harness import INJECTIONS, file_channel, forget, pilot_copy
from tests.hostile.xlsx_cases import (
    PILOT,
    UPDATED,
    Cell,
    Table,
    base_table,
    patch_sheet,
    replace_cell,
    write_book,
    write_table,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from tests.conftest import TestEnv

pytestmark = pytest.mark.hostile

DAY = "2026-11-20"  # the interval ends the day after the export's last change
NAME = "PRATICO_partecipanti_2026-11-20.xlsx"
ID, OPERATION, TAX_CODE, GENDER, BORN = (
    "Cod. iscrizione",
    "Cod. progetto",
    "Codice Fiscale",
    "Genere",
    "Data nascita",
)
COMUNE, ISCED, LABOUR, MONTHS = (
    "Comune residenza ISTAT",
    "Livello ISCED",
    "Stato occupazionale",
    "Mesi disoccupazione",
)
DISABILITY, ENTRY = "Disabilità", "Data ingresso"
YES_NO = ("Disabilità", "Cittadino extra UE", "Origine straniera", "Minoranza", "Senza dimora")
TEXT_FIELDS = (ID, OPERATION, TAX_CODE, GENDER, COMUNE, LABOUR, *YES_NO, "Nome", "Cognome")
FIRST_ROW = 6  # 4 title rows and the header above the data


def row(i: int) -> str:
    """The sheet row of data row `i` (a quarantine source ends with it)."""
    return f"row {FIRST_ROW + i}"


def _id(i: int) -> str:
    return f"ZOT-{i:07d}"


# ------------------------------------------------------------------ builders
def swap(xml: str, old: str, new: str) -> str:
    assert old in xml, f"{old!r} not in the sheet XML"
    return xml.replace(old, new)


def not_a_zip(base: Table, inbox: Path) -> None:
    (inbox / NAME).write_bytes(b"not a workbook")


def zip_not_a_workbook(base: Table, inbox: Path) -> None:
    with zipfile.ZipFile(inbox / NAME, "w") as archive:
        archive.writestr("leggimi.txt", "questo non e' un foglio di calcolo")


def truncated_workbook(base: Table, inbox: Path) -> None:
    whole = write_table(inbox / "whole.tmp", base).read_bytes()
    (inbox / "whole.tmp").unlink()
    (inbox / NAME).write_bytes(whole[: len(whole) // 2])


def old_binary_xls(base: Table, inbox: Path) -> None:
    (inbox / NAME).write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096)


def invalid_xml_character(base: Table, inbox: Path) -> None:
    table = base.copy()
    table.rows[2][OPERATION] = "PRATICO-NUL"
    path = write_table(inbox / NAME, table)
    patch_sheet(path, lambda xml: swap(xml, "PRATICO-NUL", "PRATICO-&#0;NUL"))


def empty_workbook(base: Table, inbox: Path) -> None:
    write_book(inbox / NAME, [("Foglio1", [])])


def header_not_found(base: Table, inbox: Path) -> None:
    table = base.copy()
    write_book(inbox / NAME, [("Partecipanti", [*table.title, *table.grid()[len(table.title) + 1 :]])])


def header_below_search_rows(base: Table, inbox: Path) -> None:
    table = base.copy()
    table.title = [[f"Nota {n}"] for n in range(25)]
    write_table(inbox / NAME, table)


def header_only(base: Table, inbox: Path) -> None:
    table = base.copy()
    table.rows = []
    write_table(inbox / NAME, table)


def no_title_block(base: Table, inbox: Path) -> None:
    table = base.copy()
    table.title = []
    write_table(inbox / NAME, table)


def merged_title_block(base: Table, inbox: Path) -> None:
    def merge(book: Any) -> None:
        sheet = book.active
        sheet.merge_cells("A1:T1")
        sheet.merge_cells("A2:J2")
        sheet.merge_cells("A3:T4")

    write_table(inbox / NAME, base, shape=merge)


def header_odd_spacing(base: Table, inbox: Path) -> None:
    table = base.copy()
    spelled = {GENDER: "  GENERE  ", BORN: "Data\nnascita", COMUNE: "Comune\u00a0residenza  istat"}
    table.header = [spelled.get(h, h) for h in table.header]
    table.rows = [{spelled.get(k, k): v for k, v in r.items()} for r in table.rows]
    write_table(inbox / NAME, table)


def duplicate_mapped_header(base: Table, inbox: Path) -> None:
    table = base.copy()
    table.header.append(GENDER)
    write_table(inbox / NAME, table)


def duplicate_unknown_header(base: Table, inbox: Path) -> None:
    table = base.copy()
    table.header += ["Note", "Note"]
    write_table(inbox / NAME, table)


def unknown_header(base: Table, inbox: Path) -> None:
    table = base.copy()
    table.header.append("Note")
    for r in table.rows:
        r["Note"] = "da ricontattare"
    write_table(inbox / NAME, table)


def missing_mapped_header(base: Table, inbox: Path) -> None:
    table = base.copy()
    table.header.remove(BORN)
    write_table(inbox / NAME, table)


SUMMARY = [["Riepilogo estrazione"], ["Partecipanti", 20], ["Data", datetime(2026, 11, 20)]]


def sheet_named_after_record_type_second(base: Table, inbox: Path) -> None:
    write_book(inbox / NAME, [("Riepilogo", SUMMARY), ("participant_enrolments", base.grid())])


def data_sheet_not_first(base: Table, inbox: Path) -> None:
    write_book(inbox / NAME, [("Riepilogo", SUMMARY), ("Partecipanti", base.grid())])


def data_split_over_two_sheets(base: Table, inbox: Path) -> None:
    first, second = base.copy(), base.copy()
    first.rows, second.rows = base.rows[:15], base.rows[15:]
    write_book(inbox / NAME, [("Partecipanti", first.grid()), ("Partecipanti (2)", second.grid())])


def hidden_rows(base: Table, inbox: Path) -> None:
    def hide(book: Any) -> None:
        for number in (FIRST_ROW + 1, FIRST_ROW + 2):
            book.active.row_dimensions[number].hidden = True
        book.active.column_dimensions["L"].hidden = True

    write_table(inbox / NAME, base, shape=hide)


def merged_data_cells(base: Table, inbox: Path) -> None:
    table = base.copy()
    column = table.header.index(OPERATION) + 1
    letter = chr(ord("A") + column - 1)

    def merge(book: Any) -> None:
        book.active.merge_cells(f"{letter}{FIRST_ROW}:{letter}{FIRST_ROW + 1}")

    write_table(inbox / NAME, table, shape=merge)


def blank_rows_between(base: Table, inbox: Path) -> None:
    grid = base.grid()
    at = len(base.title) + 1
    body = grid[at:]
    spaced = [*grid[:at], *body[:5], [], [None, "   "], *body[5:12], [], [], *body[12:]]
    write_book(inbox / NAME, [("Partecipanti", spaced)])


def table_case(change: Callable[[Table], Built | None]) -> Callable[[Table, Path], Built | None]:
    def build(base: Table, inbox: Path) -> Built | None:
        table = base.copy()
        built = change(table)
        write_table(inbox / NAME, table)
        return built

    return build


def whitespace_cells(table: Table) -> Built:
    gender = table.rows[1][GENDER]
    table.rows[0]["Data uscita"] = "   "
    table.rows[1][GENDER] = f"  {gender}\t"
    return Built(values={_id(0): {"exit_date": None}, _id(1): {"gender": _gender(gender)}})


def _gender(sent: str) -> str:
    return {"Femmina": "F", "Maschio": "M", "Non binario": "non-binary"}[sent]


def formula_with_cached_value(base: Table, inbox: Path) -> Built:
    table = base.copy()
    table.rows[0][ISCED] = 424242
    female = next(i for i, r in enumerate(base.rows) if r[GENDER] == "Femmina")
    table.rows[female][GENDER] = 434343
    path = write_table(inbox / NAME, table)
    patch_sheet(
        path,
        lambda xml: replace_cell(
            replace_cell(xml, 424242, '<c r="{ref}"><f>1+2</f><v>3</v></c>'),
            434343,
            '<c r="{ref}" t="str"><f>IF(TRUE,"Femmina","Maschio")</f><v>Femmina</v></c>',
        ),
    )
    return Built(values={_id(0): {"isced_level": 3}, _id(female): {"gender": "F"}})


def formula_without_cached_value(base: Table, inbox: Path) -> Built:
    # No cached value: the reader sees an empty education cell, and an enrolment with a point
    # 1.1 datum missing lands as an incomplete participant (dbt keeps it out of Art. 17(5)).
    table = base.copy()
    table.rows[0][ISCED] = Cell("=1+2", formula=True)
    write_table(inbox / NAME, table)
    return Built(values={_id(0): {"isced_level": None}})


def error_cells(base: Table, inbox: Path) -> None:
    table = base.copy()
    table.rows[0][MONTHS] = "#N/A"
    table.rows[1][ENTRY] = "#DIV/0!"
    table.rows[2][GENDER] = "#VALUE!"
    write_table(inbox / NAME, table)


def dates_as_iso_text(base: Table, inbox: Path) -> Built:
    table = base.copy()
    for r in table.rows:
        r[BORN] = f"{r[BORN]:%Y-%m-%d}"
    write_table(inbox / NAME, table)
    return Built(values={_id(0): {"birth_date": f"{base.rows[0][BORN]:%Y-%m-%d}"}})


DATE_TEXTS = ("{:%d/%m/%Y}", "{:%d.%m.%Y}", "{:%d} dicembre {:%Y}", "{:%d-%m-%Y}")


def dates_as_other_text(base: Table, inbox: Path) -> None:
    """Five formats that are not the pilot's (ISO 8601, exactly YYYY-MM-DD) are quarantined."""
    table = base.copy()
    for i, pattern in enumerate(DATE_TEXTS):
        born = table.rows[i][BORN]
        table.rows[i][BORN] = pattern.format(born, born)
    table.rows[4][BORN] = f"{base.rows[4][BORN]:%Y/%m/%d}"
    write_table(inbox / NAME, table)


def excel_serial(day: datetime) -> int:
    return (day - datetime(1899, 12, 30)).days


def dates_as_serial_numbers(base: Table, inbox: Path) -> None:
    table = base.copy()
    table.rows[0][BORN] = excel_serial(table.rows[0][BORN])
    write_table(inbox / NAME, table)


def dates_as_formatted_serials(base: Table, inbox: Path) -> Built:
    table = base.copy()
    for r in table.rows:
        r[BORN] = Cell(excel_serial(r[BORN]), number_format="DD/MM/YYYY")
    write_table(inbox / NAME, table)
    return Built(values={_id(i): {"birth_date": f"{base.rows[i][BORN]:%Y-%m-%d}"} for i in (0, 19)})


def booleans_in_yes_no_columns(base: Table, inbox: Path) -> Built:
    table = base.copy()
    table.rows[0][DISABILITY] = True
    table.rows[1][DISABILITY] = False
    write_table(inbox / NAME, table)
    return Built(values={_id(0): {"disability": "yes"}, _id(1): {"disability": "no"}})


def boolean_in_a_number_column(base: Table, inbox: Path) -> None:
    table = base.copy()
    table.rows[0][MONTHS] = True
    write_table(inbox / NAME, table)


def floats_with_binary_noise(base: Table, inbox: Path) -> Built:
    table = base.copy()
    table.rows[0][MONTHS] = 515151
    table.rows[1][ISCED] = 525252
    table.rows[2][MONTHS] = 535353
    path = write_table(inbox / NAME, table)

    def noise(xml: str) -> str:
        xml = replace_cell(xml, 515151, '<c r="{ref}" t="n"><v>0.30000000000000004</v></c>')
        xml = replace_cell(xml, 525252, '<c r="{ref}" t="n"><v>3.0000000000000004</v></c>')
        return replace_cell(xml, 535353, '<c r="{ref}" t="n"><v>2.0</v></c>')

    patch_sheet(path, noise)
    return Built(values={_id(2): {"unemployment_months": 2}})


def percent_cell(base: Table, inbox: Path) -> None:
    table = base.copy()
    table.rows[0][MONTHS] = Cell(0.12, number_format="0%")
    write_table(inbox / NAME, table)


def huge_number(base: Table, inbox: Path) -> None:
    table = base.copy()
    table.rows[0][MONTHS] = 545454
    path = write_table(inbox / NAME, table)
    patch_sheet(
        path, lambda xml: replace_cell(xml, 545454, '<c r="{ref}" t="n"><v>99999999999999999999</v></c>')
    )


LOCALE_TEXTS = ("2,5", "1.5", "1 000", "\u0663", "-3")


def numbers_as_text_in_locale_traps(base: Table, inbox: Path) -> Built:
    table = base.copy()
    for i, text in enumerate(LOCALE_TEXTS):
        table.rows[i][MONTHS] = text
    table.rows[5][MONTHS] = "12"
    write_table(inbox / NAME, table)
    return Built(values={_id(5): {"unemployment_months": 12}})


def comune_code_as_number(base: Table, inbox: Path) -> None:
    table = base.copy()
    table.rows[0][COMUNE] = int(table.rows[0][COMUNE])  # Excel drops the leading zeros
    write_table(inbox / NAME, table)


HUGE = "x" * 32767  # Excel's limit for one cell


def huge_cells(base: Table, inbox: Path) -> Built:
    table = base.copy()
    table.rows[0][GENDER] = HUGE
    table.rows[1][OPERATION] = "P" + HUGE[1:]
    write_table(inbox / NAME, table)
    return Built(injected=(HUGE, "P" + HUGE[1:]))


def ragged_row(base: Table, inbox: Path) -> None:
    grid = base.grid()
    grid[len(base.title) + 1 + 3] = [*grid[len(base.title) + 1 + 3], "cella in piu'"]
    write_book(inbox / NAME, [("Partecipanti", grid)])


def value_under_a_blank_header_cell(base: Table, inbox: Path) -> None:
    grid = base.grid()
    at = len(base.title)
    for number, values in enumerate(grid[at:]):  # the header (blank cell), then the data rows
        values.insert(10, "valore senza intestazione" if number == 1 else None)
    write_book(inbox / NAME, [("Partecipanti", grid)])


def injections_in_free_text(base: Table, inbox: Path) -> Built:
    table = base.copy()
    for i, text in enumerate(INJECTIONS):
        table.rows[i][OPERATION] = text
    write_table(inbox / NAME, table)
    return Built(injected=INJECTIONS, values={_id(i): {"operation_id": t} for i, t in enumerate(INJECTIONS)})


def injections_in_every_text_field(base: Table, inbox: Path) -> Built:
    table = base.copy()
    for text in INJECTIONS:
        hostile = dict(base.rows[0])
        for name in TEXT_FIELDS:
            hostile[name] = text
        table.rows.append(hostile)
    write_table(inbox / NAME, table)
    return Built(injected=INJECTIONS)


def cells_with_newlines_and_unicode(base: Table, inbox: Path) -> Built:
    table = base.copy()
    odd = ("PRATICO-03\nriga 2\tcol", "PRATICO-Citta\u0300", "PRATICO-\U0001f600-\u200b-\u202e")
    for i, text in enumerate(odd):
        table.rows[i][OPERATION] = text
    write_table(inbox / NAME, table)
    return Built(injected=odd, values={_id(i): {"operation_id": t} for i, t in enumerate(odd)})


def named(name: str | bytes) -> Callable[[Table, Path], None]:
    def build(base: Table, inbox: Path) -> None:
        target = os.path.join(os.fsencode(inbox), name) if isinstance(name, bytes) else inbox / name
        write_table(inbox / "tmp.bin", base)
        os.rename(inbox / "tmp.bin", target)

    return build


def symlink_to_outside(base: Table, inbox: Path) -> None:
    outside = write_table(inbox.parent / "altrove.xlsx", base)
    (inbox / NAME).symlink_to(outside)


def symlink_to_etc_passwd(base: Table, inbox: Path) -> Built:
    (inbox / NAME).symlink_to("/etc/passwd")
    return Built(forbidden=("root:",))


def directory_matching(base: Table, inbox: Path) -> None:
    (inbox / NAME).mkdir()
    write_table(inbox / NAME / "dentro.xlsx", base)


def fifo_matching(base: Table, inbox: Path) -> None:
    os.mkfifo(inbox / NAME)


def same_content_two_names(base: Table, inbox: Path) -> None:
    write_table(inbox / NAME, base)
    write_table(inbox / "PRATICO_partecipanti_2026-11-20 (1).xlsx", base)


def good_file_and_broken_file(base: Table, inbox: Path) -> None:
    write_table(inbox / NAME, base)
    (inbox / "PRATICO_partecipanti_2026-11-21.xlsx").write_bytes(b"PK\x03\x04 troncato")


def wrong_dimension(base: Table, inbox: Path) -> None:
    """openpyxl writes the used range (A1:<last column><last row>); the pilot's tool writes A1."""
    path = write_table(inbox / NAME, base)

    def shrink(xml: str) -> str:
        used_range = re.search(r'<dimension ref="A1:[A-Z]+[0-9]+" />', xml)
        assert used_range, "no used-range dimension element in the sheet XML"
        return swap(xml, used_range.group(0), '<dimension ref="A1" />')

    patch_sheet(path, shrink)


def every_row_invalid(base: Table, inbox: Path) -> None:
    table = base.copy()
    for r in table.rows:
        r[GENDER] = "Altro"
    write_table(inbox / NAME, table)


def every_row_twice_differing(base: Table, inbox: Path) -> None:
    table = base.copy()
    table.rows = [version for r in base.rows for version in (r, dict(r) | {MONTHS: 99})]
    write_table(inbox / NAME, table)


def every_row_twice_identical(base: Table, inbox: Path) -> None:
    table = base.copy()
    table.rows = [r for r in base.rows for _ in range(2)]
    write_table(inbox / NAME, table)


def stale_export(base: Table, inbox: Path) -> None:
    table = base.copy()
    for r in table.rows:
        r[UPDATED] = datetime(2026, 1, 15, 12, 0)
    write_table(inbox / NAME, table)


def plain(base: Table, inbox: Path) -> None:
    write_table(inbox / NAME, base)


# ------------------------------------------------------------------ the corpus
# fmt: off
# (case id, builder, expected outcome, the pilot's max_bad_row_share)
CASES: list[tuple[str, Callable[[Table, Path], Built | None], Expect, float]] = [
    # files that are no workbook
    ("not_a_zip", not_a_zip, refused(NAME, "not an XLSX workbook"), 0.5),
    ("zip_not_a_workbook", zip_not_a_workbook, refused(NAME, "not a readable XLSX workbook"), 0.5),
    ("truncated_workbook", truncated_workbook, refused(NAME, "XLSX workbook"), 0.5),
    ("old_binary_xls", old_binary_xls, refused(NAME, "not an XLSX workbook", ".xls"), 0.5),
    ("nul_character_reference_in_sheet_xml", invalid_xml_character, refused(NAME, "sheet"), 0.5),
    ("empty_workbook", empty_workbook, refused(NAME, "no header row"), 0.5),
    ("two_files_one_broken", good_file_and_broken_file,
     refused("PRATICO_partecipanti_2026-11-21.xlsx", "XLSX workbook"), 0.5),
    # headers
    ("header_not_found", header_not_found, refused(NAME, "no header row"), 0.5),
    ("header_below_row_20", header_below_search_rows,
     refused(NAME, "no header row in the first 20 rows"), 0.5),
    ("header_only", header_only, loads(0), 0.5),
    ("no_title_block", no_title_block, loads(20), 0.5),
    ("title_block_merged_cells", merged_title_block, loads(20), 0.5),
    ("header_odd_spacing_and_case", header_odd_spacing, loads(20), 0.5),
    ("duplicate_mapped_header", duplicate_mapped_header,
     refused(NAME, "header has column 'Genere' twice"), 0.5),
    ("duplicate_unknown_header", duplicate_unknown_header, refused(NAME, "unknown column(s)", "Note"), 0.5),
    ("unknown_header", unknown_header, refused(NAME, "header has unknown column(s) 'Note'"), 0.5),
    ("missing_mapped_header", missing_mapped_header,
     refused(NAME, "lacks mapped column(s) 'Data nascita'"), 0.5),
    ("wrong_dimension_element", wrong_dimension, loads(20), 0.5),
    # sheets
    ("sheet_named_after_record_type_second", sheet_named_after_record_type_second, loads(20), 0.5),
    ("data_sheet_not_first", data_sheet_not_first, refused(NAME, "'Riepilogo'"), 0.5),
    ("data_split_over_two_sheets", data_split_over_two_sheets, refused(NAME, "Partecipanti (2)"), 0.5),
    # layout
    ("hidden_rows_and_columns", hidden_rows, loads(20), 0.5),
    ("merged_data_cells", merged_data_cells, quarantines(19, {_id(1): ("operation_present",)}), 0.5),
    ("blank_rows_between_data", blank_rows_between, loads(20), 0.5),
    ("whitespace_only_and_padded_cells", table_case(whitespace_cells), loads(20), 0.5),
    ("ragged_row", ragged_row,
     quarantines(19, {row(3): ("row_shape",)}, {row(3): ("beyond the header", "cella in piu'")}), 0.5),
    ("value_under_a_blank_header_cell", value_under_a_blank_header_cell,
     quarantines(19, {row(0): ("row_shape",)}, {row(0): ("valore senza intestazione",)}), 0.5),
    # formulas and error cells
    ("formula_with_cached_value", formula_with_cached_value, loads(20), 0.5),
    ("formula_without_cached_value", formula_without_cached_value, loads(20), 0.5),
    ("error_cells", error_cells, quarantines(
        17,
        {_id(0): ("typed_values",), _id(1): ("typed_values",), _id(2): ("gender_domain",)},
        {_id(0): ("'#N/A'",), _id(1): ("'#DIV/0!'",), _id(2): ("'#VALUE!'",)},
    ), 0.5),
    # dates
    ("dates_as_iso_text", dates_as_iso_text, loads(20), 0.5),
    ("dates_as_text_in_other_formats", dates_as_other_text, quarantines(
        15,
        {_id(i): ("typed_values",) for i in range(5)},
        {_id(i): ("birth_date='", "is not a date") for i in range(5)},
    ), 0.5),
    ("dates_as_plain_serial_numbers", dates_as_serial_numbers,
     quarantines(19, {_id(0): ("typed_values",)}, {_id(0): ("birth_date='23352'",)}), 0.5),
    ("dates_as_serials_with_date_format", dates_as_formatted_serials, loads(20), 0.5),
    ("dates_as_real_date_cells", plain, loads(20), 0.5),
    # booleans and numbers
    ("booleans_true_false_in_yes_no_columns", booleans_in_yes_no_columns, loads(20), 0.5),
    ("boolean_in_a_number_column", boolean_in_a_number_column,
     quarantines(19, {_id(0): ("typed_values",)}, {_id(0): ("unemployment_months=",)}), 0.5),
    ("floats_with_binary_noise", floats_with_binary_noise, quarantines(
        18,
        {_id(0): ("typed_values",), _id(1): ("typed_values",)},
        {_id(0): ("0.30000000000000004",), _id(1): ("3.0000000000000004",)},
    ), 0.5),
    ("percent_cell", percent_cell, quarantines(19, {_id(0): ("typed_values",)}, {_id(0): ("0.12",)}), 0.5),
    ("huge_number", huge_number, quarantines(19, {_id(0): ()}, {_id(0): ("99999999999999999999",)}), 0.5),
    ("numbers_as_text_in_locale_traps", numbers_as_text_in_locale_traps, quarantines(
        15,
        {_id(0): ("typed_values",), _id(1): ("typed_values",), _id(2): ("typed_values",),
         _id(3): ("typed_values",), _id(4): ("unemployment_months_not_negative",)},
        {_id(0): ("'2,5'",), _id(1): ("'1.5'",), _id(2): ("'1 000'",), _id(3): ("\u0663",)},
    ), 0.5),
    ("comune_code_as_number", comune_code_as_number,
     quarantines(19, {_id(0): ("residence_comune_format",)}), 0.5),
    # strings
    ("huge_cells", huge_cells, quarantines(19, {_id(0): ("gender_domain",)}), 0.5),
    ("injections_in_free_text", injections_in_free_text, loads(20), 0.5),
    ("injections_in_every_text_field", injections_in_every_text_field, quarantines(
        20,
        {text: ("tax_code_format", "gender_domain", "labour_status_domain", "residence_comune_format",
                "disability_domain") for text in INJECTIONS},
    ), 0.5),
    ("newlines_tabs_and_unicode_in_cells", cells_with_newlines_and_unicode, loads(20), 0.5),
    # file names, links, directories
    ("file_name_with_accents_and_spaces", named("PRATICO_partecipanti_Città di Torino (copia) 2026.xlsx"),
     loads(20), 0.5),
    ("file_name_not_utf8", named(b"PRATICO_partecipanti_\xe9t\xe9.xlsx"), loads(20), 0.5),
    ("file_name_with_sql", named("PRATICO_partecipanti_'; DROP TABLE raw.files; --.xlsx"), loads(20), 0.5),
    ("file_name_with_newline_and_dash", named("PRATICO_partecipanti_\n-rf *.xlsx"), loads(20), 0.5),
    ("symlink_to_a_workbook_outside", symlink_to_outside, refused(NAME, "symbolic link"), 0.5),
    ("symlink_to_etc_passwd", symlink_to_etc_passwd, refused(NAME, "symbolic link"), 0.5),
    ("directory_matching_the_pattern", directory_matching, refused(NAME, "a directory"), 0.5),
    ("fifo_matching_the_pattern", fifo_matching, refused(NAME, "named pipe"), 0.5),
    ("same_content_under_two_names", same_content_two_names, loads(20), 0.5),
    # batch gates
    ("every_row_invalid", every_row_invalid,
     refused("20 of 20 records invalid", "above the pilot's limit", "gender_domain", row(0)), 0.2),
    ("every_row_twice_differing", every_row_twice_differing,
     refused("record_id_unique", "above the pilot's limit"), 0.2),
    ("every_row_twice_identical", every_row_twice_identical,
     quarantines(20, {_id(0): ("record_id_unique",)}, total=20), 0.6),
    ("stale_export", stale_export, refused("batch_fresh", "stale batch"), 0.5),
]
# fmt: on


PILOTS = [f"zoth_{n:02d}" for n in range(len(CASES))]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, test_env: TestEnv) -> Table:
    return base_table(tmp_path_factory.mktemp("zot_export"), test_env.env, REPO)


@pytest.fixture(scope="module")
def conn(test_env: TestEnv) -> Iterator[psycopg.Connection]:
    with psycopg.connect(test_env.warehouse_uri, autocommit=True) as connection:
        forget(connection, PILOTS)
        yield connection
        forget(connection, PILOTS)


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 42
    assert len({case_id for case_id, *_ in CASES}) == len(CASES)


@pytest.mark.parametrize(("case_id", "build", "expect", "max_bad"), CASES, ids=[c[0] for c in CASES])
def test_hostile_xlsx(
    case_id: str,
    build: Callable[[Table, Path], Built | None],
    expect: Expect,
    max_bad: float,
    base: Table,
    conn: psycopg.Connection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OSSERVATORIO_STATE_DIR", str(tmp_path / "state"))
    pilot_id = PILOTS[[c[0] for c in CASES].index(case_id)]
    pilot = pilot_copy(PILOT, pilot_id, max_bad_row_share=max_bad)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    built = build(base, inbox) or Built()
    run_case(conn, "xlsx", case_id, expect, pilot, DAY, file_channel(pilot, inbox), built)

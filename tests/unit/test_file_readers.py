"""File-drop readers on real files written here: CSV encodings and delimiters, XLSX title blocks
and typed cells, and the structural problems that reject a file."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import pytest
from openpyxl import Workbook

from osservatorio.channels import channel_for
from osservatorio.extract.file_drop import (
    ALREADY_LANDED,
    NEW,
    FileExtractResult,
    FileRejected,
    extract_files,
    sha256_of,
)
from osservatorio.extract.file_table import EXTRA_CELLS, MISSING_CELLS
from osservatorio.extract.xlsx_values import CellFormatter
from osservatorio.registry import EntitySource, Pilot, ValueFormats

if TYPE_CHECKING:
    from pathlib import Path

ITALIAN = ValueFormats(
    date="%d/%m/%Y", datetime="%d/%m/%Y %H:%M", decimal_separator=",", thousands_separator="."
)
# Headers as a Lombard case-management export writes them: spaces, accents, a euro sign.
FIELDS = {
    "expenditure_id": "Nr. spesa",
    "operation_id": "Codice progetto",
    "declared_date": "Data dichiarazione",
    "amount": "Importo (€)",
    "source_updated_at": "Ultima modifica",
}
NOTES = "Attività / note"  # read as the pilot sends it, but mapped onto nothing (registry `ignored`)
HEADER = [*FIELDS.values(), NOTES]


def file_pilot(
    channel: str, pattern: str, fields: dict[str, str] = FIELDS, ignored: tuple[str, ...] = (NOTES,)
) -> tuple[Pilot, EntitySource]:
    source = EntitySource(entity="expenditures", fields=fields, file_pattern=pattern, ignored=ignored)
    pilot = Pilot(
        pilot_id="test_file_pilot",
        name="Test file pilot",
        channel=channel,
        connection_id="pilot_test_file",
        schedule="@daily",
        comuni=("015146",),
        nuts3="ITC4C",
        fund="ESF+",
        actions=("4.4.8.1",),
        max_bad_row_share=0.2,
        entities={"expenditures": source},
        formats=ITALIAN,
    )
    return pilot, source


def write_csv(path: Path, rows: list[list[str]], encoding: str = "cp1252", delimiter: str = ";") -> Path:
    def cell(value: str) -> str:
        needs_quotes = any(c in value for c in (delimiter, '"', "\n", "\r"))
        return '"' + value.replace('"', '""') + '"' if needs_quotes else value

    text = "".join(delimiter.join(cell(v) for v in row) + "\r\n" for row in rows)
    path.write_bytes(text.encode(encoding))
    return path


def read(result: FileExtractResult) -> list[dict[str, Any]]:
    with open(result.path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def extract(
    tmp_path: Path, channel: str = "csv_drop", pattern: str = "*.csv", **kw: Any
) -> FileExtractResult:
    pilot, source = file_pilot(channel, pattern, **kw)
    return extract_files(
        pilot, source, tmp_path / "inbox", tmp_path / "out.jsonl", set(), channel_for(pilot).read_file
    )


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    (tmp_path / "inbox").mkdir()
    return tmp_path / "inbox"


ROWS = [
    HEADER,
    ["S1", "PRJ-1", "03/02/2026", "1.234,50", "03/02/2026 10:15", "Caffè e attività in città"],
    ["S2", "PRJ-2", "28/02/2026", "0,75", "", "Niccolò, però"],
]


# -- CSV ---------------------------------------------------------------------------------------


def test_cp1252_and_utf8_bom_files_read_back_to_the_same_records(tmp_path: Path, inbox: Path) -> None:
    write_csv(inbox / "a_spese.csv", ROWS, encoding="cp1252")
    write_csv(inbox / "b_spese.csv", ROWS, encoding="utf-8-sig")
    result = extract(tmp_path)
    assert [(f.name, f.encoding, f.delimiter, f.records) for f in result.files] == [
        ("a_spese.csv", "cp1252", ";", 2),
        ("b_spese.csv", "utf-8-sig", ";", 2),
    ]
    items = read(result)
    assert [i["record"] for i in items[:2]] == [i["record"] for i in items[2:]]
    first = items[0]
    assert first["source"] == "a_spese.csv:2"
    assert first["record"] == {
        "Nr. spesa": "S1",
        "Codice progetto": "PRJ-1",
        "Data dichiarazione": "03/02/2026",
        "Importo (€)": "1.234,50",  # decimal comma and thousands dot untouched: canonical.py parses
        "Ultima modifica": "03/02/2026 10:15",
        "Attività / note": "Caffè e attività in città",
    }
    assert items[1]["record"]["Ultima modifica"] is None  # empty cell -> null


def test_plain_utf8_without_bom_is_utf8(tmp_path: Path, inbox: Path) -> None:
    write_csv(inbox / "spese.csv", ROWS, encoding="utf-8")
    result = extract(tmp_path)
    assert result.files[0].encoding == "utf-8"
    assert read(result)[1]["record"]["Attività / note"] == "Niccolò, però"


@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
def test_delimiter_is_detected_per_file(tmp_path: Path, inbox: Path, delimiter: str) -> None:
    write_csv(inbox / "spese.csv", ROWS, delimiter=delimiter)
    result = extract(tmp_path)
    assert result.files[0].delimiter == delimiter
    records = [i["record"] for i in read(result)]
    assert records[0]["Importo (€)"] == "1.234,50"  # quoted when `,` is the delimiter
    assert records[1]["Attività / note"] == "Niccolò, però"


def test_header_with_both_separators_is_split_by_the_one_that_yields_the_mapped_columns(
    tmp_path: Path, inbox: Path
) -> None:
    fields = {"expenditure_id": "Nr. spesa", "amount": "Importo (€, lordo)", "declared_date": "Data"}
    rows = [["Nr. spesa", "Importo (€, lordo)", "Data"], ["S1", "10,5", "01/01/2026"]]
    write_csv(inbox / "spese.csv", rows, delimiter=";")
    result = extract(tmp_path, fields=fields)
    assert result.files[0].delimiter == ";"
    assert read(result)[0]["record"]["Importo (€, lordo)"] == "10,5"


def test_quoted_newline_stays_in_its_field_and_lines_are_physical(tmp_path: Path, inbox: Path) -> None:
    rows = [
        HEADER,
        ["S1", "P", "01/01/2026", "1", "", "prima riga\nseconda riga"],
        ["S2", "P", "", "", "", ""],
    ]
    write_csv(inbox / "spese.csv", rows)
    items = read(extract(tmp_path))
    assert items[0]["record"]["Attività / note"] == "prima riga\nseconda riga"
    assert [i["source"] for i in items] == ["spese.csv:2", "spese.csv:4"]


def test_ragged_rows_are_kept_and_marked_for_quarantine(tmp_path: Path, inbox: Path) -> None:
    text = (
        "Nr. spesa;Codice progetto;Data dichiarazione;Importo (€);Ultima modifica\r\n"
        "S1;P;01/01/2026;5;;oops;\r\n"  # two cells too many, one non-empty
        "S2;P\r\n"  # three cells missing
        ";;;;\r\n"  # an all-empty row: skipped
        "S3;P;01/01/2026;5;;\r\n"  # a trailing delimiter only: not ragged
    )
    (inbox / "spese.csv").write_bytes(text.encode("cp1252"))
    result = extract(tmp_path)
    records = {i["source"]: i["record"] for i in read(result)}
    assert result.received == 3
    assert records["spese.csv:2"][EXTRA_CELLS] == ["oops", None]
    assert records["spese.csv:3"] == {
        "Nr. spesa": "S2",
        "Codice progetto": "P",
        "Data dichiarazione": None,
        "Importo (€)": None,
        "Ultima modifica": None,
        MISSING_CELLS: 3,
    }
    assert EXTRA_CELLS not in records["spese.csv:5"]
    assert MISSING_CELLS not in records["spese.csv:5"]


def test_header_matching_ignores_case_and_spacing_and_keys_follow_the_registry(
    tmp_path: Path, inbox: Path
) -> None:
    header = ["NR. SPESA", " Codice  progetto", "data dichiarazione", "Importo (€)", "Ultima modifica "]
    write_csv(inbox / "spese.csv", [header, ["S1", "P", "01/01/2026", "1", ""]])
    record = read(extract(tmp_path))[0]["record"]
    assert list(record) == list(FIELDS.values())


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty file"),
        (b"\r\n\r\n", "empty file"),
        (b"\xef\xbb\xbf", "empty file"),
        (b"PK\x03\x04\x00\x00\xff\xfe\x00\x01binary junk\x00", "not a text file"),
        (b"\xff\xfe" + "Nr. spesa;".encode("utf-16-le"), "UTF-16"),
    ],
)
def test_unusable_file_is_rejected_naming_pilot_and_file(
    tmp_path: Path, inbox: Path, content: bytes, problem: str
) -> None:
    (inbox / "spese_rotto.csv").write_bytes(content)
    with pytest.raises(FileRejected, match=rf"pilot test_file_pilot: file spese_rotto\.csv: {problem}"):
        extract(tmp_path)


def test_header_missing_mapped_columns_names_them(tmp_path: Path, inbox: Path) -> None:
    header = ["Nr. spesa", "Codice progetto", "Ultima modifica"]
    write_csv(inbox / "spese.csv", [header, ["S1", "P", ""]])
    with pytest.raises(FileRejected) as rejected:
        extract(tmp_path)
    message = str(rejected.value)
    assert "file spese.csv, line 1" in message
    assert "'Data dichiarazione', 'Importo (€)'" in message


@pytest.mark.parametrize(("channel", "pattern"), [("csv_drop", "*.csv"), ("xlsx_drop", "*.xlsx")])
def test_a_column_neither_mapped_nor_ignored_refuses_the_file(
    tmp_path: Path, inbox: Path, channel: str, pattern: str
) -> None:
    # The same header is fine while the registry lists the notes column as ignored.
    header = [*HEADER, "Codice ISEE"]
    row = ["S1", "PRJ-1", "03/02/2026", "1,00", "", "nota", "X"]
    if channel == "csv_drop":
        write_csv(inbox / "spese.csv", [header, row])
    else:
        write_xlsx(inbox / "spese.xlsx", [*TITLE_BLOCK, header, row])
    assert extract(tmp_path, channel, pattern, ignored=(NOTES, "Codice ISEE")).received == 1
    name = f"spese.{pattern[2:]}"
    with pytest.raises(FileRejected) as rejected:
        extract(tmp_path, channel, pattern)
    assert str(rejected.value).startswith(f"pilot test_file_pilot: file {name}")
    assert str(rejected.value).endswith(
        "header has unknown column(s) 'Codice ISEE': neither mapped nor ignored in config/pilots.yaml"
    )


def test_malformed_quoting_is_rejected_with_its_line(tmp_path: Path, inbox: Path) -> None:
    text = ";".join(HEADER) + '\r\nS1;P;01/01/2026;1;;ok\r\nS2;P;01/01/2026;1;;"never closed\r\n'
    (inbox / "spese.csv").write_bytes(text.encode("cp1252"))
    with pytest.raises(FileRejected, match=r"file spese\.csv, line 3: malformed CSV"):
        extract(tmp_path)


def test_a_rejected_file_leaves_no_output_to_load(tmp_path: Path, inbox: Path) -> None:
    write_csv(inbox / "a.csv", ROWS)
    (inbox / "b.csv").write_bytes(b"Nr. spesa;altro\r\n1;2\r\n")
    (tmp_path / "out.jsonl").write_text('{"stale": "from an earlier run"}\n')
    with pytest.raises(FileRejected, match=r"file b\.csv"):
        extract(tmp_path)
    assert not (tmp_path / "out.jsonl").exists()
    assert not list(tmp_path.glob("out.jsonl*"))


# -- checksums ---------------------------------------------------------------------------------


def test_landed_content_is_skipped_unread_even_under_another_name(tmp_path: Path, inbox: Path) -> None:
    landed = write_csv(inbox / "spese_gennaio.csv", ROWS)
    (inbox / "spese_gennaio_copia.csv").write_bytes(landed.read_bytes())
    write_csv(inbox / "spese_febbraio.csv", [HEADER, ["S9", "P", "", "", "", ""]])
    pilot, source = file_pilot("csv_drop", "*.csv")
    result = extract_files(
        pilot, source, inbox, tmp_path / "out.jsonl", {sha256_of(landed)}, channel_for(pilot).read_file
    )
    assert [(f.name, f.status, f.records) for f in result.files] == [
        ("spese_febbraio.csv", NEW, 1),
        ("spese_gennaio.csv", ALREADY_LANDED, 0),
        ("spese_gennaio_copia.csv", ALREADY_LANDED, 0),
    ]
    assert result.received == 1


def test_skipped_file_is_not_even_read(tmp_path: Path, inbox: Path) -> None:
    junk = inbox / "spese.csv"
    junk.write_bytes(b"\x00\x01 not a csv at all")  # would be rejected if it were read
    pilot, source = file_pilot("csv_drop", "*.csv")
    result = extract_files(
        pilot, source, inbox, tmp_path / "out.jsonl", {sha256_of(junk)}, channel_for(pilot).read_file
    )
    assert result.files[0].status == ALREADY_LANDED
    assert result.received == 0


def test_identical_files_in_one_run_are_read_once(tmp_path: Path, inbox: Path) -> None:
    first = write_csv(inbox / "spese_1.csv", ROWS)
    (inbox / "spese_2.csv").write_bytes(first.read_bytes())
    result = extract(tmp_path)
    assert [(f.status, f.records) for f in result.files] == [(NEW, 2), (ALREADY_LANDED, 0)]
    assert result.received == 2


def test_only_files_matching_the_pattern_are_read_in_name_order(tmp_path: Path, inbox: Path) -> None:
    write_csv(inbox / "spese_b.csv", ROWS)
    write_csv(inbox / "spese_a.csv", ROWS[:2])
    (inbox / "leggimi.txt").write_text("not for this entity")
    result = extract(tmp_path, pattern="spese_*.csv")
    assert [f.name for f in result.files] == ["spese_a.csv", "spese_b.csv"]
    assert [i["source"] for i in read(result)] == ["spese_a.csv:2", "spese_b.csv:2", "spese_b.csv:3"]


# -- XLSX --------------------------------------------------------------------------------------


def write_xlsx(path: Path, rows: list[list[Any]], sheets: tuple[str, ...] = ("Spese",)) -> Path:
    workbook = Workbook()
    first = workbook.active
    first.title = sheets[0]
    for name in sheets[1:]:
        workbook.create_sheet(name)
    target = workbook[sheets[-1]] if len(sheets) > 1 else first
    for row in rows:
        target.append(row)
    workbook.save(path)
    return path


TITLE_BLOCK: list[list[Any]] = [
    ["Programma ZOT Pratico - estrazione spese"],
    ["Data estrazione:", dt.date(2026, 3, 1)],
    [],
]


def test_xlsx_title_block_is_skipped_and_typed_cells_follow_the_pilot_formats(
    tmp_path: Path, inbox: Path
) -> None:
    rows = [
        *TITLE_BLOCK,
        HEADER,
        ["S1", "PRJ-1", dt.datetime(2026, 2, 3), 1234.5, dt.datetime(2026, 2, 3, 10, 15), "Caffè"],
        [None, None, None, None, None, None],  # fully empty: skipped
        ["S2", 4711, dt.date(2026, 2, 28), 7, dt.datetime(2026, 2, 28), None],
        ["S3", "P", "28/02/2026", 0.00001, "", True],
    ]
    write_xlsx(inbox / "spese.xlsx", rows)
    result = extract(tmp_path, channel="xlsx_drop", pattern="*.xlsx")
    assert result.files[0].encoding is None
    assert result.files[0].delimiter is None
    items = read(result)
    assert [i["source"] for i in items] == ["spese.xlsx:row 5", "spese.xlsx:row 7", "spese.xlsx:row 8"]
    assert items[0]["record"] == {
        "Nr. spesa": "S1",
        "Codice progetto": "PRJ-1",
        "Data dichiarazione": "03/02/2026",  # a date-only cell: the pilot's date format
        "Importo (€)": "1234,5",  # the pilot's decimal comma, no thousands separator
        "Ultima modifica": "03/02/2026 10:15",  # a time part: the pilot's datetime format
        "Attività / note": "Caffè",
    }
    second = items[1]["record"]
    assert second["Codice progetto"] == "4711"  # an int cell, no ".0"
    assert second["Importo (€)"] == "7"
    assert second["Ultima modifica"] == "28/02/2026 00:00"  # a datetime field stays a datetime
    third = items[2]["record"]
    assert third["Data dichiarazione"] == "28/02/2026"  # text cells untouched
    assert third["Importo (€)"] == "0,00001"  # never scientific notation
    assert third["Ultima modifica"] is None
    assert third["Attività / note"] == "true"


def test_xlsx_uses_the_sheet_named_after_the_entity(tmp_path: Path, inbox: Path) -> None:
    write_xlsx(
        inbox / "spese.xlsx", [HEADER, ["S1", "P", None, 1, None, None]], sheets=("Note", "Expenditures")
    )
    result = extract(tmp_path, channel="xlsx_drop", pattern="*.xlsx")  # the empty first sheet: no header
    assert read(result)[0]["source"] == "spese.xlsx:row 2"


def test_xlsx_cells_beyond_the_header_are_extra_cells(tmp_path: Path, inbox: Path) -> None:
    write_xlsx(inbox / "spese.xlsx", [HEADER, ["S1", "P", None, 1, None, None, "fuori tabella"]])
    record = read(extract(tmp_path, channel="xlsx_drop", pattern="*.xlsx"))[0]["record"]
    assert record[EXTRA_CELLS] == ["fuori tabella"]
    assert MISSING_CELLS not in record


def test_xlsx_without_header_row_is_rejected(tmp_path: Path, inbox: Path) -> None:
    write_xlsx(inbox / "spese.xlsx", [*TITLE_BLOCK, ["Colonna A", "Colonna B"], ["1", "2"]])
    with pytest.raises(FileRejected, match=r"file spese\.xlsx: no header row in the first 20 rows"):
        extract(tmp_path, channel="xlsx_drop", pattern="*.xlsx")


def test_xlsx_header_missing_a_mapped_column_names_it_and_the_row(tmp_path: Path, inbox: Path) -> None:
    write_xlsx(inbox / "spese.xlsx", [*TITLE_BLOCK, HEADER[:4], ["S1", "P", None, 1]])
    with pytest.raises(FileRejected, match=r"file spese\.xlsx, row 4: header lacks .*'Ultima modifica'"):
        extract(tmp_path, channel="xlsx_drop", pattern="*.xlsx")


@pytest.mark.parametrize(
    "content", [b"Nr. spesa;Importo\r\n1;2\r\n", b"PK\x03\x04 truncated zip", b"\xd0\xcf\x11\xe0 old xls"]
)
def test_xlsx_that_is_not_a_workbook_is_rejected(tmp_path: Path, inbox: Path, content: bytes) -> None:
    (inbox / "spese.xlsx").write_bytes(content)
    with pytest.raises(FileRejected, match=r"pilot test_file_pilot: file spese\.xlsx: not an XLSX workbook"):
        extract(tmp_path, channel="xlsx_drop", pattern="*.xlsx")


def test_zip_that_is_not_a_workbook_is_rejected(tmp_path: Path, inbox: Path) -> None:
    import zipfile

    with zipfile.ZipFile(inbox / "spese.xlsx", "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    with pytest.raises(FileRejected, match=r"file spese\.xlsx: not a readable XLSX workbook"):
        extract(tmp_path, channel="xlsx_drop", pattern="*.xlsx")


# -- typed XLSX cells --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (3.0, None, "3"),
        (-1234567.25, None, "-1234567,25"),
        (1e20, None, "100000000000000000000"),
        (0.1 + 0.2, None, "0,30000000000000004"),
        (False, None, "false"),  # the pilot's first false word
        (dt.datetime(2026, 1, 31), None, "31/01/2026"),
        (dt.datetime(2026, 1, 31), "datetime", "31/01/2026 00:00"),
        (dt.date(2026, 1, 31), "datetime", "31/01/2026 00:00"),
        (dt.datetime(2026, 1, 31, 8, 5), "date", "31/01/2026 08:05"),  # left for the suite to flag
        (dt.time(8, 5), None, "08:05:00"),
        ("", None, None),
        ("  testo  ", None, "  testo  "),
    ],
)
def test_cell_formatter_writes_what_the_canonical_parser_reads(
    value: Any, kind: str | None, text: str
) -> None:
    formatter = CellFormatter(ITALIAN, {"col": kind} if kind else {})
    assert formatter.text(value, "col") == text


def test_cell_formatter_iso_formats() -> None:
    formatter = CellFormatter(ValueFormats())
    assert formatter.text(dt.datetime(2026, 1, 31, 8, 5)) == "2026-01-31T08:05:00"
    assert formatter.text(dt.datetime(2026, 1, 31)) == "2026-01-31"
    assert formatter.text(1234.5) == "1234.5"

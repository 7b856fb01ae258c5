"""The CSV cases of the hostile-input corpus (issue 16), for the CSV drop channel of pilot
cal_adda_martesana (`;`, dates `%d/%m/%Y`, decimal `,`, thousands `.`, booleans Sì/Si/No).

Every case builds one inbox from a clean drop of the simulated pilot system (read once per
module, `CleanDrop`) and states its expected outcome: the rules and reason fragments the
quarantine must show (and on which physical lines), or the words a refusal must contain
(pilot, file, line, rule). tests/hostile/test_csv_corpus.py runs each as one batch and asserts it
together with the invariants every case shares (tests/hostile/harness.py).

Rows are edited by column name; data row `i` (0-based) of a file written by `Inbox.write` sits
on physical line `i + 2` (`line(i)`).
"""

from __future__ import annotations

import codecs
import contextlib
import copy
import csv
import io
import os
import random
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stdnum.it import codicefiscale

from tests.hostile.harness import INJECTIONS

if TYPE_CHECKING:
    from collections.abc import Callable

    import psycopg

    from tests.hostile.harness import Landed

ENROL, EVENTS, SPEND, OPS = "participant_enrolments", "result_events", "expenditures", "operations"
PREFIX = {ENROL: "partecipanti", EVENTS: "esiti", SPEND: "spese", OPS: "progetti"}
UPDATED = "Ultima modifica"
# The registry's source columns of participant_enrolments (config/pilots.yaml).
ID, OP, CF, SURNAME, NAME, SEX = (
    "ID iscrizione", "Codice progetto", "Codice fiscale", "Cognome", "Nome", "Sesso"
)  # fmt: skip
BORN, COMUNE, ISCED, LABOUR, MONTHS = (
    "Data di nascita", "Comune di residenza (ISTAT)", "Titolo di studio", "Condizione occupazionale",
    "Mesi di disoccupazione",
)  # fmt: skip
YES_NO = (
    "Disabilità", "Cittadinanza extra UE", "Background migratorio", "Appartenenza a minoranze",
    "Senza dimora o esclusione abitativa",
)  # fmt: skip
ENTRY, EXIT = "Data di ingresso", "Data di uscita"
AMOUNT = "Importo dichiarato (€)"
FOLLOW_UP, EVENT_TYPE = "Follow-up a 6 mesi", "Tipo esito"
EVENT_ID, EVENT_ENROLMENT = "ID esito", "ID iscrizione"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")
ONE_MB = 1 << 20


def line(row: int) -> int:
    """The physical line of data row `row` (0-based) in a file written by `Inbox.write`."""
    return row + 2


# ------------------------------------------------------------------------------ the clean drop
@dataclass
class Table:
    """One CSV file's header and rows (cells as text), edited by column name."""

    header: list[str]
    rows: list[list[str]]

    def col(self, name: str) -> int:
        return self.header.index(name)

    def get(self, row: int, column: str) -> str:
        return self.rows[row][self.col(column)]

    def set(self, row: int, column: str, value: str) -> Table:
        self.rows[row][self.col(column)] = value
        return self


@dataclass
class CleanDrop:
    """The simulated pilot's clean export (pilot_systems.drops, no defects), one table per entity."""

    tables: dict[str, Table]

    @classmethod
    def read(cls, folder: Path) -> CleanDrop:
        tables = {}
        for entity, prefix in PREFIX.items():
            (path,) = folder.glob(f"{prefix}_*.csv")
            text = path.read_bytes().decode("cp1252")  # the generator's default encoding
            header, *rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
            tables[entity] = Table(header, [r for r in rows if r])
        return cls(tables)


# ------------------------------------------------------------------------------ one case's inbox
@dataclass
class Inbox:
    """What a case builds in: its inbox folder (and a sibling folder outside it), its day."""

    folder: Path
    outside: Path  # a folder beside the inbox (targets of links that leave it)
    day: str  # YYYY-MM-DD: the end of the case's data interval
    drop: CleanDrop
    entity: str
    pilot_id: str
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    @property
    def updated(self) -> str:
        """A fresh `Ultima modifica`: two days before the end of the interval."""
        return (datetime.fromisoformat(self.day) - timedelta(days=2)).strftime("%d/%m/%Y 10:00:00")

    def table(self, entity: str | None = None) -> Table:
        """A copy of the clean table, every record changed two days before the interval's end."""
        table = copy.deepcopy(self.drop.tables[entity or self.entity])
        for row in table.rows:
            row[table.col(UPDATED)] = self.updated
        return table

    def name(self, entity: str | None = None) -> str:
        return f"{PREFIX[entity or self.entity]}_{self.day.replace('-', '')}.csv"

    def text(self, table: Table, delimiter: str = ";", terminator: str = "\r\n") -> str:
        out = io.StringIO(newline="")
        csv.writer(out, delimiter=delimiter, lineterminator=terminator).writerows([table.header, *table.rows])
        return out.getvalue()

    def write(
        self,
        table: Table | None = None,
        name: str | bytes | None = None,
        encoding: str = "cp1252",
        delimiter: str = ";",
        terminator: str = "\r\n",
        bom: bytes = b"",
    ) -> Path:
        data = bom + self.text(table or self.table(), delimiter, terminator).encode(encoding)
        return self.write_bytes(data, name)

    def write_bytes(self, data: bytes, name: str | bytes | None = None) -> Path:
        target = name if name is not None else self.name()
        if isinstance(target, bytes):  # a name that is not UTF-8: only a bytes path can say it
            raw = os.path.join(os.fsencode(self.folder), target)
            with open(raw, "wb") as f:
                f.write(data)
            return self.folder / os.fsdecode(target)
        path = self.folder / target
        path.write_bytes(data)
        return path


# ------------------------------------------------------------------------------ the case table
@dataclass(frozen=True)
class Case:
    """One hostile input and its expected outcome.

    `rules` must be among the failed rules of the quarantine, `reasons` must each appear in a
    quarantine reason, `lines` are exactly the physical lines quarantined (None: not checked);
    `refused` are the words the refusal must contain (`{file}`: the case's file name; the pilot is
    always checked). `stored` strings must be stored byte for byte (records or quarantine
    payloads), `absent` ones nowhere (direct identifiers, ignored fields). `check` asserts more."""

    id: str
    build: Callable[[Inbox], Any]
    rules: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    lines: tuple[int, ...] | None = None
    refused: tuple[str, ...] = ()
    loaded: int | None = None
    entity: str = ENROL
    share: float = 0.2  # the pilot's max_bad_row_share (the registry's, unless the case needs more)
    stored: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    check: Callable[[psycopg.Connection, Landed, Inbox], None] | None = None

    @property
    def expected(self) -> str:
        if self.refused:
            return "refused: " + " | ".join(self.refused)
        if self.rules or self.reasons or self.lines:
            shown = [*self.rules, *(f"'{r}'" for r in self.reasons)]
            at = f" at line(s) {', '.join(map(str, self.lines))}" if self.lines else ""
            return f"quarantine: {', '.join(shown) or 'any rule'}{at}"
        return "loaded" + (f" {self.loaded}" if self.loaded is not None else "")


# Builders: each takes the case's Inbox and fills its folder.
def clean(box: Inbox) -> None:
    box.write()


def edit(
    *changes: tuple[int, str, str], entity: str | None = None, **options: Any
) -> Callable[[Inbox], None]:
    """The clean file with cells (row, column, value) replaced, written with `options`."""

    def build(box: Inbox) -> None:
        table = box.table(entity)
        for row, column, value in changes:
            table.set(row, column, value)
        box.write(table, name=box.name(entity), **options)

    return build


def encoded(encoding: str, bom: bytes = b"") -> Callable[[Inbox], None]:
    return lambda box: box.write(encoding=encoding, bom=bom)


def delimited(delimiter: str) -> Callable[[Inbox], None]:
    return lambda box: box.write(delimiter=delimiter)


def raw_bytes(make: Callable[[Inbox], bytes]) -> Callable[[Inbox], None]:
    return lambda box: box.write_bytes(make(box))


def mixed_encoding(box: Inbox) -> None:
    """A UTF-8 file (accents as two bytes) where one row was edited in a cp1252 editor: 0xE9."""
    data = box.text(box.table()).encode("utf-8")
    record, code = box.table().get(4, ID), box.table().get(4, OP)
    data = data.replace(f"{record};{code};".encode(), f"{record};{code}\xe9;".encode("cp1252"))
    assert data.count(b"\xe9") == 1
    box.write_bytes(data)


def mixed_encoding_header(box: Inbox) -> None:
    data = box.text(box.table()).encode("utf-8").replace(b"Cognome", "Cognomé".encode("cp1252"), 1)
    box.write_bytes(data)


def cp1252_undefined_byte(box: Inbox) -> None:
    """A cp1252 file (no UTF-8 sequence anywhere) with byte 0x81, which cp1252 does not define."""
    table = box.table().set(6, SURNAME, "Rossi\udc81")  # surrogateescape writes it as the byte 0x81
    box.write_bytes(box.text(table).encode("cp1252", "surrogateescape"))


def cp1252_with_bom(box: Inbox) -> None:
    """A UTF-8 BOM in front of a cp1252 file: the BOM lies."""
    box.write(encoding="cp1252", bom=codecs.BOM_UTF8)


def utf16_without_bom(box: Inbox) -> None:
    box.write_bytes(box.text(box.table()).encode("utf-16-le"))


def ragged(box: Inbox) -> None:
    table = box.table()
    del table.rows[2][-2:]  # two cells short
    table.rows[5] += ["extra", "cells"]  # two beyond the header
    box.write(table)


def trailing_delimiter(box: Inbox) -> None:
    table = box.table()
    for row in table.rows:
        row.append("")
    box.write(table)


def one_row_other_delimiter(box: Inbox) -> None:
    text = box.text(box.table()).splitlines(keepends=True)
    text[line(7) - 1] = text[line(7) - 1].replace(";", ",")
    box.write_bytes("".join(text).encode("cp1252"))


def quoted_newline(box: Inbox) -> None:
    """A quoted cell holding a line break (row 3, an ignored column); rows after it start one line later."""
    box.write(box.table().set(3, SURNAME, "De\r\nRossi").set(8, NAME, 'Anna "Nina"\nMaria'))


def unbalanced_quote(box: Inbox) -> None:
    text = box.text(box.table()).splitlines(keepends=True)
    text[line(9) - 1] = text[line(9) - 1].replace(";", ';"', 1)  # a quote opened, never closed
    box.write_bytes("".join(text).encode("cp1252"))


def _replace(header: list[str], old: str, new: str) -> list[str]:
    return [new if cell == old else cell for cell in header]


def duplicate_column(column: str) -> Callable[[Inbox], None]:
    def build(box: Inbox) -> None:
        table = box.table()
        position = table.col(column)
        table.header.append(column)
        for row in table.rows:
            row.append(row[position])
        box.write(table)

    return build


def unknown_column(name: str) -> Callable[[Inbox], None]:
    def build(box: Inbox) -> None:
        table = box.table()
        table.header.append(name)
        for row in table.rows:
            row.append("x")
        box.write(table)

    return build


def blank_header_with_data(box: Inbox) -> None:
    """A column without a header whose cells hold data (a pasted column): they must not vanish."""
    table = box.table()
    table.header.append("")
    for i, row in enumerate(table.rows):
        row.append("nota importante" if i == 4 else "")
    box.write(table)


def missing_column(box: Inbox) -> None:
    table = box.table()
    position = table.col(SEX)
    del table.header[position]
    for row in table.rows:
        del row[position]
    box.write(table)


def header_only(box: Inbox) -> None:
    table = box.table()
    table.rows = []
    box.write(table)


def blank_lines(box: Inbox) -> None:
    """Blank lines, a line of delimiters only, and whitespace lines between rows and at the end."""
    lines = box.text(box.table()).splitlines(keepends=True)
    lines.insert(1, "\r\n")  # after the header: rows now start on line 3
    lines.insert(6, ";;;;;;\r\n")
    lines.insert(12, "   \r\n")
    lines += ["\r\n", "\r\n"]
    box.write_bytes("".join(lines).encode("cp1252"))


def excel_sep_line(box: Inbox) -> None:
    box.write_bytes(b"sep=;\r\n" + box.text(box.table()).encode("cp1252"))


def huge_cell(box: Inbox) -> None:
    box.write(box.table().set(3, OP, "CAL-" + "9" * ONE_MB))


def nul_in_row(row: int, column: str = OP, pad_first_row: int = 0) -> Callable[[Inbox], None]:
    """A NUL byte in one cell; `pad_first_row` chars in an ignored column of row 0 push it further."""

    def build(box: Inbox) -> None:
        table = box.table()
        if pad_first_row:
            table.set(0, NAME, "A" * pad_first_row)
        value = table.get(row, column)
        table.set(row, column, value[:3] + "\x00" + value[3:])
        path = box.write(table)
        if pad_first_row:
            assert path.read_bytes().index(b"\x00") > 1 << 16

    return build


def nul_in_header(box: Inbox) -> None:
    table = box.table()
    table.header = _replace(table.header, NAME, "No\x00me")
    box.write(table)


def mostly_nul(box: Inbox) -> None:
    box.write_bytes(box.text(box.table()).encode("cp1252").replace(b";", b"\x00\x00;"))


def png_named_csv(box: Inbox) -> None:
    box.write_bytes(PNG + random.Random(16).randbytes(4096))


def xlsx_named_csv(box: Inbox) -> None:
    from openpyxl import Workbook

    book = Workbook()
    table = box.table()
    for row in [table.header, *table.rows]:
        book.active.append(row)
    book.save(box.folder / box.name())


def random_junk(box: Inbox) -> None:
    box.write_bytes(random.Random(1604).randbytes(20_000))


def link_to(target: Callable[[Inbox], Path]) -> Callable[[Inbox], None]:
    def build(box: Inbox) -> None:
        (box.folder / box.name()).symlink_to(target(box))

    return build


def good_file_outside(box: Inbox) -> Path:
    path = box.outside / box.name()
    path.write_bytes(box.text(box.table()).encode("cp1252"))
    return path


def directory_and_good_file(box: Inbox) -> None:
    box.write(name=f"{PREFIX[ENROL]}_a.csv")
    (box.folder / f"{PREFIX[ENROL]}_b.csv").mkdir()
    (box.folder / f"{PREFIX[ENROL]}_b.csv" / "partecipanti_c.csv").write_bytes(b"ID iscrizione\r\nX\r\n")


def fifo_and_good_file(box: Inbox) -> None:
    """A named pipe matching the pattern. Opening it would block a reader forever: a writer thread
    opens it at once (so a reader would see an empty file, not hang), and the cleanup unblocks
    the writer if nobody read."""
    box.write(name=f"{PREFIX[ENROL]}_a.csv")
    fifo = box.folder / f"{PREFIX[ENROL]}_pipe.csv"
    os.mkfifo(fifo)

    def writer() -> None:
        with open(fifo, "wb"):
            pass

    threading.Thread(target=writer, daemon=True).start()

    def unblock() -> None:
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))

    box.cleanups.append(unblock)


def leading_dash_beside_good_file(box: Inbox) -> None:
    """`-partecipanti_...csv` does not match the pattern: left alone (it is junk), the good file read."""
    box.write()
    box.write_bytes(b"--rf /\r\n\x00\x01", name=f"-{box.name()}")


def named(name: str | bytes) -> Callable[[Inbox], None]:
    return lambda box: box.write(name=name)


def good_and_bad_file(box: Inbox) -> None:
    """Two files for one batch: a good one and one without the Sesso column. Nothing may land."""
    box.write(name=f"{PREFIX[ENROL]}_1_good.csv")
    table = box.table()
    for row in table.rows:
        row[table.col(ID)] = row[table.col(ID)].replace("CAL-", "CAL-B")
    position = table.col(SEX)
    del table.header[position]
    for row in table.rows:
        del row[position]
    box.write(table, name=f"{PREFIX[ENROL]}_2_bad.csv")


def same_content_twice(box: Inbox) -> None:
    box.write(name=f"{PREFIX[ENROL]}_a.csv")
    box.write(name=f"{PREFIX[ENROL]}_b.csv")


def stale(box: Inbox) -> None:
    table = box.table()
    for row in table.rows:
        row[table.col(UPDATED)] = "01/01/2023 10:00:00"
    box.write(table)


def duplicated_rows(conflicting: bool, every: bool = False) -> Callable[[Inbox], None]:
    """Row 2 sent twice (identical, or with another education level); `every`: all rows twice."""

    def build(box: Inbox) -> None:
        table = box.table()
        chosen = range(len(table.rows)) if every else [2]
        for row in chosen:
            twin = list(table.rows[row])
            if conflicting:
                other = (
                    "Nessun titolo" if twin[table.col(ISCED)] != "Nessun titolo" else "Dottorato di ricerca"
                )
                twin[table.col(ISCED)] = other
            table.rows.append(twin)
        box.write(table)

    return build


def same_enrolment_new_id(box: Inbox) -> None:
    """Row 5 again under another id: the same person in the same operation on the same day."""
    table = box.table()
    twin = list(table.rows[5])
    twin[table.col(ID)] = "CAL-9999999"
    table.rows.append(twin)
    box.write(table)


def same_enrolment_new_id_other_data(box: Inbox) -> None:
    """Row 5 again under another id with another education level: which one is right?"""
    table = box.table()
    twin = list(table.rows[5])
    twin[table.col(ID)] = "CAL-9999999"
    other = "Nessun titolo" if twin[table.col(ISCED)] != "Nessun titolo" else "Dottorato di ricerca"
    twin[table.col(ISCED)] = other
    table.rows.append(twin)
    box.write(table)


def names_each_other(conn: Any, state: Landed, box: Inbox) -> None:
    """Both quarantined copies of a conflicting duplicate entry name the other copy's id, and no
    codice fiscale."""
    ids = [payload["enrolment_id"] for _, _, _, payload in state.quarantine]
    assert sorted(ids) == ["CAL-0000005", "CAL-9999999"], ids
    for (_, rules, reason, _), other in zip(state.quarantine, reversed(ids), strict=True):
        assert rules == ["duplicate_entry_conflict"], rules
        assert f"as enrolment {other} with different point 1.1 data (education)" in reason, reason
    codes = {row[box.table().col(CF)] for row in box.table().rows}
    assert not [r for _, _, r, _ in state.quarantine if any(code in r for code in codes)]


def landed_ids(*record_ids: str) -> Callable[[Any, Landed, Inbox], None]:
    def check(conn: Any, state: Landed, box: Inbox) -> None:
        assert set(record_ids) <= set(state.records), sorted(state.records)

    return check


CORE = {SEX: "gender", BORN: "birth_date", ISCED: "isced_level", LABOUR: "labour_status"}


def blank_core_data(box: Inbox) -> None:
    """Rows 1-4 each leave one point 1.1 datum blank, row 6 all four: incomplete participants."""
    table = box.table()
    for row, column in enumerate(CORE, start=1):
        table.set(row, column, "")
    for column in CORE:
        table.set(6, column, "")
    box.write(table)


def landed_incomplete(conn: Any, state: Landed, box: Inbox) -> None:
    blanks = {f"CAL-000000{row}": [name] for row, name in enumerate(CORE.values(), start=1)}
    blanks["CAL-0000006"] = list(CORE.values())
    for record_id, names in blanks.items():
        assert record_id in state.records, f"{record_id} did not land"
        for name in names:
            assert state.records[record_id][name] is None, (record_id, name, state.records[record_id])


def aged(row: int, years: int) -> Callable[[Inbox], None]:
    """Row `row`'s participant born so as to be `years` old on the entry date, with a codice
    fiscale that says so (same day and month, the year's last two digits, a new check character)."""

    def build(box: Inbox) -> None:
        table = box.table()
        born = datetime.strptime(table.get(row, BORN), "%d/%m/%Y")
        entry = datetime.strptime(table.get(row, ENTRY), "%d/%m/%Y")
        assert (born.month, born.day) not in ((2, 29), (entry.month, entry.day))  # a valid, earlier birthday
        year = entry.year - years - ((entry.month, entry.day) < (born.month, born.day))
        code = table.get(row, CF)
        body = code[:6] + f"{year % 100:02d}" + code[8:15]
        table.set(row, BORN, born.replace(year=year).strftime("%d/%m/%Y"))
        table.set(row, CF, body + codicefiscale.calc_check_digit(body))
        box.write(table)

    return build


def lowercase_tax_code(box: Inbox) -> None:
    table = box.table()
    table.set(3, CF, table.get(3, CF).lower())
    box.write(table)


def bad_check_character(box: Inbox) -> None:
    table = box.table()
    code = table.get(3, CF)
    table.set(3, CF, code[:15] + ("A" if code[15] != "A" else "B"))
    box.write(table)


def nfd_header(box: Inbox) -> None:
    """Header in NFD (à as a + combining grave), odd case and spacing; the file in UTF-8."""
    table = box.table()
    table.header = [unicodedata.normalize("NFD", c) for c in table.header]
    table.header = _replace(table.header, ID, "  id   ISCRIZIONE ")
    table.header = _replace(table.header, CF, "CODICE\u00a0FISCALE")
    table.header = _replace(table.header, SEX, "sesso\t")
    box.write(table, encoding="utf-8")


# Injections: every string of INJECTIONS in every text column named, across rows 0-9.
def inject(columns: tuple[str, ...], entity: str | None = None) -> Callable[[Inbox], None]:
    """Row (k + j) gets INJECTIONS[k] in the j-th column; a table of fewer rows than injections
    gets copies of its first row under new ids (first column) until it has enough."""

    def build(box: Inbox) -> None:
        table = box.table(entity)
        for n in range(len(INJECTIONS) - len(table.rows)):
            table.rows.append([f"{table.rows[0][0]}-X{n}", *table.rows[0][1:]])
        rows = len(table.rows)
        for j, column in enumerate(columns):
            for k, text in enumerate(INJECTIONS):
                table.set((k + j) % rows, column, text)
        box.write(table, name=box.name(entity), encoding="utf-8")

    return build


def inject_header(box: Inbox) -> None:
    table = box.table()
    table.header.append(INJECTIONS[5])
    for row in table.rows:
        row.append(INJECTIONS[0])
    box.write(table)


def landed_value(column: str, record_id: str, expected: Any) -> Callable[[Any, Landed, Inbox], None]:
    """The landed record `record_id` holds exactly `expected` in canonical `column`."""

    def check(conn: Any, state: Landed, box: Inbox) -> None:
        assert record_id in state.records, f"{record_id} did not land"
        got = state.records[record_id].get(column)
        assert got == expected, f"{column} landed as {got!r}, sent {expected!r}"
        assert type(got) is type(expected), f"{column} landed as {got!r}, sent {expected!r}"

    return check


def sources_name(fragment: str) -> Callable[[Any, Landed, Inbox], None]:
    """The file ledger (raw.files) names the case's file as `fragment` (escaped as the pipeline shows it)."""

    def check(conn: Any, state: Landed, box: Inbox) -> None:
        names = [
            n for (n,) in conn.execute("SELECT file_name FROM raw.files WHERE pilot_id = %s", (box.pilot_id,))
        ]
        assert any(fragment in n for n in names), f"file ledger names {names!r}, expected {fragment!r}"

    return check


def source_line(record_id: str, physical_line: int) -> Callable[[Any, Landed, Inbox], None]:
    """Record `record_id` landed labelled with the physical line where its row starts."""

    def check(conn: Any, state: Landed, box: Inbox) -> None:
        where = conn.execute(
            f"SELECT source_location FROM raw.{box.entity} WHERE pilot_id = %s AND source_record_id = %s"
            " AND superseded_at IS NULL",
            (box.pilot_id, record_id),
        ).fetchall()
        assert [w for (w,) in where] == [f"{box.name()}:{physical_line}"], where

    return check


def nothing_landed_for(record_id: str) -> Callable[[Any, Landed, Inbox], None]:
    def check(conn: Any, state: Landed, box: Inbox) -> None:
        assert record_id not in state.records, f"{record_id} landed as {state.records[record_id]}"

    return check


def never_read_as(column: str, value: int) -> Callable[[Any, Landed, Inbox], None]:
    """No record holds `value` (never sent) in canonical `column`, and no reason reports it as the value."""

    def check(conn: Any, state: Landed, box: Inbox) -> None:
        held = [r for r in state.records.values() if r.get(column) == value]
        told = [reason for _, _, reason, _ in state.quarantine if f"{column}={value}" in reason]
        assert not held, f"{column} landed as {value}, never sent: {held}"
        assert not told, f"{column} reported as {value}, never sent: {told}"

    return check


def nothing_stored(*texts: str) -> Callable[[Any, Landed, Inbox], None]:
    def check(conn: Any, state: Landed, box: Inbox) -> None:
        from tests.hostile.harness import stored_strings

        stored = stored_strings(state)
        assert not [t for t in texts if any(t in s for s in stored)], f"stored: {texts}"

    return check


# ------------------------------------------------------------------------------ the cases
TYPED = ("typed_values",)
TEXT_ENROL = (ID, OP, SEX, ISCED, LABOUR, *YES_NO)  # every free or coded text column
ALL = 1.0  # cases whose point is not the bad-row gate: every record may be quarantined

CASES: list[Case] = [
    # --- encodings and BOMs
    Case("encoding_cp1252", clean, loaded=20, check=landed_value("disability", "CAL-0000000", "yes")),
    Case(
        "encoding_utf8", encoded("utf-8"), loaded=20, check=landed_value("disability", "CAL-0000000", "yes")
    ),
    Case(
        "encoding_utf8_bom",
        encoded("utf-8", codecs.BOM_UTF8),
        loaded=20,
        check=landed_value("enrolment_id", "CAL-0000000", "CAL-0000000"),
    ),
    Case("encoding_utf16_bom", encoded("utf-16"), refused=("{file}", "UTF-16")),
    Case("encoding_utf16_no_bom", utf16_without_bom, refused=("{file}", "not a text file")),
    Case(
        "encoding_mixed_stray_cp1252_byte",
        mixed_encoding,
        reasons=("0xE9",),
        lines=(line(4),),
        loaded=19,
        stored=("CAL-01\\xe9",),
    ),
    Case("encoding_mixed_byte_in_header", mixed_encoding_header, refused=("{file}", "line 1", "0xE9")),
    Case(
        "encoding_cp1252_undefined_byte",
        cp1252_undefined_byte,
        refused=("{file}", f"line {line(6)}", "cp1252"),
    ),
    Case("bom_utf8_on_cp1252_file", cp1252_with_bom, refused=("{file}", "line 1", "0xE0")),
    Case(
        "bom_twice",
        lambda box: box.write(encoding="utf-8", bom=codecs.BOM_UTF8 * 2),
        refused=("{file}", "line 1", "ID iscrizione"),
    ),
    Case("bom_only", raw_bytes(lambda box: codecs.BOM_UTF8), refused=("{file}", "empty file")),
    # --- delimiters
    Case("delimiter_comma", delimited(","), loaded=20),
    Case("delimiter_tab", delimited("\t"), loaded=20),
    Case("delimiter_pipe", delimited("|"), loaded=20),
    Case("delimiter_colon_unsupported", delimited(":"), refused=("{file}", "line 1", "no delimiter")),
    Case("delimiter_other_in_one_row", one_row_other_delimiter, rules=("row_shape",), lines=(line(7),)),
    Case("excel_sep_line_first", excel_sep_line, refused=("{file}", "line 1", "ID iscrizione")),
    # --- ragged rows, quotes, line ends
    Case(
        "ragged_short_and_long_rows",
        ragged,
        rules=("row_shape",),
        reasons=("missing", "beyond the header"),
        lines=(line(2), line(5)),
        loaded=18,
    ),
    Case("trailing_delimiter_every_row", trailing_delimiter, loaded=20),
    Case("quoted_newlines", quoted_newline, loaded=20, check=source_line("CAL-0000009", 13)),
    Case("unbalanced_quote", unbalanced_quote, refused=("{file}", f"line {line(9)}", "quote")),
    Case("line_ends_cr_only", lambda box: box.write(terminator="\r"), loaded=20),
    Case("line_ends_lf_only", lambda box: box.write(terminator="\n"), loaded=20),
    # --- headers
    Case(
        "header_duplicate_mapped_column",
        duplicate_column(SEX),
        refused=("{file}", "line 1", "Sesso", "twice"),
    ),
    Case("header_duplicate_ignored_column", duplicate_column(NAME), refused=("{file}", "line 1", "Nome")),
    Case(
        "header_unknown_column",
        unknown_column("Note operatore"),
        refused=("{file}", "line 1", "unknown column", "Note operatore"),
    ),
    Case("header_missing_mapped_column", missing_column, refused=("{file}", "line 1", "Sesso")),
    Case(
        "header_odd_spacing_case_nfd",
        nfd_header,
        loaded=20,
        check=landed_value("disability", "CAL-0000000", "yes"),
    ),
    Case(
        "header_blank_cell_over_data", blank_header_with_data, lines=(line(4),), reasons=("nota importante",)
    ),
    # --- empty and near-empty files
    Case("empty_file", raw_bytes(lambda box: b""), refused=("{file}", "empty file")),
    Case("whitespace_only_file", raw_bytes(lambda box: b" \r\n\r\n\t\r\n"), refused=("{file}", "empty file")),
    Case("header_only_file", header_only, loaded=0),
    Case("blank_lines_between_rows", blank_lines, loaded=20, check=source_line("CAL-0000019", 24)),
    # --- huge fields, NUL bytes, binary junk
    Case("huge_field_1mb", huge_cell, refused=("{file}", f"line {line(3)}")),
    Case(
        "nul_in_head_row",
        nul_in_row(3),
        reasons=("NUL",),
        lines=(line(3),),
        loaded=19,
        stored=("CAL\\x00-03",),
    ),
    Case(
        "nul_after_64kib",
        nul_in_row(15, pad_first_row=70_000),
        reasons=("NUL",),
        lines=(line(15),),
        loaded=19,
    ),
    Case("nul_in_header", nul_in_header, refused=("{file}", "line 1", "NUL")),
    Case("mostly_nul_binary", mostly_nul, refused=("{file}", "not a text file")),
    Case("png_named_csv", png_named_csv, refused=("{file}", "PNG")),
    Case("xlsx_named_csv", xlsx_named_csv, refused=("{file}", "ZIP")),
    Case("random_bytes", random_junk, refused=("{file}", "not a text file")),
    # --- links, directories, pipes
    Case(
        "symlink_to_etc_passwd", link_to(lambda box: Path("/etc/passwd")), refused=("{file}", "symbolic link")
    ),
    Case("symlink_to_file_outside_inbox", link_to(good_file_outside), refused=("{file}", "symbolic link")),
    Case("directory_matching_pattern", directory_and_good_file, refused=("partecipanti_b.csv", "directory")),
    Case("fifo_matching_pattern", fifo_and_good_file, refused=("partecipanti_pipe.csv", "named pipe")),
    # --- file names
    Case(
        "name_with_spaces",
        named("partecipanti_ export  finale .csv"),
        loaded=20,
        check=sources_name("partecipanti_ export  finale .csv"),
    ),
    Case("name_unicode_nfd", named(unicodedata.normalize("NFD", "partecipanti_città_perché.csv")), loaded=20),
    Case(
        "name_non_utf8_byte",
        named(b"partecipanti_citt\xe0.csv"),
        loaded=20,
        check=sources_name("partecipanti_citt\\xe0.csv"),
    ),
    Case(
        "name_option_like_dashes",
        named("partecipanti_-rf --help.csv"),
        loaded=20,
        check=sources_name("partecipanti_-rf --help.csv"),
    ),
    Case("name_255_bytes", named("partecipanti_" + "x" * 238 + ".csv"), loaded=20),
    Case("name_leading_dash_not_matched", leading_dash_beside_good_file, loaded=20),
    Case("name_with_newline", named("partecipanti_a\nINFO fake log line.csv"), loaded=20),
    Case(
        "name_sql_injection",
        named(f"partecipanti_{INJECTIONS[0]}.csv"),
        loaded=20,
        check=sources_name(f"partecipanti_{INJECTIONS[0]}.csv"),
    ),
    Case("two_files_one_bad", good_and_bad_file, refused=("partecipanti_2_bad.csv", "Sesso")),
    Case("same_content_two_names", same_content_twice, loaded=20),
    # --- dates in five formats (entry date of row 3, whose exit date is empty)
    Case(
        "date_dd_mm_yyyy",
        edit((3, ENTRY, "05/01/2023")),
        loaded=20,
        check=landed_value("entry_date", "CAL-0000003", "2023-01-05"),
    ),
    Case("date_iso", edit((3, ENTRY, "2022-12-03")), rules=TYPED, reasons=("2022-12-03",), lines=(line(3),)),
    Case(
        "date_mm_dd_yyyy",
        edit((3, ENTRY, "12/23/2022")),
        rules=TYPED,
        reasons=("12/23/2022",),
        lines=(line(3),),
    ),
    Case(
        "date_two_digit_year",
        edit((3, ENTRY, "03/12/22")),
        rules=TYPED,
        reasons=("03/12/22",),
        lines=(line(3),),
    ),
    Case(
        "date_text_month",
        edit((3, ENTRY, "3 dic 2022")),
        rules=TYPED,
        reasons=("3 dic 2022",),
        lines=(line(3),),
    ),
    Case("date_impossible_day", edit((3, ENTRY, "31/11/2022")), rules=TYPED, lines=(line(3),)),
    Case("datetime_iso", edit((3, UPDATED, "2026-01-05T10:00:00")), rules=TYPED, lines=(line(3),)),
    # --- numbers: every locale trap (months of unemployment, an integer; row 3 sent 19)
    Case(
        "number_2_5_grouping",
        edit((3, MONTHS, "2.5")),
        rules=TYPED,
        reasons=("2.5",),
        lines=(line(3),),
        check=nothing_landed_for("CAL-0000003"),
    ),
    Case("number_1_000_months", edit((3, MONTHS, "1.000")), reasons=("1.000",), lines=(line(3),)),
    Case(
        "number_decimal_comma_in_integer",
        edit((3, MONTHS, "1,5")),
        rules=TYPED,
        reasons=("1,5",),
        lines=(line(3),),
    ),
    Case("number_1_234_5", edit((3, MONTHS, "1.234,5")), rules=TYPED, reasons=("1.234,5",), lines=(line(3),)),
    Case(
        "number_20_digits",
        edit((3, MONTHS, "99999999999999999999")),
        reasons=("99999999999999999999",),
        lines=(line(3),),
        check=never_read_as("unemployment_months", -(2**63)),
    ),
    Case(
        "number_minus_zero",
        edit((3, MONTHS, "-0")),
        loaded=20,
        check=landed_value("unemployment_months", "CAL-0000003", 0),
    ),
    Case("number_exponent", edit((3, MONTHS, "1e3")), rules=TYPED, reasons=("1e3",), lines=(line(3),)),
    Case(
        "number_padded_spaces",
        edit((3, MONTHS, " 12 ")),
        loaded=20,
        check=landed_value("unemployment_months", "CAL-0000003", 12),
    ),
    Case(
        "number_trailing_decimal_comma",
        edit((3, MONTHS, "12,")),
        rules=TYPED,
        reasons=("12,",),
        lines=(line(3),),
    ),
    Case(
        "number_negative",
        edit((3, MONTHS, "-3")),
        rules=("unemployment_months_not_negative",),
        lines=(line(3),),
    ),
    Case("number_nbsp_grouping", edit((3, MONTHS, "1\u00a0000")), rules=TYPED, lines=(line(3),)),
    Case(
        "number_fullwidth_digits", edit((3, MONTHS, "１２"), encoding="utf-8"), rules=TYPED, lines=(line(3),)
    ),
    Case(
        "amount_grouped_ok",
        edit((0, AMOUNT, "1.234,56"), entity=SPEND),
        entity=SPEND,
        check=landed_value("amount", "CAL-P000000", 1234.56),
    ),
    Case(
        "amount_bad_grouping",
        edit((0, AMOUNT, "12.34"), entity=SPEND),
        entity=SPEND,
        rules=TYPED,
        reasons=("12.34",),
        lines=(line(0),),
    ),
    Case(
        "amount_currency_sign",
        edit((0, AMOUNT, "€ 12,00"), entity=SPEND),
        entity=SPEND,
        rules=TYPED,
        lines=(line(0),),
    ),
    # --- booleans (follow-up flag of result events)
    Case(
        "boolean_variants_ok",
        edit((0, FOLLOW_UP, "SI"), (1, FOLLOW_UP, "sì"), (2, FOLLOW_UP, "NO"), entity=EVENTS),
        entity=EVENTS,
        check=landed_value("from_follow_up", "CAL-E0000001", True),
    ),
    Case(
        "boolean_foreign",
        edit((0, FOLLOW_UP, "Yes"), (1, FOLLOW_UP, "1"), (2, FOLLOW_UP, "Sí"), entity=EVENTS),
        entity=EVENTS,
        rules=TYPED,
        lines=(line(0), line(1), line(2)),
        share=ALL,
    ),
    # --- codici fiscali
    Case(
        "tax_code_bad_check_character",
        bad_check_character,
        rules=("tax_code_check_character",),
        lines=(line(3),),
    ),
    Case(
        "tax_code_short",
        edit((3, CF, "PPSKRM98P28Z330")),
        rules=("tax_code_format",),
        lines=(line(3),),
        absent=("PPSKRM98P28Z330",),
    ),
    Case("tax_code_lowercase", lowercase_tax_code, rules=("tax_code_format",), lines=(line(3),)),
    Case(
        "tax_code_with_spaces",
        edit((3, CF, "PPS KRM 98P28 Z330T")),
        rules=("tax_code_format",),
        lines=(line(3),),
    ),
    # --- duplicates
    Case(
        "duplicate_identical_row",
        duplicated_rows(conflicting=False),
        rules=("record_id_unique",),
        lines=(line(20),),
        loaded=20,
    ),
    Case(
        "duplicate_conflicting_row",
        duplicated_rows(conflicting=True),
        rules=("record_id_unique",),
        lines=(line(2), line(20)),
        loaded=19,
    ),
    Case(
        "duplicate_every_row_conflicting",
        duplicated_rows(conflicting=True, every=True),
        refused=("record_id_unique", "above the pilot's limit"),
    ),
    # the same person, operation and entry date under two ids: one participation when the point
    # 1.1 data agree (both land, dbt merges them), both quarantined when they conflict
    Case(
        "duplicate_enrolment_other_id",
        same_enrolment_new_id,
        loaded=21,
        check=landed_ids("CAL-0000005", "CAL-9999999"),
    ),
    Case(
        "duplicate_enrolment_other_id_conflicting",
        same_enrolment_new_id_other_data,
        rules=("duplicate_entry_conflict",),
        reasons=("as enrolment CAL-9999999 with different point 1.1 data (education)",),
        lines=(line(5), line(20)),
        loaded=19,
        check=names_each_other,
    ),
    Case("stale_batch", stale, refused=("batch_fresh",)),
    # --- incomplete is not invalid: missing point 1.1 data and minors land (dbt flags them)
    Case("core_data_blank", blank_core_data, loaded=20, check=landed_incomplete),
    Case("minor_aged_14_at_entry", aged(3, 14), loaded=20, check=landed_ids("CAL-0000003")),
    Case("minor_aged_0_at_entry", aged(3, 0), loaded=20, check=landed_ids("CAL-0000003")),
    Case("age_at_entry_111", aged(3, 111), rules=("age_at_entry_range",), lines=(line(3),)),
    # --- SQL, HTML and spreadsheet formulas in every text field, stored as data
    Case("inject_enrolment_and_operation_ids", inject((ID, OP)), loaded=20, stored=INJECTIONS),
    Case(
        "inject_coded_text_fields",
        inject(TEXT_ENROL[2:]),
        share=ALL,
        rules=("gender_domain",),
        stored=INJECTIONS,
    ),
    Case(
        "inject_typed_fields",
        inject((BORN, COMUNE, ENTRY, EXIT, MONTHS, UPDATED)),
        share=ALL,
        rules=TYPED,
        stored=INJECTIONS,
    ),
    Case("inject_tax_code", inject((CF,)), share=ALL, rules=("tax_code_format",), absent=INJECTIONS),
    Case("inject_ignored_names", inject((NAME, SURNAME)), loaded=20, absent=INJECTIONS),
    Case("inject_header_cell", inject_header, refused=("{file}", "line 1", INJECTIONS[5])),
    Case(
        "inject_result_events",
        inject((EVENT_ID, EVENT_ENROLMENT, EVENT_TYPE), entity=EVENTS),
        entity=EVENTS,
        share=ALL,
        rules=("event_type_domain",),
        stored=INJECTIONS,
    ),
    Case(
        "inject_operations_text",
        inject(("Titolo", "Titolo (inglese)", "Descrizione", "Ente attuatore"), entity=OPS),
        entity=OPS,
        loaded=10,
        stored=INJECTIONS,
    ),
]

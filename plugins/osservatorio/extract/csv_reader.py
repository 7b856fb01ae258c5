"""Read a pilot's CSV file row by row: encoding and delimiter detected per file, values untouched.

Pilots export from Excel or from their case-management system, so one inbox mixes Windows-1252
and UTF-8 (with BOM) files, and `;` (Italian Excel) with `,`. Detection is per file:

- encoding: a UTF-8 BOM -> utf-8-sig; else the whole file decodes as strict UTF-8 -> utf-8;
  else cp1252 (the only other encoding pilots use; bytes it does not define make the file fail).
- delimiter: csv.Sniffer on the header line, restricted to `;` `,` tab `|`, then verified: the
  header must split into the mapped source columns. The Sniffer's pick is tried first, then the
  other candidates (one line is little evidence, e.g. `Importo (€, lordo);Data`).

Values stay strings in the pilot's format (canonical.py parses them with the pilot's `formats`).
"""

from __future__ import annotations

import codecs
import csv
from typing import TYPE_CHECKING, Any

from osservatorio.extract.file_table import Columns, UnreadableFile, is_blank, resolve_columns, to_record

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

DELIMITERS = (";", ",", "\t", "|")
CHUNK = 1 << 20
_BINARY_PROBE = 1 << 16


def detect_encoding(path: Path) -> str:
    """utf-8-sig, utf-8 or cp1252 (see module doc); streams the file, never loads it whole."""
    with path.open("rb") as f:
        head = f.read(_BINARY_PROBE)
        if not head.strip(b" \t\r\n") or head == codecs.BOM_UTF8:
            raise UnreadableFile("empty file")
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise UnreadableFile("UTF-16 text: pilots must send Windows-1252 or UTF-8")
        if b"\x00" in head:
            raise UnreadableFile("not a text file (NUL bytes): binary or corrupt")
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        decoder = codecs.getincrementaldecoder("utf-8")("strict")
        try:
            decoder.decode(head)
            for chunk in iter(lambda: f.read(CHUNK), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def _header_line(path: Path, encoding: str) -> str:
    with path.open(encoding=encoding, newline="") as f:
        for line in f:
            if line.strip():
                return line.rstrip("\r\n")
    raise UnreadableFile("empty file")


def detect_delimiter(header_line: str, mapped: Sequence[str]) -> tuple[str, Columns]:
    """The delimiter that splits the header into the mapped columns, and the resolved columns."""
    try:
        sniffed = csv.Sniffer().sniff(header_line, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = None
    candidates = [sniffed] if sniffed else []
    candidates += [d for d in DELIMITERS if d != sniffed]
    first_problem: UnreadableFile | None = None
    for delimiter in candidates:
        cells = next(csv.reader([header_line], delimiter=delimiter))
        try:
            return delimiter, resolve_columns(cells, mapped)
        except UnreadableFile as problem:
            first_problem = first_problem or problem
    shown = ", ".join("tab" if d == "\t" else repr(d) for d in DELIMITERS)
    assert first_problem is not None
    raise UnreadableFile(
        f"no delimiter among {shown} splits the header into the mapped columns;"
        f" with {'tab' if candidates[0] == chr(9) else repr(candidates[0])}: {first_problem.problem}",
        line="1",
    )


def sniff_csv(path: Path, mapped: Sequence[str]) -> tuple[str, str, Columns]:
    """(encoding, delimiter, columns) of a CSV file, reading only what detection needs."""
    encoding = detect_encoding(path)
    try:
        header = _header_line(path, encoding)
    except UnicodeDecodeError as bad:
        raise UnreadableFile(f"not valid {encoding} text ({bad.reason} at byte {bad.start})") from None
    delimiter, columns = detect_delimiter(header, mapped)
    return encoding, delimiter, columns


def iter_csv_records(
    path: Path, encoding: str, delimiter: str, columns: Columns
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (physical line where the row starts, record) for every data row, streaming.

    newline='' lets the csv module see quoted line breaks; blank rows (also `;;;`) are skipped.
    """
    line = 0
    try:
        with path.open(encoding=encoding, newline="") as f:
            reader = csv.reader(f, delimiter=delimiter, strict=True)
            header_seen = False
            for cells in reader:
                start, line = line + 1, reader.line_num
                if not cells or is_blank(cells):
                    continue
                if not header_seen:
                    header_seen = True
                    continue
                yield str(start), to_record(columns, cells)
    except csv.Error as bad:
        raise UnreadableFile(f"malformed CSV: {bad}", line=str(line + 1)) from None
    except UnicodeDecodeError as bad:
        raise UnreadableFile(
            f"not valid {encoding} text ({bad.reason}); the file mixes encodings", line=str(line + 1)
        ) from None

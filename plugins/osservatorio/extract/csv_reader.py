"""Read a pilot's CSV file row by row: encoding and delimiter detected per file, values untouched.

Pilots export from Excel or from their case-management system, so one inbox mixes Windows-1252
and UTF-8 (with BOM) files, and `;` (Italian Excel) with `,`. Detection is per file:

- text or not: a file that starts like a binary format (PNG, ZIP/XLSX, PDF, XLS, gzip) or whose
  first 64 KiB are more than 5% control bytes (NUL and the like; pilots' text has none, random or
  compressed bytes about 12%) is refused whole as not a text file. A stray NUL in a text file
  is read, and its row quarantined (extract/text_safety.py, where every record is written);
- encoding: a UTF-8 BOM -> utf-8-sig; else the file is scanned (streaming): no byte invalid as
  UTF-8 -> utf-8; invalid bytes and no valid multi-byte UTF-8 sequence -> cp1252 (the only other
  encoding pilots use; bytes it does not define make the file fail); invalid bytes and valid
  multi-byte sequences -> UTF-8 with stray bytes (an edit in another editor): read as UTF-8 with
  `surrogateescape`, so the good rows land and each row with a bad byte is quarantined naming it.
  Decoding such a file as cp1252 would turn every UTF-8 accent into mojibake, silently. (A cp1252
  file that happens to hold a valid UTF-8 pair, e.g. "É”", is then read as UTF-8: its accented
  rows are quarantined, which is loud, where the other way round changes values unseen.)
- delimiter: csv.Sniffer on the header line, restricted to `;` `,` tab `|`, then verified: the
  header must split into the mapped source columns. The Sniffer's pick is tried first, then the
  other candidates (one line is little evidence, e.g. `Importo (€, lordo);Data`).

Values stay strings in the pilot's format (canonical.py parses them with the pilot's `formats`).
"""

from __future__ import annotations

import codecs
import csv
import logging
import re
from itertools import chain
from typing import TYPE_CHECKING, Any

from osservatorio.extract.file_table import (
    Columns,
    UnreadableFile,
    is_blank,
    refuse_unknown_columns,
    resolve_columns,
    to_record,
)
from osservatorio.extract.text_safety import escape_text

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

DELIMITERS = (";", ",", "\t", "|")
CHUNK = 1 << 20
_BINARY_PROBE = 1 << 16
MAX_CONTROL_SHARE = 0.05
_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in b"\t\n\r\f")
_BINARY_SIGNATURES = {
    b"\x89PNG": "a PNG image",
    b"PK\x03\x04": "a ZIP archive (an XLSX workbook?)",
    b"%PDF-": "a PDF document",
    b"\xd0\xcf\x11\xe0": "an OLE document (an old XLS workbook?)",
    b"\x1f\x8b": "a gzip archive",
    b"\xff\xd8\xff": "a JPEG image",
}
_UNDEFINED_CP1252 = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
_MULTIBYTE = re.compile("[^\x00-\x7f\udc80-\udcff]")  # a character UTF-8 writes in 2-4 bytes

log = logging.getLogger(__name__)


def _refuse_binary(head: bytes) -> None:
    for signature, kind in _BINARY_SIGNATURES.items():
        if head.startswith(signature):
            raise UnreadableFile(f"not a text file: {kind}")
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if control > MAX_CONTROL_SHARE * len(head):
        raise UnreadableFile(
            f"not a text file ({control} of its first {len(head)} bytes are NUL or control bytes):"
            " binary or corrupt"
        )


def _undecoded(text: str) -> bool:
    """Whether UTF-8 decoded with surrogateescape kept invalid bytes (the encoder refuses them:
    much faster than a regex over each 1 MiB chunk)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _errors(encoding: str) -> str:
    """UTF-8 keeps bytes it cannot decode as surrogates, for the record writer to escape and mark."""
    return "surrogateescape" if encoding.startswith("utf-8") else "strict"


def detect_encoding(path: Path) -> str:
    """utf-8-sig, utf-8 or cp1252 (see module doc); streams the file, never loads it whole."""
    with path.open("rb") as f:
        head = f.read(_BINARY_PROBE)
        if not head.strip(b" \t\r\n") or head == codecs.BOM_UTF8:
            raise UnreadableFile("empty file")
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise UnreadableFile("UTF-16 text: pilots must send Windows-1252 or UTF-8")
        _refuse_binary(head)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        multibyte = invalid = False
        for chunk in chain([head], iter(lambda: f.read(CHUNK), b"")):
            if chunk.isascii() and not decoder.getstate()[0]:  # nothing to learn, nothing pending
                continue
            text = decoder.decode(chunk)
            if _undecoded(text):
                invalid = True
                multibyte = multibyte or _MULTIBYTE.search(text) is not None
            else:
                multibyte = multibyte or not text.isascii()
            if multibyte and invalid:
                log.warning("%s: UTF-8 with bytes that are not UTF-8: their rows are quarantined", path.name)
                return "utf-8"
        invalid = invalid or _undecoded(decoder.decode(b"", final=True))  # a truncated last character
    return "cp1252" if invalid else "utf-8"


def _header_line(path: Path, encoding: str) -> tuple[int, str]:
    """(line number, text) of the first non-blank line."""
    with path.open(encoding=encoding, errors=_errors(encoding), newline="") as f:
        for number, line in enumerate(f, start=1):
            if line.strip():
                _, problems = escape_text(line)
                if problems:  # no column could be matched by its name: the file is unusable
                    raise UnreadableFile(f"header: {'; '.join(problems)}", line=str(number))
                return number, line.rstrip("\r\n")
    raise UnreadableFile("empty file")


def _undefined_cp1252(path: Path) -> None:
    """A byte Windows-1252 does not define: the file is in neither encoding pilots use. Named
    with its line (counted over the raw bytes: a decoder's offset is relative to its chunk)."""
    line = 1
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            if (at := _UNDEFINED_CP1252.search(chunk)) is not None:
                raise UnreadableFile(
                    f"byte 0x{chunk[at.start()]:02X} is neither UTF-8 nor Windows-1252 text:"
                    " re-export the file as UTF-8",
                    line=str(line + chunk.count(b"\n", 0, at.start())),
                )
            line += chunk.count(b"\n")


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


def sniff_csv(
    path: Path, mapped: Sequence[str], known: Sequence[str] | None = None
) -> tuple[str, str, Columns]:
    """(encoding, delimiter, columns) of a CSV file, reading only what detection needs; with
    `known` (mapped and ignored names) a header column outside it refuses the file."""
    encoding = detect_encoding(path)
    if encoding == "cp1252":
        _undefined_cp1252(path)
    number, header = _header_line(path, encoding)
    try:
        delimiter, columns = detect_delimiter(header, mapped)
        if known is not None:
            refuse_unknown_columns(columns, known)
    except UnreadableFile as problem:
        problem.line = str(number)
        raise
    return encoding, delimiter, columns


def iter_csv_records(
    path: Path, encoding: str, delimiter: str, columns: Columns
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (physical line where the row starts, record) for every data row, streaming.

    newline='' lets the csv module see quoted line breaks; blank rows (also `;;;`) are skipped.
    """
    line = 0
    try:
        with path.open(encoding=encoding, errors=_errors(encoding), newline="") as f:
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

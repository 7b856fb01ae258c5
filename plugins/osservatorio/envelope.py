"""The record envelope: how one record travels from extraction through validation to landing.

Every stage reads and writes JSON lines, one record a line, so a batch of a million records
never sits in memory and each stage can be rerun from the previous stage's file:

- extracted  `{"source": "<where>", "record": {<source field>: <value>}}`: what the pilot sent,
  untouched; `source` is "<file>:<line>", "<file>:row <n>" or "<path>?<page param>=<n>";
- valid      `{"source", "record_id", "hash", "hmac", "record": {<contract field>: <value>}}`
  (`hash` the plain SHA-256 of the record as sent, `hmac` the keyed one);
- quarantine `{"source", "record_id", "hash", "failed_rules", "reason", "payload"}`.

Extraction, validation and landing import these names from here, and nothing from each other.
Files dropped by a pilot also carry their provenance (`DroppedFile`), recorded in the ledger.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

# BAD_TEXT re-exported: validation reads the marker from here, not from extraction.
from osservatorio.extract.text_safety import BAD_TEXT as BAD_TEXT
from osservatorio.extract.text_safety import has_unsafe_text, make_safe, safe_label

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

_SPACES = re.compile(r"\s+")
NEW = "new"
ALREADY_LANDED = "already_landed"
_HASH_CHUNK = 1 << 20


def write_extracted(sink: IO[str], source: str, record: dict[str, Any]) -> None:
    """Write one extracted record; every channel writes through here, so it is where text
    PostgreSQL cannot store (NUL, lone surrogates: undecodable bytes) is caught, for all of them.

    Such text is escaped and the record marked with `BAD_TEXT` for validation to quarantine
    (extract/text_safety.py): never written raw (the landing's COPY would fail on every rerun),
    never dropped silently. Any other record is written exactly as sent, so `record_hash` (taken
    by validation from this line) stays the hash of what was sent; a marked record's hash is
    that of its escaped form, which is as stable: the same bytes sent give the same line.
    """
    line = json.dumps({"source": source, "record": record}, ensure_ascii=False)
    if has_unsafe_text(line):  # rare: only then is the record walked
        line = json.dumps({"source": safe_label(source), "record": make_safe(record)}, ensure_ascii=False)
    sink.write(line + "\n")


def read_lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


def record_bytes(record: dict[str, Any]) -> bytes:
    """The record as the pilot sent it, as the bytes its hashes are taken of (JSON, sorted keys)."""
    return json.dumps(record, sort_keys=True, ensure_ascii=False).encode()


def record_hash(record: dict[str, Any]) -> str:
    """SHA-256 of the record as the pilot sent it (sorted keys): a changed resend is a new version.
    The pipeline's own (versions, reconciliation with the pilots); readers get the keyed
    `osservatorio.privacy.pseudonymise.record_hmac` instead."""
    return hashlib.sha256(record_bytes(record)).hexdigest()


def header_key(cell: object) -> str:
    """How source field names compare: NFC, any whitespace (NBSP, newlines) collapsed, trimmed, casefolded."""
    text = unicodedata.normalize("NFC", "" if cell is None else str(cell))
    return _SPACES.sub(" ", text).strip().casefold()


@dataclass(frozen=True)
class DroppedFile:
    """One file of a file-drop batch, as the ledger (raw.files) records it."""

    name: str  # file name in the inbox
    sha256: str
    records: int  # data rows read (0 for skipped files)
    status: str  # "new" | "already_landed" (same checksum landed before or earlier in this run)
    encoding: str | None  # CSV only
    delimiter: str | None  # CSV only
    # Where it was read when not from the inbox: a rerun re-reads its batch's archived files.
    read_from: str | None = None


def display_name(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (kept by Python as surrogates) shown as
    `\\xe9`, so the name can be logged, stored and given to the archive."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(_HASH_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()

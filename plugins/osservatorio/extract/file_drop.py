"""Extraction from the file-drop channels (csv_drop, xlsx_drop): the pilot's inbox folder.

Every data row of every new file becomes one JSON line `{"source": "<file>:<line>", "record":
{<header>: <text or null>}}` (XLSX: `"<file>:row <n>"`), the same envelope as the REST channel,
so validation and landing do not know where records came from. Files are identified by their
SHA-256: a content already landed (the ledger, land/file_ledger.py) or already read in this run
is skipped whatever its name, and archived with the others after the batch commits.

A structural problem of any file (unreadable, empty, header without the mapped columns) rejects
the whole extraction with FileRejected; `out` is then absent, never partially written: records
go to a temporary file that replaces `out` only when every file was read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from osservatorio.envelope import ALREADY_LANDED, NEW, DroppedFile, sha256_of, write_extracted
from osservatorio.errors import FileRejected
from osservatorio.extract.file_table import UnreadableFile

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from osservatorio.registry import EntitySource, Pilot

__all__ = [
    "ALREADY_LANDED",
    "NEW",
    "DroppedFile",
    "FileExtractResult",
    "FileReader",
    "FileRejected",
    "extract_files",
    "sha256_of",
]


@dataclass(frozen=True)
class FileExtractResult:
    path: str  # the JSON-lines file written
    received: int  # records written
    files: list[DroppedFile]


class FileReader(Protocol):
    """Reads one dropped file: (rows as (line label, record), encoding, delimiter); the file
    channels (channels/file_drop.py) provide one per format. Raises UnreadableFile."""

    def __call__(
        self, source: EntitySource, path: Path, mapped: list[str]
    ) -> tuple[Iterator[tuple[str, dict[str, Any]]], str | None, str | None]: ...


def extract_files(
    pilot: Pilot,
    source: EntitySource,
    inbox: Path,
    out: Path,
    landed_checksums: set[str],
    read_file: FileReader,
) -> FileExtractResult:
    """Read every inbox file matching `source.file_pattern` (sorted by name) into `out`.

    Files whose SHA-256 is in `landed_checksums`, or equal to a file read earlier in this run,
    are not read (status already_landed, records 0). Raises FileRejected on the first file with a
    structural problem; `out` is then removed.
    """
    if not source.file_pattern:
        raise ValueError(f"pilot {pilot.pilot_id}: entity {source.entity} has no file_pattern")
    if not inbox.is_dir():
        raise FileRejected(f"pilot {pilot.pilot_id}: inbox folder {inbox} does not exist")
    mapped = list(dict.fromkeys(source.fields.values()))
    paths = sorted((p for p in inbox.glob(source.file_pattern) if p.is_file()), key=lambda p: p.name)
    seen = set(landed_checksums)
    files: list[DroppedFile] = []
    received = 0
    partial = out.with_name(out.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8") as sink:
            for path in paths:
                checksum = sha256_of(path)
                if checksum in seen:
                    files.append(DroppedFile(path.name, checksum, 0, ALREADY_LANDED, None, None))
                    continue
                seen.add(checksum)
                count = 0
                try:
                    rows, encoding, delimiter = read_file(source, path, mapped)
                    for line, record in rows:
                        write_extracted(sink, f"{path.name}:{line}", record)
                        count += 1
                except UnreadableFile as problem:
                    where = ""
                    if problem.line:  # "12" (CSV line) or "row 4" (XLSX)
                        where = f", line {problem.line}" if problem.line[0].isdigit() else f", {problem.line}"
                    raise FileRejected(
                        f"pilot {pilot.pilot_id}: file {path.name}{where}: {problem.problem}"
                    ) from None
                files.append(DroppedFile(path.name, checksum, count, NEW, encoding, delimiter))
                received += count
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        out.unlink(missing_ok=True)  # a previous run's output must not be loaded in its place
        raise
    return FileExtractResult(path=str(out), received=received, files=files)

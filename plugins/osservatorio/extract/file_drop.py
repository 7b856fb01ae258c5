"""Extraction from the file-drop channels (csv_drop, xlsx_drop): the pilot's inbox folder.

Every data row of every new file becomes one JSON line `{"source": "<file>:<line>", "record":
{<header>: <text or null>}}` (XLSX: `"<file>:row <n>"`), the same envelope as the REST channel,
so validation and landing do not know where records came from. Files are identified by their
SHA-256: a content already landed (the ledger, land/file_ledger.py) or already read in this run
is skipped whatever its name, and archived with the others after the batch commits.

A structural problem of any file (unreadable, empty, header without the mapped columns) rejects
the whole extraction with FileRejected; `out` is then absent, never partially written: records
go to a temporary file that replaces `out` only when every file was read. So does anything in
the inbox matching the pattern that is not a regular file: a symbolic link (it could point
anywhere, e.g. /etc/passwd, and the archive would keep only the link), a directory, a FIFO.

A rerun of a batch reads the files it landed before again, from the archive (`earlier`), except
one whose name the pilot has dropped again: that file is the corrected resend and replaces it.
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from osservatorio.envelope import ALREADY_LANDED, NEW, DroppedFile, display_name, sha256_of, write_extracted
from osservatorio.errors import FileRejected
from osservatorio.extract.file_table import UnreadableFile

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
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

log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class ArchivedFile:
    """A file a batch landed before, as the ledger knows it (land/file_ledger.py batch_files)."""

    name: str
    sha256: str
    path: Path | None  # None: not archived (still in the inbox, or lost)


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    return "not a regular file"


def inbox_files(pilot: Pilot, pattern: str, inbox: Path) -> dict[str, Path]:
    """The inbox's files matching `pattern`, by display name; FileRejected for anything that is
    not a regular file (checked with lstat: a link is never followed)."""
    found: dict[str, Path] = {}
    for path in inbox.glob(pattern):
        mode = os.lstat(path).st_mode
        name = display_name(path.name)
        if not stat.S_ISREG(mode):
            raise FileRejected(
                f"pilot {pilot.pilot_id}: {name} in the inbox is {_kind(mode)}, not a file: only regular"
                " files dropped by the pilot are read; replace it with the file itself or remove it"
            )
        found[name] = path
    return found


def _to_read(
    pilot: Pilot, pattern: str, inbox: Path, earlier: Sequence[ArchivedFile]
) -> list[tuple[str, Path, str | None]]:
    """(name, path, read_from) of every file to read, sorted by name: the inbox's, and a rerun's
    earlier files unless the pilot dropped a file of the same name again (its correction)."""
    files = {name: (path, None) for name, path in inbox_files(pilot, pattern, inbox).items()}
    for old in earlier:
        if old.name in files:
            if old.path is not None and sha256_of(files[old.name][0]) != old.sha256:
                log.warning(
                    "%s: the file now in the inbox replaces the one this batch landed before (%s):"
                    " a corrected resend",
                    old.name,
                    old.path,
                )
            continue
        if old.path is None or not old.path.is_file() or sha256_of(old.path) != old.sha256:
            raise FileRejected(
                f"pilot {pilot.pilot_id}: file {old.name}, landed by this batch before, is neither in"
                f" the inbox nor in the archive ({old.path}): rerunning the batch would lose its"
                " records; put the file back in the inbox"
            )
        files[old.name] = (old.path, str(old.path))
    return [(name, path, read_from) for name, (path, read_from) in sorted(files.items())]


def extract_files(
    pilot: Pilot,
    source: EntitySource,
    inbox: Path,
    out: Path,
    landed_checksums: set[str],
    read_file: FileReader,
    earlier: Sequence[ArchivedFile] = (),
) -> FileExtractResult:
    """Read every inbox file matching `source.file_pattern` (sorted by name) into `out`, and the
    batch's `earlier` files on a rerun (see the module doc).

    Files whose SHA-256 is in `landed_checksums`, or equal to a file read earlier in this run,
    are not read (status already_landed, records 0). Raises FileRejected on the first file with a
    structural problem; `out` is then removed.
    """
    if not source.file_pattern:
        raise ValueError(f"pilot {pilot.pilot_id}: entity {source.entity} has no file_pattern")
    if not inbox.is_dir():
        raise FileRejected(f"pilot {pilot.pilot_id}: inbox folder {inbox} does not exist")
    mapped = list(dict.fromkeys(source.fields.values()))
    to_read = _to_read(pilot, source.file_pattern, inbox, earlier)
    seen = set(landed_checksums)
    files: list[DroppedFile] = []
    received = 0
    partial = out.with_name(out.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8") as sink:
            for name, path, read_from in to_read:
                try:
                    checksum = sha256_of(path)
                except OSError as bad:  # unreadable (permissions, I/O): a clear refusal, not a trace
                    raise FileRejected(
                        f"pilot {pilot.pilot_id}: file {name}: cannot be read ({bad.strerror})"
                    ) from None
                if checksum in seen:
                    log.info("%s: same content as a file already landed: not read again", name)
                    files.append(DroppedFile(name, checksum, 0, ALREADY_LANDED, None, None, read_from))
                    continue
                seen.add(checksum)
                count = 0
                try:
                    rows, encoding, delimiter = read_file(source, path, mapped)
                    for line, record in rows:
                        write_extracted(sink, f"{name}:{line}", record)
                        count += 1
                except OSError as bad:
                    raise FileRejected(
                        f"pilot {pilot.pilot_id}: file {name}: cannot be read ({bad.strerror})"
                    ) from None
                except UnreadableFile as problem:
                    where = ""
                    if problem.line:  # "12" (CSV line) or "row 4" (XLSX)
                        where = f", line {problem.line}" if problem.line[0].isdigit() else f", {problem.line}"
                    raise FileRejected(
                        f"pilot {pilot.pilot_id}: file {name}{where}: {problem.problem}"
                    ) from None
                log.info(
                    "%s: %d record(s) read (encoding %s, delimiter %r)", name, count, encoding, delimiter
                )
                files.append(DroppedFile(name, checksum, count, NEW, encoding, delimiter, read_from))
                received += count
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        out.unlink(missing_ok=True)  # a previous run's output must not be loaded in its place
        raise
    return FileExtractResult(path=str(out), received=received, files=files)

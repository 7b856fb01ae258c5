"""The ledger of dropped files (raw.files) and the archive of the inbox.

Order in a file-drop batch: `landed_checksums` before extraction (skip contents landed before)
and, on a rerun, `batch_files` (the files the batch landed before, read again from the archive);
`record_landed_files` inside the batch's landing transaction (the ledger commits with the data,
or not at all); after the commit `archive_files` moves every file of the batch out of the inbox,
and `mark_archived` stores where each went. Files are never deleted nor overwritten, and every
step can be rerun: a file already moved is found in the archive by its checksum. A rerun of a
batch supersedes its ledger rows (`superseded_at`), never deletes them.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from osservatorio.envelope import NEW, display_name, sha256_of
from osservatorio.extract.file_drop import ArchivedFile
from osservatorio.land.migrate import require_migrated

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    import psycopg

    from osservatorio.envelope import DroppedFile

log = logging.getLogger(__name__)


def landed_checksums(
    conn: psycopg.Connection, pilot_id: str, entity: str, *, excluding_batch: str | None = None
) -> set[str]:
    """SHA-256 of every file content landed for (pilot, entity) by a current (not superseded) landing.

    Pass the batch id being (re)run as `excluding_batch`: its own files must be read again, since
    the rerun replaces that batch's landing; without it a rerun would land an empty batch.
    """
    require_migrated(conn)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT sha256 FROM raw.files WHERE pilot_id = %s AND entity = %s AND superseded_at IS NULL"
            " AND batch_id IS DISTINCT FROM %s",
            (pilot_id, entity, excluding_batch),
        )
        return {row[0] for row in cur}


def batch_files(conn: psycopg.Connection, batch_id: str, archive: Path) -> list[ArchivedFile]:
    """The files the batch's current landing read, and where the archive keeps them. A file moved
    to `archive` (the batch's folder) whose move was not recorded (the task died in between) is
    found there by its checksum."""
    require_migrated(conn)
    rows = conn.execute(
        "SELECT file_name, sha256, archived_to FROM raw.files WHERE batch_id = %s AND superseded_at IS NULL"
        " ORDER BY file_name",
        (batch_id,),
    ).fetchall()
    files = []
    for name, digest, where in rows:
        path = Path(where) if where else None
        if path is None and archive.is_dir():
            path = _archived_copy(archive, name, digest)
        files.append(ArchivedFile(name, digest, path))
    return files


def record_landed_files(
    conn: psycopg.Connection, batch_id: str, pilot_id: str, entity: str, files: Sequence[DroppedFile]
) -> int:
    """Supersede the batch's current ledger rows and insert its new files; returns the rows written.

    Call it inside the batch's landing transaction (the superseding time is the transaction's, the
    same as the landing's). Files with status already_landed have their row from the batch that
    landed them. A content landed by another batch meanwhile (a concurrent run) violates the unique
    index of current contents and fails the whole landing transaction.
    """
    rows = [
        (pilot_id, entity, f.name, f.sha256, batch_id, f.records, f.encoding, f.delimiter)
        for f in files
        if f.status == NEW
    ]
    with conn.transaction(), conn.cursor() as cur:
        require_migrated(conn)
        cur.execute(
            "UPDATE raw.files SET superseded_at = now() WHERE batch_id = %s AND superseded_at IS NULL",
            (batch_id,),
        )
        cur.executemany(
            "INSERT INTO raw.files (pilot_id, entity, file_name, sha256, batch_id, records, encoding,"
            " delimiter, status, landed_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'landed', now())",
            rows,
        )
    return len(rows)


def archive_dir(inbox: Path, batch_key: str) -> Path:
    """`<inbox>/../archive/<batch_key>`; batch_key may have `/` levels but cannot leave the archive."""
    key = Path(batch_key)
    if key.is_absolute() or ".." in key.parts or not batch_key.strip():
        raise ValueError(f"batch_key {batch_key!r} must be a relative path inside the archive")
    return inbox.parent / "archive" / key


def _variants(folder: Path, name: str) -> Iterable[Path]:
    """name, then stem~2.ext, stem~3.ext, ...: the names a file may get in the archive."""
    yield folder / name
    stem, dot, ext = name.rpartition(".") if "." in name.lstrip(".") else (name, "", "")
    n = 2
    while True:
        yield folder / f"{stem}~{n}{dot}{ext}"
        n += 1


def _move_without_overwrite(src: Path, folder: Path, name: str | None = None) -> Path:
    """Move src into folder under `name` (default: its own), or the first free ~n variant; never
    replaces a file."""
    for dest in _variants(folder, name or src.name):
        try:
            os.link(src, dest)  # atomic, and fails if dest exists: no check-then-move race
        except FileExistsError:
            continue
        except OSError:  # another filesystem, or no hard links: exclusive create + copy
            try:
                with src.open("rb") as reader, dest.open("xb") as writer:
                    shutil.copyfileobj(reader, writer)
                shutil.copystat(src, dest)
            except FileExistsError:
                continue
        src.unlink()
        return dest
    raise AssertionError("unreachable")


def _archived_copy(folder: Path, name: str, sha256: str) -> Path | None:
    for candidate in _variants(folder, name):
        if not candidate.exists():
            return None
        if sha256_of(candidate) == sha256:
            return candidate
    return None


def _in_inbox(inbox: Path, name: str) -> Path | None:
    """The inbox entry whose display name is `name` (its real name may hold non-UTF-8 bytes)."""
    if (inbox / name).exists() and display_name((inbox / name).name) == name:
        return inbox / name
    return next((path for path in inbox.iterdir() if display_name(path.name) == name), None)


def archive_files(inbox: Path, files: Sequence[DroppedFile], batch_key: str) -> list[Path]:
    """Move the batch's files (new and already_landed) to `archive_dir(inbox, batch_key)`.

    Returns where each file now is, in the order of `files`. Rerun-safe: a file no longer in the
    inbox but found in the archive folder (same checksum) is returned without moving; one found
    nowhere is logged and left out. A file whose content changed since extraction (the pilot
    re-dropped it under the same name) stays in the inbox for the next run.
    """
    folder = archive_dir(inbox, batch_key)
    # A rerun may extract from the batch's archive folder itself: its files are already archived.
    tail = ("archive", *Path(batch_key).parts)
    same_folder = inbox.resolve().parts[-len(tail) :] == tail
    if same_folder:
        folder = inbox
    folder.mkdir(parents=True, exist_ok=True)
    archived: list[Path] = []
    for file in files:
        src = _in_inbox(inbox, file.name)
        if file.read_from is not None:  # a rerun read it from the archive: it stays there
            found = Path(file.read_from) if Path(file.read_from).is_file() else None
        elif same_folder:
            found = _archived_copy(folder, file.name, file.sha256)
        elif src is not None and src.is_file() and not src.is_symlink():
            if sha256_of(src) != file.sha256:
                log.warning("%s changed since it was extracted: left in the inbox for the next run", src)
                continue
            # under its display name: the archive's names are always text (see envelope.display_name)
            found = _move_without_overwrite(src, folder, file.name)
        else:
            found = _archived_copy(folder, file.name, file.sha256)
        if found is None:
            log.warning("%s is neither in the inbox nor in %s: not archived by this run", file.name, folder)
            continue
        archived.append(found)
    return archived


def mark_archived(conn: psycopg.Connection, pilot_id: str, entity: str, moves: Iterable[Path]) -> int:
    """Store where the archived files went (each identified by its checksum); returns rows updated.

    A content's first archived copy stays its reference: a later duplicate (already_landed) does
    not overwrite archived_to. Commits on its own (called after the landing transaction).
    """
    updated = 0
    with conn.transaction(), conn.cursor() as cur:
        require_migrated(conn)
        for path in moves:
            cur.execute(
                "UPDATE raw.files SET archived_to = %s, status = 'archived' WHERE pilot_id = %s"
                " AND entity = %s AND sha256 = %s AND archived_to IS NULL AND superseded_at IS NULL",
                (str(path), pilot_id, entity, sha256_of(path)),
            )
            updated += cur.rowcount
    return updated

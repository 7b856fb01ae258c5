"""File-drop channels: the pilot drops CSV or XLSX files into an inbox folder (the pilot's
filesystem connection, extra `path`). Each file is read once (SHA-256 ledger, raw.files), its
ledger row commits with the records, and it is archived, never deleted, after the commit."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from osservatorio.channels.base import Channel
from osservatorio.manifest import Extraction

if TYPE_CHECKING:
    from collections.abc import Iterator

    import psycopg

    from osservatorio.manifest import BatchManifest
    from osservatorio.registry import EntitySource, Pilot

Rows = tuple["Iterator[tuple[str, dict[str, Any]]]", str | None, str | None]


class FileDropChannel(Channel):
    def __init__(self, pilot: Pilot, inbox: Path | None = None) -> None:
        super().__init__(pilot)
        self._inbox = inbox

    def inbox(self) -> Path:
        if self._inbox is not None:
            return self._inbox
        from airflow.providers.standard.hooks.filesystem import FSHook

        from osservatorio.errors import RunConfigurationError

        path = FSHook(fs_conn_id=self.pilot.connection_id).get_path()
        if not path or not Path(path).is_absolute():  # "" would silently mean the worker's cwd
            raise RunConfigurationError(
                f"pilot {self.pilot.pilot_id}: connection {self.pilot.connection_id} needs an absolute"
                f" inbox folder in its extra 'path' (got {path!r})"
            )
        return Path(path)

    def read_file(self, source: EntitySource, path: Path, mapped: list[str]) -> Rows:
        """(rows, encoding, delimiter) of one file of this format."""
        raise NotImplementedError

    def extract(self, batch: BatchManifest, warehouse: psycopg.Connection | None) -> Extraction:
        from osservatorio.extract.file_drop import extract_files
        from osservatorio.land.file_ledger import archive_dir, batch_files, landed_checksums

        inbox = self.inbox()
        landed, earlier = set(), []
        if warehouse is not None:
            landed = landed_checksums(warehouse, batch.pilot_id, batch.entity, excluding_batch=batch.batch_id)
            earlier = batch_files(
                warehouse, batch.batch_id, archive_dir(inbox, batch.archive_key)
            )  # a rerun reads its own files again
        out = batch.work_file("source")
        result = extract_files(self.pilot, self.source(batch), inbox, out, landed, self.read_file, earlier)
        return Extraction(batch, out, result.received, files=tuple(result.files))

    def in_transaction(self, conn: psycopg.Connection, extraction: Extraction) -> None:
        from osservatorio.land.file_ledger import record_landed_files

        batch = extraction.batch
        record_landed_files(conn, batch.batch_id, batch.pilot_id, batch.entity, list(extraction.files))

    def after_commit(self, conn: psycopg.Connection, extraction: Extraction) -> None:
        # A file leaves the inbox only once its records are safely landed.
        from osservatorio.land.file_ledger import archive_files, mark_archived

        batch = extraction.batch
        moves = archive_files(self.inbox(), list(extraction.files), batch.archive_key)
        mark_archived(conn, batch.pilot_id, batch.entity, moves)
        conn.commit()


class CsvDropChannel(FileDropChannel):
    def read_file(self, source: EntitySource, path: Path, mapped: list[str]) -> Rows:
        from osservatorio.extract.csv_reader import iter_csv_records, sniff_csv

        encoding, delimiter, columns = sniff_csv(path, mapped, known=[*mapped, *source.ignored])
        return iter_csv_records(path, encoding, delimiter, columns), encoding, delimiter


class XlsxDropChannel(FileDropChannel):
    def read_file(self, source: EntitySource, path: Path, mapped: list[str]) -> Rows:
        from osservatorio.extract.xlsx_reader import iter_xlsx_records
        from osservatorio.extract.xlsx_values import CellFormatter

        formatter = CellFormatter(self.pilot.formats, _column_kinds(source))
        rows = iter_xlsx_records(path, mapped, source.entity, formatter, ignored=source.ignored)
        return rows, None, None


def _column_kinds(source: EntitySource) -> dict[str, str]:
    """Source column -> contract type, so typed XLSX cells are written as the parser expects."""
    from osservatorio.contract import record_type

    try:
        contract = record_type(source.entity)
    except FileNotFoundError:  # an entity without a contract yet: fall back on the cell's own type
        return {}
    return {source.fields[f.name]: f.type for f in contract.fields if f.name in source.fields}

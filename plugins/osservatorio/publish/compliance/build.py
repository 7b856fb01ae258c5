"""Build, check and publish the compliance package of one Art. 42 cut-off.

Order matters: the rows are read once; the SFC and Kohesio rules run on them and frictionless on
the list of operations' CSV as written into the staging folder; only when nothing is broken are
the workbook, the summary and the manifest written and the folder published as the next version.
A failed check raises PackageCheckFailed (every violation, each naming table, row and rule) and
leaves nothing behind: no version folder, no staging folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from osservatorio.publish.compliance.csv_files import write_csv
from osservatorio.publish.compliance.cutoffs import submission_period
from osservatorio.publish.compliance.errors import PackageCheckFailed
from osservatorio.publish.compliance.html_summary import write_summary
from osservatorio.publish.compliance.kohesio_rules import check_kohesio_rules
from osservatorio.publish.compliance.list_schema import validate_list_file
from osservatorio.publish.compliance.manifest import (
    MANIFEST_NAME,
    build_manifest,
    file_entries,
    manifest_bytes,
    source_landings,
)
from osservatorio.publish.compliance.sfc_rules import check_indicator_tables
from osservatorio.publish.compliance.store import discard, publish, staging_folder
from osservatorio.publish.compliance.tables import LIST_OF_OPERATIONS, PackageTable, read_package_tables
from osservatorio.publish.compliance.workbook import write_workbook

if TYPE_CHECKING:
    from datetime import date
    from pathlib import Path

    import psycopg


@dataclass(frozen=True)
class PublishedPackage:
    path: Path  # the version folder, <root>/<YYYYMM>/v<NNN>
    version: int
    manifest: dict[str, Any]


def _read(
    conn: psycopg.Connection, schema: str, cutoff: date, known_at: datetime
) -> tuple[list[PackageTable], list[tuple[str, int]]]:
    """The cut-off's tables and the source landings, from one snapshot when the connection is
    idle (a dbt run replacing the tables meanwhile cannot mix two states into one package)."""
    from psycopg.pq import TransactionStatus

    if conn.info.transaction_status != TransactionStatus.IDLE:  # the caller's transaction
        return read_package_tables(conn, schema, cutoff), source_landings(conn, known_at)
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return read_package_tables(conn, schema, cutoff), source_landings(conn, known_at)


def build_package(
    conn: psycopg.Connection,
    *,
    cutoff: date,
    source_schema: str,
    root: Path,
    known_at: datetime,
    code_version: str,
    reason: str,
    generated_at: datetime | None = None,
) -> PublishedPackage:
    """Publish the next version of `cutoff`'s package from the tables in `source_schema`.

    `known_at` (timezone-aware) is the time the rows represent: `source_schema` must hold the
    compliance tables as computed from the data known then (the manifest lists the raw batches
    that were current at that time). `reason` says why this version exists (first publication,
    a correction landed, ...); the manifest keeps it with the version it supersedes.
    """
    if known_at.tzinfo is None:
        raise ValueError("known_at must be timezone-aware")
    period = submission_period(cutoff)
    tables, landings = _read(conn, source_schema, cutoff, known_at)
    operations = next(t for t in tables if t.spec is LIST_OF_OPERATIONS)
    violations = check_indicator_tables(tables) + check_kohesio_rules(operations)

    staging = staging_folder(root, period)
    try:
        for table in tables:
            write_csv(staging, table)
        violations += validate_list_file(staging / LIST_OF_OPERATIONS.file_name, operations)
        if violations:
            raise PackageCheckFailed(period, violations)
        write_workbook(staging, tables, cutoff)
        write_summary(staging, tables, cutoff, period)
        manifest: dict[str, Any] = {}

        def finish(folder: Path, version: int, supersedes: int | None) -> None:
            manifest.update(
                build_manifest(
                    cutoff=cutoff,
                    period=period,
                    version=version,
                    supersedes=supersedes,
                    reason=reason,
                    generated_at=generated_at or datetime.now(UTC),
                    known_at=known_at,
                    code_version=code_version,
                    landings=landings,
                    tables=tables,
                    files=file_entries(folder),
                )
            )
            (folder / MANIFEST_NAME).write_bytes(manifest_bytes(manifest))

        path, version = publish(staging, root, period, finish)
    except BaseException:
        discard(staging)
        raise
    return PublishedPackage(path=path, version=version, manifest=manifest)

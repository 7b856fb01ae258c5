"""Build, check and publish the compliance package of one Art. 42 cut-off.

Order matters: the rows are read once; the SFC and Kohesio rules run on them and frictionless on
the list of operations' CSV as written into the staging folder; only when nothing is broken are
the workbook, the summary and the manifest written and the folder published as the next version.
A failed check raises PackageCheckFailed (every violation, each naming table, row and rule) and
leaves nothing behind: no version folder, no staging folder. So does a cut-off outside the
programme's transmission calendar (RunConfigurationError, before anything is read) and, unless
`allow_empty`, a package whose financial or indicator tables are empty.

A build whose files (all but the manifest) have the SHA-256 of the current version's files
publishes nothing, unless `force`: `PublishedPackage.published` is False and the package is the
current version. Each pilot that had not landed data up to the cut-off is logged as a warning.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from osservatorio.publish.compliance.csv_files import write_csv
from osservatorio.publish.compliance.cutoffs import require_in_calendar
from osservatorio.publish.compliance.errors import PackageCheckFailed, Violation
from osservatorio.publish.compliance.html_summary import write_summary
from osservatorio.publish.compliance.kohesio_rules import check_kohesio_rules
from osservatorio.publish.compliance.landings import PilotLanding, pilot_landings
from osservatorio.publish.compliance.list_schema import validate_list_file
from osservatorio.publish.compliance.manifest import (
    MANIFEST_NAME,
    build_manifest,
    file_entries,
    manifest_bytes,
    source_landings,
)
from osservatorio.publish.compliance.sfc_rules import check_financial_tables, check_indicator_tables
from osservatorio.publish.compliance.store import discard, publish, staging_folder
from osservatorio.publish.compliance.tables import (
    FINANCIAL_TABLE_1,
    FINANCIAL_TABLE_2,
    LIST_OF_OPERATIONS,
    TABLE_6_OUTPUTS,
    TABLE_10_RESULTS,
    PackageTable,
    read_package_tables,
)
from osservatorio.publish.compliance.workbook import write_workbook

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import date
    from pathlib import Path

    import psycopg

log = logging.getLogger(__name__)
# A package with none of these rows has nothing to transmit (a cut-off before anything was selected).
MUST_HAVE_ROWS = (FINANCIAL_TABLE_1, FINANCIAL_TABLE_2, TABLE_6_OUTPUTS, TABLE_10_RESULTS)


@dataclass(frozen=True)
class PublishedPackage:
    path: Path  # the version folder, <root>/<YYYYMM>/v<NNN>
    version: int
    manifest: dict[str, Any]
    published: bool = True  # False: identical to the current version, which `path` is

    def describe(self) -> str:
        if self.published:
            return f"published {self.path} (version {self.version})"
        return (
            f"unchanged: every file equals version {self.version}'s ({self.path}); nothing published "
            "(pass force to publish a new version anyway)"
        )

    def to_xcom(self) -> dict[str, Any]:
        """What the DAG's task returns: the folder, the version, whether it was published."""
        return {
            "path": str(self.path),
            "version": self.version,
            "published": self.published,
            "message": self.describe(),
        }


def _read(
    conn: psycopg.Connection, schema: str, cutoff: date, known_at: datetime, pilots: Sequence[str] | None
) -> tuple[list[PackageTable], list[tuple[str, int]], list[PilotLanding]]:
    """The cut-off's tables, the source landings and how far each pilot had landed, from one
    snapshot when the connection is idle (a dbt run replacing the tables meanwhile cannot mix two
    states into one package)."""
    from psycopg.pq import TransactionStatus

    def read() -> tuple[list[PackageTable], list[tuple[str, int]], list[PilotLanding]]:
        return (
            read_package_tables(conn, schema, cutoff),
            source_landings(conn, known_at),
            pilot_landings(conn, known_at, cutoff, pilots),
        )

    if conn.info.transaction_status != TransactionStatus.IDLE:  # the caller's transaction
        return read()
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return read()


def empty_tables(tables: list[PackageTable], cutoff: date) -> list[Violation]:
    """A financial or indicator table of the package without a row: nothing to transmit."""
    return [
        Violation(
            table=t.spec.source,
            row=None,
            key="",
            rule="a package's financial and indicator tables are not empty",
            detail=f"no row for the {cutoff} cut-off (allow_empty publishes an empty package anyway)",
        )
        for t in tables
        if t.spec in MUST_HAVE_ROWS and not t.rows
    ]


def _warn_incomplete(pilots: list[PilotLanding], cutoff: date, known_at: datetime) -> None:
    for pilot in pilots:
        if not pilot.covers_cutoff:
            last = pilot.last_interval
            log.warning(
                "pilot %s has not landed data up to the %s cut-off as known at %s (%s):"
                " its values in the package are incomplete",
                pilot.pilot_id,
                cutoff,
                known_at.isoformat(),
                f"its last data interval ends {last[1].isoformat()}" if last else "nothing landed",
            )


def _same_files(staging: Path) -> Callable[[Path], bool]:
    """Whether the staged files are the current version's, by the SHA-256 in its manifest."""

    def same(current: Path) -> bool:
        try:
            listed = json.loads((current / MANIFEST_NAME).read_text(encoding="utf-8"))["files"]
        except (OSError, ValueError, KeyError):
            return False
        staged = file_entries(staging)
        return {n: e["sha256"] for n, e in staged.items()} == {n: e.get("sha256") for n, e in listed.items()}

    return same


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
    allow_empty: bool = False,
    force: bool = False,
    pilots: Sequence[str] | None = None,
) -> PublishedPackage:
    """Publish the next version of `cutoff`'s package from the tables in `source_schema`.

    `known_at` (timezone-aware) is the time the rows represent: `source_schema` must hold the
    compliance tables as computed from the data known then (the manifest lists the raw batches
    that were current at that time). `reason` says why this version exists (first publication,
    a correction landed, ...); the manifest keeps it with the version it supersedes. `pilots`:
    whose landings the manifest and summary report (default: every pilot landed by `known_at`).
    """
    if known_at.tzinfo is None:
        raise ValueError("known_at must be timezone-aware")
    period = require_in_calendar(cutoff).submission_period
    tables, landings, pilot_state = _read(conn, source_schema, cutoff, known_at, pilots)
    _warn_incomplete(pilot_state, cutoff, known_at)
    operations = next(t for t in tables if t.spec is LIST_OF_OPERATIONS)
    violations = [] if allow_empty else empty_tables(tables, cutoff)
    violations += check_indicator_tables(tables) + check_financial_tables(tables)
    violations += check_kohesio_rules(operations)

    staging = staging_folder(root, period)
    try:
        for table in tables:
            write_csv(staging, table)
        violations += validate_list_file(staging / LIST_OF_OPERATIONS.file_name, operations)
        if violations:
            raise PackageCheckFailed(period, violations)
        write_workbook(staging, tables, cutoff)
        write_summary(staging, tables, cutoff, period, pilot_state)
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
                    pilots=pilot_state,
                    allow_empty=allow_empty,
                    forced=force and supersedes is not None,
                )
            )
            (folder / MANIFEST_NAME).write_bytes(manifest_bytes(manifest))

        publication = publish(staging, root, period, finish, same_as=None if force else _same_files(staging))
    except BaseException:
        discard(staging)
        raise
    if not publication.published:
        discard(staging)
        current = json.loads((publication.path / MANIFEST_NAME).read_text(encoding="utf-8"))
        package = PublishedPackage(publication.path, publication.version, current, published=False)
    else:
        package = PublishedPackage(publication.path, publication.version, manifest)
    log.info("%s", package.describe())
    return package

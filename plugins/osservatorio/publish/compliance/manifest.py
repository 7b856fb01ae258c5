"""`manifest.json`: what a package is, what it was computed from, and the checksum of every file.

Of all the files of a version, only the manifest may differ between two builds from the same
rows: its `version`, `supersedes`, `reason`, `generated_at` and `forced`. Everything else in it
depends on the rows, the cut-off, `known_at` and the code version, so a rebuild can be compared
field by field with the version it reproduces. The `files` checksums are also how a rerun knows
it has nothing new to publish (build.py).
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date, datetime
    from pathlib import Path

    import psycopg

    from osservatorio.publish.compliance.landings import PilotLanding
    from osservatorio.publish.compliance.tables import PackageTable

MANIFEST_NAME = "manifest.json"
FORMAT = "osservatorio-compliance-package/1"


def source_landings(
    conn: psycopg.Connection, known_at: datetime, raw_schema: str = "raw"
) -> list[tuple[str, int]]:
    """(batch id, landing id) of every batch landed at or before `known_at` and not yet superseded
    then: the raw data the compliance tables as of `known_at` were computed from."""
    from psycopg import sql

    query = sql.SQL(
        "SELECT batch_id, landing_id FROM {} WHERE landed_at <= %(t)s"
        " AND (superseded_at IS NULL OR superseded_at > %(t)s) ORDER BY batch_id, landing_id"
    ).format(sql.Identifier(raw_schema, "batches"))
    return [(batch_id, landing_id) for batch_id, landing_id in conn.execute(query, {"t": known_at})]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_entries(folder: Path) -> dict[str, dict[str, Any]]:
    """SHA-256 and size of every file of the package but the manifest, by name."""
    return {
        p.name: {"sha256": sha256_of(p), "bytes": p.stat().st_size}
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name != MANIFEST_NAME
    }


def build_manifest(
    *,
    cutoff: date,
    period: str,
    version: int,
    supersedes: int | None,
    reason: str,
    generated_at: datetime,
    known_at: datetime,
    code_version: str,
    landings: list[tuple[str, int]],
    tables: list[PackageTable],
    files: dict[str, dict[str, Any]],
    pilots: Sequence[PilotLanding] = (),
    allow_empty: bool = False,
    forced: bool = False,
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "cutoff_date": cutoff.isoformat(),
        "submission_period": period,
        "version": version,
        "supersedes": supersedes,
        "reason": reason,
        "generated_at": generated_at.isoformat(),
        "known_at": known_at.isoformat(),
        "code_version": code_version,
        "source_batches": sorted({batch_id for batch_id, _ in landings}),
        "source_landing_ids": sorted(landing_id for _, landing_id in landings),
        "row_counts": {t.spec.slug: len(t.rows) for t in tables},
        # per pilot: the last data interval landed as known at known_at, and whether it covers the cut-off
        "pilot_landings": {p.pilot_id: p.to_manifest() for p in pilots},
        "allow_empty": allow_empty,  # published even if a financial or indicator table was empty
        "forced": forced,  # published although its files equal the version it supersedes
        "files": files,
    }


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

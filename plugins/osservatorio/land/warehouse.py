"""Load a validated batch into the raw schema with COPY, in one transaction per batch.

Re-running the same batch (pilot, record type, data interval) deletes its previous rows first,
so a rerun replaces and never duplicates. The ledger row is written last, with the counts: its
CHECK constraint refuses the whole transaction if received != loaded + quarantined.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

RAW_SCHEMA_SQL = Path(__file__).with_name("raw_schema.sql")
LANDING_TABLES = {"operations": "raw.operations", "participant_enrolments": "raw.participant_enrolments"}


@dataclass(frozen=True)
class Batch:
    batch_id: str
    pilot_id: str
    entity: str
    data_interval_start: datetime
    data_interval_end: datetime


def batch_for(pilot_id: str, entity: str, start: datetime, end: datetime) -> Batch:
    """Batch ids are derived from the data interval, so the same interval is the same batch."""
    return Batch(f"{pilot_id}/{entity}/{start:%Y%m%dT%H%M%S}", pilot_id, entity, start, end)


def ensure_raw_schema(conn: psycopg.Connection) -> None:
    with conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('osservatorio.raw_schema'))")
        cur.execute(RAW_SCHEMA_SQL.read_text(encoding="utf-8"))


def land_batch(
    conn: psycopg.Connection, batch: Batch, valid_path: Path, quarantine_path: Path, received: int
) -> tuple[int, int]:
    """Replace the batch's rows with the files' contents; returns (loaded, quarantined)."""
    table = LANDING_TABLES[batch.entity]
    now = datetime.now(UTC)
    loaded = quarantined = 0
    with conn.transaction(), conn.cursor() as cur:
        ensure_raw_schema(conn)
        for stale in (table, "raw.quarantine", "raw.batches"):
            cur.execute(f"DELETE FROM {stale} WHERE batch_id = %s", (batch.batch_id,))
        with (
            cur.copy(
                f"COPY {table} (batch_id, pilot_id, source_location, source_record_id, record_hash,"
                " ingested_at,"
                " record) FROM STDIN"
            ) as copy,
            valid_path.open(encoding="utf-8") as lines,
        ):
            for line in lines:
                item = json.loads(line)
                copy.write_row(
                    (
                        batch.batch_id,
                        batch.pilot_id,
                        item["source"],
                        str(item["record_id"]),
                        item["hash"],
                        now,
                        json.dumps(item["record"], ensure_ascii=False),
                    )
                )
                loaded += 1
        with (
            cur.copy(
                "COPY raw.quarantine (batch_id, pilot_id, entity, source_location, source_record_id,"
                " record_hash,"
                " failed_rules, reason, payload, quarantined_at) FROM STDIN"
            ) as copy,
            quarantine_path.open(encoding="utf-8") as lines,
        ):
            for line in lines:
                item = json.loads(line)
                record_id = None if item["record_id"] is None else str(item["record_id"])
                copy.write_row(
                    (
                        batch.batch_id,
                        batch.pilot_id,
                        batch.entity,
                        item["source"],
                        record_id,
                        item["hash"],
                        item["failed_rules"],
                        item["reason"],
                        json.dumps(item["payload"], ensure_ascii=False),
                        now,
                    )
                )
                quarantined += 1
        cur.execute(
            "INSERT INTO raw.batches (batch_id, pilot_id, entity, data_interval_start, data_interval_end,"
            " received, loaded, quarantined) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (
                batch.batch_id,
                batch.pilot_id,
                batch.entity,
                batch.data_interval_start,
                batch.data_interval_end,
                received,
                loaded,
                quarantined,
            ),
        )
    return loaded, quarantined

"""Load a validated batch into the raw schema with COPY, in one transaction per batch.

Re-running the same batch (pilot, record type, data interval) deletes its previous rows first,
so a rerun replaces and never duplicates. Records are copied into a temporary table first: a
record id that appears twice in the batch (possibly in different chunks of a large batch) goes
to the quarantine, not to the landing table. The ledger row is written last, with the counts:
its CHECK constraint refuses the whole transaction if received != loaded + quarantined.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    import psycopg

RAW_SCHEMA_SQL = Path(__file__).with_name("raw_schema.sql")
RECORD_TYPES = ("operations", "participant_enrolments", "result_events", "supported_entities", "expenditures")
RECORD_TABLE_DDL = """
CREATE TABLE IF NOT EXISTS raw.{entity} (
    batch_id         text NOT NULL,
    pilot_id         text NOT NULL,
    source_location  text NOT NULL,
    source_record_id text NOT NULL,
    record_hash      text NOT NULL,
    ingested_at      timestamptz NOT NULL,
    record           jsonb NOT NULL,
    PRIMARY KEY (batch_id, source_record_id)
);
CREATE INDEX IF NOT EXISTS {entity}_pilot_record ON raw.{entity} (pilot_id, source_record_id);
"""
MIGRATIONS = """
ALTER TABLE raw.batches ADD COLUMN IF NOT EXISTS watermark_from timestamptz;
ALTER TABLE raw.batches ADD COLUMN IF NOT EXISTS watermark_to timestamptz;
ALTER TABLE raw.quarantine ADD COLUMN IF NOT EXISTS resolved_by_batch text;
ALTER TABLE raw.quarantine ADD COLUMN IF NOT EXISTS resolved_at timestamptz;
"""


@dataclass(frozen=True)
class Batch:
    batch_id: str
    pilot_id: str
    entity: str
    data_interval_start: datetime
    data_interval_end: datetime
    watermark_from: datetime | None = None
    watermark_to: datetime | None = None


def batch_key(start: datetime) -> str:
    return f"{start:%Y%m%dT%H%M%S}"


def batch_for(pilot_id: str, entity: str, start: datetime, end: datetime) -> Batch:
    """Batch ids are derived from the data interval, so the same interval is the same batch."""
    return Batch(f"{pilot_id}/{entity}/{batch_key(start)}", pilot_id, entity, start, end)


def ensure_raw_schema(conn: psycopg.Connection) -> None:
    with conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('osservatorio.raw_schema'))")
        cur.execute(RAW_SCHEMA_SQL.read_text(encoding="utf-8"))
        cur.execute(MIGRATIONS)
        for entity in RECORD_TYPES:
            cur.execute(RECORD_TABLE_DDL.format(entity=entity))


def watermark_before(
    conn: psycopg.Connection, pilot_id: str, entity: str, start: datetime
) -> datetime | None:
    """Where an interval's incremental extraction starts: the newest change landed by an earlier
    interval. A rerun of an interval therefore asks for exactly what its first run asked for."""
    ensure_raw_schema(conn)
    row = conn.execute(
        "SELECT max(watermark_to) FROM raw.batches WHERE pilot_id = %s AND entity = %s"
        " AND data_interval_start < %s",
        (pilot_id, entity, start),
    ).fetchone()
    return row[0] if row else None


def land_batch(
    conn: psycopg.Connection,
    batch: Batch,
    valid_path: Path,
    quarantine_path: Path,
    received: int,
    in_transaction: Callable[[psycopg.Connection], None] | None = None,
    failures_by_rule: dict[str, int] | None = None,
) -> tuple[int, int]:
    """Replace the batch's rows with the files' contents; returns (loaded, quarantined).

    `in_transaction` runs inside the same transaction (e.g. the file ledger of a file channel).
    """
    if batch.entity not in RECORD_TYPES:
        raise ValueError(f"unknown record type {batch.entity!r}")
    table = f"raw.{batch.entity}"
    now = datetime.now(UTC)
    with conn.transaction(), conn.cursor() as cur:
        ensure_raw_schema(conn)
        for stale in (table, "raw.quarantine", "raw.validation_results", "raw.batches"):
            cur.execute(f"DELETE FROM {stale} WHERE batch_id = %s", (batch.batch_id,))
        cur.execute(
            "CREATE TEMP TABLE incoming (line bigint, source_location text, source_record_id text,"
            " record_hash text, record jsonb) ON COMMIT DROP"
        )
        with (
            cur.copy("COPY incoming FROM STDIN") as copy,
            valid_path.open(encoding="utf-8") as lines,
        ):
            for line_no, line in enumerate(lines):
                item = json.loads(line)
                copy.write_row(
                    (
                        line_no,
                        item["source"],
                        str(item["record_id"]),
                        item["hash"],
                        json.dumps(item["record"], ensure_ascii=False),
                    )
                )
        # Same id twice: identical copies land once (the extra copies are quarantined as such);
        # copies that differ are all quarantined, since nobody can tell which one is right.
        cur.execute(
            "CREATE TEMP TABLE ranked ON COMMIT DROP AS SELECT i.*,"
            " row_number() OVER (PARTITION BY source_record_id ORDER BY line) AS copy_no,"
            " source_record_id IN (SELECT source_record_id FROM incoming GROUP BY 1"
            "   HAVING count(DISTINCT record_hash) > 1) AS conflicting"
            " FROM incoming i"
        )
        cur.execute(
            f"INSERT INTO {table} (batch_id, pilot_id, source_location, source_record_id, record_hash,"
            " ingested_at, record)"
            " SELECT %s, %s, source_location, source_record_id, record_hash, %s, record FROM ranked"
            " WHERE copy_no = 1 AND NOT conflicting",
            (batch.batch_id, batch.pilot_id, now),
        )
        loaded = cur.rowcount
        # A pilot resent a corrected record: its open quarantine entries from earlier batches are resolved.
        cur.execute(
            "UPDATE raw.quarantine q SET status = 'resolved', resolved_by_batch = %s, resolved_at = %s"
            f" FROM {table} t WHERE t.batch_id = %s AND q.pilot_id = %s AND q.entity = %s"
            " AND q.status = 'open' AND q.batch_id <> %s AND q.source_record_id = t.source_record_id",
            (batch.batch_id, now, batch.batch_id, batch.pilot_id, batch.entity, batch.batch_id),
        )
        cur.execute(
            "INSERT INTO raw.quarantine (batch_id, pilot_id, entity, source_location, source_record_id,"
            " record_hash, failed_rules, reason, payload, quarantined_at)"
            " SELECT %s, %s, %s, source_location, source_record_id, record_hash, ARRAY['record_id_unique'],"
            " CASE WHEN conflicting THEN 'the same record id appears more than once with different contents'"
            "      ELSE 'exact copy of a record earlier in the batch (that one was loaded)' END,"
            " record, %s FROM ranked WHERE conflicting OR copy_no > 1",
            (batch.batch_id, batch.pilot_id, batch.entity, now),
        )
        quarantined = cur.rowcount
        with (
            cur.copy(
                "COPY raw.quarantine (batch_id, pilot_id, entity, source_location, source_record_id,"
                " record_hash, failed_rules, reason, payload, quarantined_at) FROM STDIN"
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
                        json.dumps(item["payload"], ensure_ascii=False, default=str),
                        now,
                    )
                )
                quarantined += 1
        cur.execute(
            "INSERT INTO raw.batches (batch_id, pilot_id, entity, data_interval_start, data_interval_end,"
            " received, loaded, quarantined, watermark_from, watermark_to)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                batch.batch_id,
                batch.pilot_id,
                batch.entity,
                batch.data_interval_start,
                batch.data_interval_end,
                received,
                loaded,
                quarantined,
                batch.watermark_from,
                batch.watermark_to,
            ),
        )
        # One row per rule that refused rows, plus "all_rules" with the batch's totals.
        outcome = {"all_rules": quarantined} | (failures_by_rule or {})
        cur.executemany(
            "INSERT INTO raw.validation_results (batch_id, pilot_id, entity, rule, failed_rows, evaluated,"
            " validated_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [
                (batch.batch_id, batch.pilot_id, batch.entity, rule, failed, received, now)
                for rule, failed in outcome.items()
            ],
        )
        if in_transaction is not None:
            in_transaction(conn)
    return loaded, quarantined

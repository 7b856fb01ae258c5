"""Load a validated batch into the raw schema with COPY, in one transaction per batch.

Raw is append-only. Each landing of a batch (pilot, record type, data interval) gets its own
`landing_id`; re-running the same batch never deletes: the previous landing's ledger row and
validation results, the record rows of the records the new landing holds again as valid and the
quarantine entries of every record it holds again are marked `superseded_at` the new landing's
time, and the new rows are inserted, so what was known at any time stays queryable (dbt's
`records_known_at`). A record the rerun does not see, or now quarantines, keeps its last valid
version current: records leave the current set only by a newer valid version, never by absence
(a rerun of an incremental REST interval may ask for less than its first run did).

Each record version lands once: a valid record whose hash equals the current version of that
record landed by another batch is counted as `unchanged`, not inserted again (compared
with the non-superseded row from the batch with the latest data interval, then the latest
landing; a quarantine entry later than it makes the record land again, so that a correction
always lands; staging then picks the version the pilot changed last, see records_known_at).
An out-of-order or repeated interval is therefore harmless.

Records are copied into a temporary table first: a record id that appears twice in the batch
(possibly in different chunks of a large batch) goes to the quarantine, not to the landing table.
The ledger row is written last, with the counts: its CHECK constraint refuses the whole
transaction if received != loaded + unchanged + quarantined.

The schema comes from versioned migrations (`python -m osservatorio.land.migrate`, run by
`make setup`); nothing here runs DDL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from osservatorio.errors import BatchRejected
from osservatorio.land.migrate import require_migrated
from osservatorio.land.refusals import (
    describe,
    inert,
    inert_json,
    quarantine_entries,
    record_refusal,
    top_reasons,
)
from osservatorio.manifest import batch_key

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime
    from pathlib import Path

    import psycopg

_CONFLICTING = "the same record id appears more than once with different contents"
_EXACT_COPY = "exact copy of a record earlier in the batch (that one was loaded)"
RECORD_TYPES = ("operations", "participant_enrolments", "result_events", "supported_entities", "expenditures")


@dataclass(frozen=True)
class Batch:
    batch_id: str
    pilot_id: str
    entity: str
    data_interval_start: datetime
    data_interval_end: datetime
    watermark_from: datetime | None = None
    watermark_to: datetime | None = None


def batch_for(pilot_id: str, entity: str, start: datetime, end: datetime) -> Batch:
    """Batch ids are derived from the data interval, so the same interval is the same batch."""
    return Batch(f"{pilot_id}/{entity}/{batch_key(start)}", pilot_id, entity, start, end)


@dataclass(frozen=True)
class LandingCounts:
    """What a landing did with the batch's received records: received = loaded + unchanged + quarantined."""

    loaded: int  # valid records inserted as new versions
    unchanged: int  # valid records equal to their current version elsewhere: not landed again
    quarantined: int  # refused by validation, or duplicate ids in the batch


def watermark_before(
    conn: psycopg.Connection, pilot_id: str, entity: str, start: datetime
) -> datetime | None:
    """Where an interval's incremental extraction starts: the newest change landed by an earlier
    interval (current landings only). A rerun of an interval therefore asks for exactly what its
    first run asked for."""
    require_migrated(conn)
    row = conn.execute(
        "SELECT max(watermark_to) FROM raw.batches WHERE pilot_id = %s AND entity = %s"
        " AND data_interval_start < %s AND superseded_at IS NULL",
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
    max_bad_share: float | None = None,
    describe_batch: str | None = None,
) -> LandingCounts:
    """Land the files' contents as a new landing of the batch, superseding its previous landing.

    `in_transaction` runs inside the same transaction (e.g. the file ledger of a file channel).
    With `max_bad_share` (the pilot's), a batch whose invalid records - quarantined by validation
    or duplicate ids found here - exceed that share is refused: nothing lands, the previous
    landing stays current, the refusal is recorded (land/refusals.py) and BatchRejected raised,
    its message naming `describe_batch` and the top reasons.
    """
    if batch.entity not in RECORD_TYPES:
        raise ValueError(f"unknown record type {batch.entity!r}")
    try:
        return _land(
            conn,
            batch,
            valid_path,
            quarantine_path,
            received,
            in_transaction,
            failures_by_rule,
            max_bad_share,
            describe_batch,
        )
    except _Refused as refused:
        top = top_reasons(refused.entries)
        record_refusal(
            conn, batch, "land", refused.reason, received=received, entries=refused.entries, top=top
        )
        raise BatchRejected(describe(refused.reason, top)) from None


class _Refused(Exception):
    def __init__(self, reason: str, entries: list[dict[str, Any]]) -> None:
        super().__init__(reason)
        self.reason, self.entries = reason, entries


def _duplicate_entries(cur: psycopg.Cursor) -> list[dict[str, Any]]:
    """The batch's duplicate record ids as quarantine entries (for a refusal's records)."""
    rows = cur.execute(
        "SELECT source_location, source_record_id, record_hash, conflicting, record FROM ranked"
        " WHERE conflicting OR copy_no > 1 ORDER BY line"
    ).fetchall()
    return [
        {
            "source": where,
            "record_id": record_id,
            "hash": digest,
            "failed_rules": ["record_id_unique"],
            "reason": _CONFLICTING if conflicting else _EXACT_COPY,
            "payload": record,
        }
        for where, record_id, digest, conflicting, record in rows
    ]


def _land(
    conn: psycopg.Connection,
    batch: Batch,
    valid_path: Path,
    quarantine_path: Path,
    received: int,
    in_transaction: Callable[[psycopg.Connection], None] | None,
    failures_by_rule: dict[str, int] | None,
    max_bad_share: float | None,
    describe_batch: str | None,
) -> LandingCounts:
    table = f"raw.{batch.entity}"
    with conn.transaction(), conn.cursor() as cur:
        require_migrated(conn)
        # Landings of one pilot's record type are serialised: "is this version new?" must see the
        # landing before it (two backfill runs at once would otherwise both land a version).
        lock = f"osservatorio.land:{batch.pilot_id}/{batch.entity}"
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (lock,))
        now, landing_id = cur.execute(
            "SELECT now(), nextval(pg_get_serial_sequence('raw.batches', 'landing_id'))"
        ).fetchone()
        cur.execute(
            "CREATE TEMP TABLE incoming (line bigint, source_location text, source_record_id text,"
            " record_hash text, record_hmac text, record jsonb) ON COMMIT DROP"
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
                        item.get("hmac"),  # a file validated before issue 24 has none
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
        # The bad-row gate counts every reason a record is not loaded: validation's quarantine and
        # the duplicate ids only landing can see (they may sit in different chunks).
        [duplicates] = cur.execute("SELECT count(*) FROM ranked WHERE conflicting OR copy_no > 1").fetchone()
        invalid = duplicates + sum(1 for _ in quarantine_entries(quarantine_path))
        if max_bad_share is not None and invalid / max(received, 1) > max_bad_share:
            refusal = (
                f"{describe_batch or batch.batch_id}: {invalid} of {received} records invalid"
                f" ({invalid / max(received, 1):.0%}; {duplicates} of them duplicate record ids),"
                f" above the pilot's limit of {max_bad_share:.0%}: batch refused, nothing loaded"
            )
            # Raised out of the transaction (nothing of the batch lands), recorded in one of its own.
            raise _Refused(refusal, [*quarantine_entries(quarantine_path), *_duplicate_entries(cur)])
        # The latest thing other batches know of each incoming record, in current-version order
        # (latest data interval, then latest landing; a quarantine entry counts after a record row
        # of the same landing). Equal to a landed version with the same hash: unchanged.
        cur.execute(
            "CREATE TEMP TABLE latest ON COMMIT DROP AS"
            " SELECT DISTINCT ON (source_record_id) source_record_id, record_hash, is_record FROM ("
            "   SELECT source_record_id, record_hash, true AS is_record, data_interval_start,"
            f"     ingested_at AS landed_at FROM {table}"
            "    WHERE pilot_id = %(pilot)s AND superseded_at IS NULL AND batch_id <> %(batch)s"
            "   UNION ALL"
            "   SELECT source_record_id, record_hash, false, data_interval_start, quarantined_at"
            "   FROM raw.quarantine WHERE pilot_id = %(pilot)s AND entity = %(entity)s"
            "    AND superseded_at IS NULL AND batch_id <> %(batch)s AND source_record_id IS NOT NULL"
            " ) known"
            " WHERE source_record_id IN"
            "  (SELECT source_record_id FROM ranked WHERE copy_no = 1 AND NOT conflicting)"
            " ORDER BY source_record_id, data_interval_start DESC, landed_at DESC, is_record",
            {"pilot": batch.pilot_id, "batch": batch.batch_id, "entity": batch.entity},
        )
        cur.execute(
            f"INSERT INTO {table} (landing_id, batch_id, pilot_id, data_interval_start, source_location,"
            " source_record_id, record_hash, record_hmac, ingested_at, record)"
            " SELECT %s, %s, %s, %s, r.source_location, r.source_record_id, r.record_hash, r.record_hmac,"
            " %s, r.record"
            " FROM ranked r LEFT JOIN latest l ON l.source_record_id = r.source_record_id"
            "  AND l.is_record AND l.record_hash = r.record_hash"
            " WHERE r.copy_no = 1 AND NOT r.conflicting AND l.source_record_id IS NULL",
            (landing_id, batch.batch_id, batch.pilot_id, batch.data_interval_start, now),
        )
        loaded = cur.rowcount
        [valid] = cur.execute("SELECT count(*) FROM ranked WHERE copy_no = 1 AND NOT conflicting").fetchone()
        unchanged = valid - loaded
        quarantine_columns = (
            "landing_id, batch_id, pilot_id, entity, data_interval_start, source_location, source_record_id,"
            " record_hash, failed_rules, reason, payload, quarantined_at"
        )
        cur.execute(
            f"INSERT INTO raw.quarantine ({quarantine_columns})"
            " SELECT %s, %s, %s, %s, %s, source_location, source_record_id, record_hash,"
            " ARRAY['record_id_unique'],"
            " CASE WHEN conflicting THEN %s ELSE %s END,"
            " record, %s FROM ranked WHERE conflicting OR copy_no > 1",
            (
                landing_id,
                batch.batch_id,
                batch.pilot_id,
                batch.entity,
                batch.data_interval_start,
                _CONFLICTING,
                _EXACT_COPY,
                now,
            ),
        )
        quarantined = cur.rowcount
        with (
            cur.copy(f"COPY raw.quarantine ({quarantine_columns}) FROM STDIN") as copy,
            quarantine_path.open(encoding="utf-8") as lines,
        ):
            for line in lines:
                item = json.loads(line)
                record_id = None if item["record_id"] is None else str(item["record_id"])
                copy.write_row(
                    (
                        landing_id,
                        batch.batch_id,
                        batch.pilot_id,
                        batch.entity,
                        batch.data_interval_start,
                        item["source"],
                        record_id,
                        item["hash"],
                        item["failed_rules"],
                        inert(item["reason"]),
                        json.dumps(inert_json(item["payload"]), ensure_ascii=False, default=str),
                        now,
                    )
                )
                quarantined += 1
        # A rerun: the batch's previous landing is superseded, never deleted - its ledger row and
        # validation results, the record rows of the records this landing holds again as valid
        # (landed or unchanged) and the quarantine entries of every record it holds again. A
        # record the rerun does not see, or now quarantines, keeps its last valid version
        # current (as a later interval's quarantine would): a record never disappears by
        # absence, and a later batch that counted it `unchanged` can rely on that row. Rows kept
        # from any earlier landing of the batch are matched by batch, not by landing.
        cur.execute(
            "UPDATE raw.batches SET superseded_at = %s WHERE batch_id = %s AND superseded_at IS NULL",
            (now, batch.batch_id),
        )
        [earlier] = cur.execute(  # every earlier landing of the batch (the new one has no row yet)
            "SELECT coalesce(array_agg(landing_id), '{}') FROM raw.batches WHERE batch_id = %s",
            (batch.batch_id,),
        ).fetchone()
        cur.execute(
            f"UPDATE {table} SET superseded_at = %s WHERE landing_id = ANY(%s) AND superseded_at IS NULL"
            " AND source_record_id IN (SELECT source_record_id FROM incoming)",
            (now, earlier),
        )
        cur.execute(
            "UPDATE raw.quarantine SET superseded_at = %s WHERE landing_id = ANY(%s)"
            " AND superseded_at IS NULL AND (source_record_id IS NULL"
            "  OR source_record_id IN (SELECT source_record_id FROM incoming)"
            "  OR source_record_id IN (SELECT source_record_id FROM raw.quarantine WHERE landing_id = %s))",
            (now, earlier, landing_id),
        )
        cur.execute(
            "UPDATE raw.validation_results SET superseded_at = %s WHERE landing_id = ANY(%s)"
            " AND superseded_at IS NULL",
            (now, earlier),
        )
        cur.execute(
            "INSERT INTO raw.batches (landing_id, batch_id, pilot_id, entity, data_interval_start,"
            " data_interval_end, received, loaded, unchanged, quarantined, watermark_from, watermark_to,"
            " landed_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                landing_id,
                batch.batch_id,
                batch.pilot_id,
                batch.entity,
                batch.data_interval_start,
                batch.data_interval_end,
                received,
                loaded,
                unchanged,
                quarantined,
                batch.watermark_from,
                batch.watermark_to,
                now,
            ),
        )
        # One row per rule that refused rows, plus "all_rules" with the batch's totals.
        outcome = {"all_rules": quarantined} | (failures_by_rule or {})
        cur.executemany(
            "INSERT INTO raw.validation_results (landing_id, batch_id, pilot_id, entity, rule, failed_rows,"
            " evaluated, validated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (landing_id, batch.batch_id, batch.pilot_id, batch.entity, rule, failed, received, now)
                for rule, failed in outcome.items()
            ],
        )
        if in_transaction is not None:
            in_transaction(conn)
    return LandingCounts(loaded=loaded, unchanged=unchanged, quarantined=quarantined)

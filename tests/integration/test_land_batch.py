"""Landing with COPY: a batch replaces itself on rerun, and the ledger always adds up."""

import json
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from osservatorio.land.warehouse import batch_for, land_batch
from tests.conftest import TestEnv

pytestmark = pytest.mark.integration
START = datetime(2030, 1, 1, tzinfo=UTC)


def write(path: Path, items: list[dict]) -> Path:
    path.write_text("".join(json.dumps(i) + "\n" for i in items))
    return path


def valid_items(n: int) -> list[dict]:
    return [
        {"source": "p1", "record_id": f"R{i}", "hash": f"h{i}", "record": {"operation_id": "OP", "i": i}}
        for i in range(n)
    ]


def counts(conn: psycopg.Connection, batch_id: str) -> tuple[int, int, tuple]:
    rows = conn.execute("SELECT count(*) FROM raw.participant_enrolments WHERE batch_id = %s", (batch_id,))
    quarantined = conn.execute("SELECT count(*) FROM raw.quarantine WHERE batch_id = %s", (batch_id,))
    ledger = conn.execute(
        "SELECT received, loaded, quarantined FROM raw.batches WHERE batch_id = %s", (batch_id,)
    ).fetchone()
    return rows.fetchone()[0], quarantined.fetchone()[0], ledger


def test_rerun_of_a_batch_replaces_it(test_env: TestEnv, tmp_path: Path) -> None:
    batch = batch_for("land_test", "participant_enrolments", START, START)
    bad = [
        {
            "source": "p2",
            "record_id": "X",
            "hash": "hx",
            "failed_rules": ["gender_present"],
            "reason": "gender missing",
            "payload": {"gender": None},
        }
    ]
    with psycopg.connect(test_env.warehouse_uri) as conn:
        land_batch(
            conn, batch, write(tmp_path / "v.jsonl", valid_items(5)), write(tmp_path / "q.jsonl", bad), 6
        )
        land_batch(
            conn, batch, write(tmp_path / "v.jsonl", valid_items(5)), write(tmp_path / "q.jsonl", bad), 6
        )
        assert counts(conn, batch.batch_id) == (5, 1, (6, 5, 1))
        # The pilot resent fewer records for the same interval: the batch shrinks, never appends.
        land_batch(
            conn, batch, write(tmp_path / "v.jsonl", valid_items(3)), write(tmp_path / "q.jsonl", []), 3
        )
        assert counts(conn, batch.batch_id) == (3, 0, (3, 3, 0))


def test_ledger_refuses_a_batch_that_does_not_add_up(test_env: TestEnv, tmp_path: Path) -> None:
    batch = batch_for("land_test_lost", "participant_enrolments", START, START)
    with psycopg.connect(test_env.warehouse_uri) as conn:
        with pytest.raises(psycopg.errors.CheckViolation, match="received_is_loaded_plus_quarantined"):
            land_batch(
                conn,
                batch,
                write(tmp_path / "v.jsonl", valid_items(4)),
                write(tmp_path / "q.jsonl", []),
                received=5,
            )
        conn.rollback()
        assert counts(conn, batch.batch_id) == (0, 0, None)  # nothing of the batch was kept


def test_duplicate_ids_identical_copies_land_once_conflicting_copies_not_at_all(
    test_env: TestEnv, tmp_path: Path
) -> None:
    batch = batch_for("land_test_dups", "participant_enrolments", START, START)
    items = valid_items(4)
    items.append(dict(items[1]))  # an exact copy of R1
    items.append(items[2] | {"hash": "different", "record": {"i": 99}})  # R2 again, other content
    with psycopg.connect(test_env.warehouse_uri) as conn:
        loaded, quarantined = land_batch(
            conn, batch, write(tmp_path / "v.jsonl", items), write(tmp_path / "q.jsonl", []), 6
        )
        ids = {
            r[0]
            for r in conn.execute(
                "SELECT source_record_id FROM raw.participant_enrolments WHERE batch_id = %s",
                (batch.batch_id,),
            )
        }
        reasons = sorted(
            r[0]
            for r in conn.execute("SELECT reason FROM raw.quarantine WHERE batch_id = %s", (batch.batch_id,))
        )
    assert (loaded, quarantined) == (3, 3)
    assert ids == {"R0", "R1", "R3"}
    assert reasons[0].startswith("exact copy")
    assert reasons[1].startswith("the same record id")


def test_a_corrected_resend_resolves_the_quarantine_entry(test_env: TestEnv, tmp_path: Path) -> None:
    day1 = batch_for("land_test_fix", "participant_enrolments", START, START)
    day2 = batch_for("land_test_fix", "participant_enrolments", START.replace(day=2), START.replace(day=2))
    bad = [
        {
            "source": "p1",
            "record_id": "R7",
            "hash": "h7",
            "failed_rules": ["gender_present"],
            "reason": "gender missing",
            "payload": {"gender": None},
        }
    ]
    with psycopg.connect(test_env.warehouse_uri) as conn:
        land_batch(
            conn, day1, write(tmp_path / "v.jsonl", valid_items(2)), write(tmp_path / "q.jsonl", bad), 3
        )
        fixed = [{"source": "p1", "record_id": "R7", "hash": "h7b", "record": {"gender": "F"}}]
        land_batch(conn, day2, write(tmp_path / "v.jsonl", fixed), write(tmp_path / "q.jsonl", []), 1)
        [(status, resolved_by)] = conn.execute(
            "SELECT status, resolved_by_batch FROM raw.quarantine WHERE batch_id = %s", (day1.batch_id,)
        ).fetchall()
    assert (status, resolved_by) == ("resolved", day2.batch_id)

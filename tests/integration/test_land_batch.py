"""Landing with COPY: a rerun supersedes the batch's landing, and the ledger always adds up."""

import json
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from osservatorio.land.warehouse import LandingCounts, batch_for, land_batch
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
    """The batch's current landing: records, quarantine entries, ledger row."""
    current = "WHERE batch_id = %s AND superseded_at IS NULL"
    rows = conn.execute(f"SELECT count(*) FROM raw.participant_enrolments {current}", (batch_id,))
    quarantined = conn.execute(f"SELECT count(*) FROM raw.quarantine {current}", (batch_id,))
    ledger = conn.execute(
        f"SELECT received, loaded, unchanged, quarantined FROM raw.batches {current}", (batch_id,)
    ).fetchone()
    return rows.fetchone()[0], quarantined.fetchone()[0], ledger


def test_rerun_of_a_batch_supersedes_it(test_env: TestEnv, tmp_path: Path) -> None:
    batch = batch_for("land_test", "participant_enrolments", START, START)
    bad = [
        {
            "source": "p2",
            "record_id": "X",
            "hash": "hx",
            "failed_rules": ["gender_domain"],
            "reason": "gender not one of F, M, non-binary (sesso='Q')",
            "payload": {"gender": "Q"},
        }
    ]
    with psycopg.connect(test_env.warehouse_uri) as conn:
        land_batch(
            conn, batch, write(tmp_path / "v.jsonl", valid_items(5)), write(tmp_path / "q.jsonl", bad), 6
        )
        land_batch(
            conn, batch, write(tmp_path / "v.jsonl", valid_items(5)), write(tmp_path / "q.jsonl", bad), 6
        )
        # A rerun compares against other batches only: it lands its records again, as a new landing.
        assert counts(conn, batch.batch_id) == (5, 1, (6, 5, 0, 1))
        # The pilot resent fewer records for the same interval: the three it resent are replaced,
        # the two (and the quarantined one) it did not resend keep their versions current - a
        # record never disappears by absence (issue 16: a REST backfill lost records this way).
        again = land_batch(
            conn, batch, write(tmp_path / "v.jsonl", valid_items(3)), write(tmp_path / "q.jsonl", []), 3
        )
        assert again == LandingCounts(loaded=3, unchanged=0, quarantined=0)
        assert counts(conn, batch.batch_id) == (5, 1, (3, 3, 0, 0))
        [(kept,)] = conn.execute(
            "SELECT array_agg(DISTINCT landing_id) FROM raw.participant_enrolments WHERE batch_id = %s"
            " AND superseded_at IS NULL AND source_record_id IN ('R3', 'R4')",
            (batch.batch_id,),
        ).fetchall()
        assert len(kept) == 1  # from the second landing, not copied into the third
        # ... and nothing was deleted: three landings, the first two superseded.
        [(landings, superseded, all_rows)] = conn.execute(
            "SELECT count(*), count(superseded_at),"
            " (SELECT count(*) FROM raw.participant_enrolments WHERE batch_id = %s)"
            " FROM raw.batches WHERE batch_id = %s",
            (batch.batch_id, batch.batch_id),
        ).fetchall()
        assert (landings, superseded, all_rows) == (3, 2, 5 + 5 + 3)


def test_ledger_refuses_a_batch_that_does_not_add_up(test_env: TestEnv, tmp_path: Path) -> None:
    batch = batch_for("land_test_lost", "participant_enrolments", START, START)
    with psycopg.connect(test_env.warehouse_uri) as conn:
        with pytest.raises(
            psycopg.errors.CheckViolation, match="received_is_loaded_plus_unchanged_plus_quarantined"
        ):
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
        landed = land_batch(
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
    assert landed == LandingCounts(loaded=3, unchanged=0, quarantined=3)
    assert ids == {"R0", "R1", "R3"}
    assert reasons[0].startswith("exact copy")
    assert reasons[1].startswith("the same record id")


def test_a_version_already_current_elsewhere_is_counted_unchanged(test_env: TestEnv, tmp_path: Path) -> None:
    day1 = batch_for("land_test_same", "participant_enrolments", START, START)
    day2 = batch_for("land_test_same", "participant_enrolments", START.replace(day=2), START.replace(day=2))
    items = valid_items(5)
    with psycopg.connect(test_env.warehouse_uri) as conn:
        first = land_batch(conn, day1, write(tmp_path / "v.jsonl", items), write(tmp_path / "q.jsonl", []), 5)
        items[1] = items[1] | {"hash": "h1-changed", "record": {"operation_id": "OP", "i": 100}}
        second = land_batch(
            conn, day2, write(tmp_path / "v.jsonl", items), write(tmp_path / "q.jsonl", []), 5
        )
        assert counts(conn, day2.batch_id) == (1, 0, (5, 1, 4, 0))
    assert first == LandingCounts(loaded=5, unchanged=0, quarantined=0)
    assert second == LandingCounts(loaded=1, unchanged=4, quarantined=0)


def test_a_corrected_resend_lands_even_if_equal_to_an_older_version(
    test_env: TestEnv, tmp_path: Path
) -> None:
    # R1 valid on day 1, quarantined on day 2, resent as on day 1 on day 3: the correction lands
    # (the latest thing known of R1 was the quarantine entry), so that it resolves the entry.
    days = [
        batch_for("land_test_fix", "participant_enrolments", START.replace(day=d), START.replace(day=d))
        for d in (1, 2, 3)
    ]
    bad = [
        {
            "source": "p1",
            "record_id": "R1",
            "hash": "h1-bad",
            "failed_rules": ["gender_domain"],
            "reason": "gender not one of F, M, non-binary (sesso='Q')",
            "payload": {"gender": "Q"},
        }
    ]
    empty = write(tmp_path / "empty.jsonl", [])
    with psycopg.connect(test_env.warehouse_uri) as conn:
        land_batch(conn, days[0], write(tmp_path / "v1.jsonl", valid_items(2)), empty, 2)
        land_batch(conn, days[1], empty, write(tmp_path / "q.jsonl", bad), 1)
        fixed = land_batch(conn, days[2], write(tmp_path / "v3.jsonl", valid_items(2)), empty, 2)
        # R0 was unchanged; R1 lands again.
        assert fixed == LandingCounts(loaded=1, unchanged=1, quarantined=0)
        assert conn.execute(
            "SELECT source_record_id FROM raw.participant_enrolments WHERE batch_id = %s", (days[2].batch_id,)
        ).fetchall() == [("R1",)]
        # The quarantine entry stays as it was: its resolution is derived in dbt.
        [(entries,)] = conn.execute(
            "SELECT count(*) FROM raw.quarantine WHERE batch_id = %s AND superseded_at IS NULL",
            (days[1].batch_id,),
        ).fetchall()
        assert entries == 1


def test_a_record_leaves_the_current_set_only_by_a_newer_valid_version(
    test_env: TestEnv, tmp_path: Path
) -> None:
    """Three landings of one batch: a record absent from the second and back in the third has
    one current row (the third's); a record the third quarantines keeps its valid version."""
    batch = batch_for("land_test_absent", "participant_enrolments", START, START)
    invalid_r1 = [
        {
            "source": "p9",
            "record_id": "R1",
            "hash": "bad",
            "failed_rules": ["gender_domain"],
            "reason": "gender not one of F, M, non-binary (sesso='Q')",
            "payload": {},
        }
    ]

    def current(conn: psycopg.Connection) -> dict[str, list[int]]:
        rows = conn.execute(
            "SELECT source_record_id, array_agg(landing_id ORDER BY landing_id)"
            " FROM raw.participant_enrolments WHERE batch_id = %s AND superseded_at IS NULL GROUP BY 1",
            (batch.batch_id,),
        ).fetchall()
        return dict(rows)

    # autocommit: each landing is its own transaction, as in the load task
    with psycopg.connect(test_env.warehouse_uri, autocommit=True) as conn:
        empty = write(tmp_path / "q.jsonl", [])
        land_batch(conn, batch, write(tmp_path / "v1.jsonl", valid_items(3)), empty, 3)  # R0 R1 R2
        first = current(conn)
        land_batch(conn, batch, write(tmp_path / "v2.jsonl", valid_items(1)), empty, 1)  # R0 only
        second = current(conn)
        assert second["R1"] == first["R1"]
        assert second["R2"] == first["R2"]  # kept by absence
        # R2 is back, R1 now fails validation.
        back = [i for i in valid_items(3) if i["record_id"] != "R1"]
        land_batch(
            conn, batch, write(tmp_path / "v3.jsonl", back), write(tmp_path / "q3.jsonl", invalid_r1), 3
        )
        third = current(conn)
        assert len(third["R2"]) == 1, "two current rows of one record in one batch"
        assert third["R2"] != first["R2"]
        assert third["R1"] == first["R1"], "a quarantined resend must not remove the valid version"
        [(open_entries,)] = conn.execute(
            "SELECT count(*) FROM raw.quarantine WHERE batch_id = %s AND superseded_at IS NULL",
            (batch.batch_id,),
        ).fetchall()
        assert open_entries == 1

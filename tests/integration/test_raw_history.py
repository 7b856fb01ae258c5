"""Append-only raw with history, on the real PostgreSQL (and real dbt for the as-of views):
reruns supersede and never delete, each record version lands once, quarantine resolution is
derived, `known_at` answers "what did we know at T", and the migration runner is strict."""

from __future__ import annotations

import json
import shutil
import sys
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import psycopg
import pytest

from osservatorio.envelope import NEW, DroppedFile
from osservatorio.land.file_ledger import record_landed_files
from osservatorio.land.migrate import (
    MIGRATIONS_DIR,
    MigrationError,
    SchemaNotMigrated,
    migrate,
    migrations,
    require_migrated,
)
from osservatorio.land.warehouse import LandingCounts, batch_for, land_batch
from tests.conftest import dbt_target

if TYPE_CHECKING:
    from pathlib import Path

    from tests.conftest import TestEnv

pytestmark = pytest.mark.integration
ENTITY = "operations"


def day(month: int, d: int) -> datetime:
    return datetime(2031, month, d, tzinfo=UTC)


def write(path: Path, items: list[dict]) -> Path:
    path.write_text("".join(json.dumps(i) + "\n" for i in items))
    return path


def valid(record_id: str, title: str) -> dict:
    return {
        "source": f"page {record_id}",
        "record_id": record_id,
        "hash": f"h-{title}",
        "record": {"title": title},
    }


def bad(record_id: str | None, source: str = "page 9") -> dict:
    return {
        "source": source,
        "record_id": record_id,
        "hash": f"bad-{record_id}",
        "failed_rules": ["action_known"],
        "reason": "unknown action",
        "payload": {"action": "9.9"},
    }


def land(
    conn: psycopg.Connection, tmp_path: Path, pilot: str, start: datetime, good: list, refused: list, **kw
) -> LandingCounts:
    batch = batch_for(pilot, ENTITY, start, start)
    return land_batch(
        conn,
        batch,
        write(tmp_path / "valid.jsonl", good),
        write(tmp_path / "quarantine.jsonl", refused),
        len(good) + len(refused),
        **kw,
    )


# ------------------------------------------------------------------ append-only reruns
def test_a_rerun_supersedes_every_row_of_the_batch_with_its_time(test_env: TestEnv, tmp_path: Path) -> None:
    pilot = "hist_rerun"
    batch_id = batch_for(pilot, ENTITY, day(1, 1), day(1, 1)).batch_id
    file = DroppedFile("ops.csv", "a" * 64, 2, NEW, "utf-8", ";")

    def ledger(conn: psycopg.Connection) -> None:
        record_landed_files(conn, batch_id, pilot, ENTITY, [file])

    with psycopg.connect(test_env.warehouse_uri) as conn:
        for _ in range(2):
            counts = land(
                conn, tmp_path, pilot, day(1, 1), [valid("OP1", "a"), valid("OP2", "b")], [bad("OP3")],
                in_transaction=ledger, failures_by_rule={"action_known": 1},
            )  # fmt: skip
            assert counts == LandingCounts(loaded=2, unchanged=0, quarantined=1)
        landings = conn.execute(
            "SELECT landing_id, landed_at, superseded_at FROM raw.batches WHERE batch_id = %s"
            " ORDER BY landing_id",
            (batch_id,),
        ).fetchall()
        [(first, first_at, superseded), (second, second_at, still_current)] = landings
        assert first != second
        assert superseded == second_at > first_at
        assert still_current is None
        for table, column in (
            ("raw.operations", "landing_id"),
            ("raw.quarantine", "landing_id"),
            ("raw.validation_results", "landing_id"),
        ):
            rows = conn.execute(
                f"SELECT {column}, superseded_at FROM {table} WHERE batch_id = %s", (batch_id,)
            ).fetchall()
            assert {r for r in rows if r[0] == first} == {(first, second_at)}, table
            assert {r for r in rows if r[0] == second} == {(second, None)}, table
            assert len(rows) % 2 == 0, table  # the same rows twice, one set per landing
        files = conn.execute(
            "SELECT superseded_at FROM raw.files WHERE batch_id = %s ORDER BY file_id", (batch_id,)
        ).fetchall()
        assert files == [(second_at,), (None,)]
        [(all_records,)] = conn.execute(
            "SELECT count(*) FROM raw.operations WHERE batch_id = %s", (batch_id,)
        ).fetchall()
        assert all_records == 4  # two landings of two records: nothing deleted


def test_an_out_of_order_interval_lands_nothing_already_current(test_env: TestEnv, tmp_path: Path) -> None:
    pilot = "hist_order"
    records = [valid(f"OP{i}", f"t{i}") for i in range(5)]
    with psycopg.connect(test_env.warehouse_uri) as conn:
        # 1 December first, then the full re-extraction of 20 November: nothing new.
        assert land(conn, tmp_path, pilot, day(12, 1), records, []) == LandingCounts(5, 0, 0)
        assert land(conn, tmp_path, pilot, day(11, 20), records, [bad("OP9")]) == LandingCounts(0, 5, 1)
        ledger = conn.execute(
            "SELECT received, loaded, unchanged, quarantined FROM raw.batches WHERE pilot_id = %s"
            " AND superseded_at IS NULL ORDER BY data_interval_start",
            (pilot,),
        ).fetchall()
        assert ledger == [(6, 0, 5, 1), (5, 5, 0, 0)]
        # A repeated interval is harmless too.
        assert land(conn, tmp_path, pilot, day(12, 2), records, []) == LandingCounts(0, 5, 0)
        [(rows,)] = conn.execute(
            "SELECT count(*) FROM raw.operations WHERE pilot_id = %s", (pilot,)
        ).fetchall()
        assert rows == 5


# ------------------------------------------------------------------ dbt: as of, resolution
def dbt_run(test_env: TestEnv, known_at: datetime | None = None) -> None:
    args = ["dbt", "run", "--project-dir", "dbt_project", "--target-path", dbt_target("target-test-history")]
    args += ["--select", "+quarantine_open", "stg_landing__operations"]
    if known_at is not None:
        args += ["--vars", json.dumps({"known_at": known_at.isoformat()})]
    test_env.run(*args)


def test_known_at_and_quarantine_resolution_through_dbt(test_env: TestEnv, tmp_path: Path) -> None:
    pilot = "hist_dbt"
    with psycopg.connect(test_env.warehouse_uri) as conn:
        # 10 Oct: OP1 v1 lands, OP2 and OP3 quarantined, and a row without an id.
        land(conn, tmp_path, pilot, day(10, 10), [valid("OP1", "v1")], [bad("OP2"), bad("OP3"), bad(None)])
        # 20 Oct: OP1 v2, OP2 corrected; OP3 still wrong.
        land(conn, tmp_path, pilot, day(10, 20), [valid("OP1", "v2"), valid("OP2", "fixed")], [bad("OP3")])
        # A late rerun of 10 October (same old data): must neither win over 20 October nor reopen OP2.
        rerun = land(
            conn, tmp_path, pilot, day(10, 10), [valid("OP1", "v1")], [bad("OP2"), bad("OP3"), bad(None)]
        )
        assert rerun == LandingCounts(loaded=1, unchanged=0, quarantined=3)  # v1 is not the current version
        times = [
            r[0]
            for r in conn.execute(
                "SELECT landed_at FROM raw.batches WHERE pilot_id = %s ORDER BY landing_id", (pilot,)
            )
        ]
    first, second, third = times
    between_1_2, between_2_3 = first + (second - first) / 2, second + (third - second) / 2

    def state() -> tuple[dict, list]:
        with psycopg.connect(test_env.warehouse_uri) as conn:
            titles = dict(
                conn.execute(
                    "SELECT operation_id, operation_title FROM staging.stg_landing__operations"
                    " WHERE pilot_id = %s",
                    (pilot,),
                ).fetchall()
            )
            open_ = conn.execute(
                "SELECT quarantine_key, batch_id FROM marts.quarantine_open WHERE pilot_id = %s ORDER BY 1",
                (pilot,),
            ).fetchall()
        return titles, open_

    oct10 = batch_for(pilot, ENTITY, day(10, 10), day(10, 10)).batch_id
    oct20 = batch_for(pilot, ENTITY, day(10, 20), day(10, 20)).batch_id
    no_id = f"location:{oct10}:page 9"

    dbt_run(test_env, known_at=between_1_2)  # known after the first landing only
    assert state() == ({"OP1": "v1"}, [(no_id, oct10), ("record:OP2", oct10), ("record:OP3", oct10)])

    dbt_run(test_env, known_at=between_2_3)  # after 20 October landed, before the rerun
    assert state() == ({"OP1": "v2", "OP2": "fixed"}, [(no_id, oct10), ("record:OP3", oct20)])

    dbt_run(test_env)  # now: the rerun of 10 October changed nothing that 20 October decided
    titles, open_ = state()
    assert titles == {"OP1": "v2", "OP2": "fixed"}
    # OP3: one row although two current batches quarantine it; OP2 stays resolved.
    assert open_ == [(no_id, oct10), ("record:OP3", oct20)]
    with psycopg.connect(test_env.warehouse_uri) as conn:
        [(status, resolved_by)] = conn.execute(
            "SELECT status, resolved_by_batch FROM intermediate.int_quarantine__status"
            " WHERE pilot_id = %s AND source_record_id = 'OP2'",
            (pilot,),
        ).fetchall()
    assert (status, resolved_by) == ("resolved", oct20)


def test_a_rerun_that_fetches_a_newer_change_makes_it_current(test_env: TestEnv, tmp_path: Path) -> None:
    """A source is read as it is now: rerunning an old interval can fetch a version the pilot
    changed after a later interval landed its own. The pilot's change time decides."""
    pilot = "hist_newer"

    def changed(title: str, at: str) -> dict:
        item = valid("OP1", title)
        item["record"]["source_updated_at"] = at
        return item

    with psycopg.connect(test_env.warehouse_uri) as conn:
        land(conn, tmp_path, pilot, day(11, 1), [changed("v1", "2031-11-01T09:00:00+00:00")], [])
        land(conn, tmp_path, pilot, day(11, 2), [changed("v2", "2031-11-02T09:00:00+00:00")], [])
        # The rerun of 1 November reads the pilot's system after its 3 November change.
        rerun = land(conn, tmp_path, pilot, day(11, 1), [changed("v3", "2031-11-03T09:00:00+00:00")], [])
        assert rerun == LandingCounts(loaded=1, unchanged=0, quarantined=0)
    dbt_run(test_env)
    with psycopg.connect(test_env.warehouse_uri) as conn:
        titles = conn.execute(
            "SELECT operation_title FROM staging.stg_landing__operations WHERE pilot_id = %s", (pilot,)
        ).fetchall()
    assert titles == [("v3",)]


# ------------------------------------------------------------------ migrations
def test_migrations_are_idempotent_and_strict(test_env: TestEnv, tmp_path: Path) -> None:
    uri = test_env.warehouse_uri
    assert migrate(uri) == []  # the fixture applied them all
    result = test_env.run(sys.executable, "-m", "osservatorio.land.migrate")
    assert "up to date" in result.stdout
    with psycopg.connect(uri) as conn:
        recorded = conn.execute(
            "SELECT version, name, checksum FROM raw.schema_migrations ORDER BY 1"
        ).fetchall()
        require_migrated(conn)
    assert recorded == [(m.version, m.name, m.checksum) for m in migrations()]

    # A changed applied migration is refused, and nothing is applied.
    changed = tmp_path / "changed"
    shutil.copytree(MIGRATIONS_DIR, changed)
    (changed / "9001_probe.sql").write_text("CREATE TABLE raw.migration_probe (x integer);\n")
    with (changed / "0002_append_only_history.sql").open("a") as handle:
        handle.write("-- an edit after the fact\n")
    with pytest.raises(MigrationError, match=r"0002_append_only_history\.sql"):
        migrate(uri, changed)
    with psycopg.connect(uri) as conn:
        assert conn.execute("SELECT to_regclass('raw.migration_probe')").fetchone()[0] is None
        with pytest.raises(SchemaNotMigrated, match=r"9001_probe\.sql.*make setup"):
            require_migrated(conn, changed)

    # A new migration: applied once even by two runners at the same time.
    added = tmp_path / "added"
    shutil.copytree(MIGRATIONS_DIR, added)
    shutil.copy(changed / "9001_probe.sql", added)
    results: list[list[str]] = []
    runners = [threading.Thread(target=lambda: results.append(migrate(uri, added))) for _ in range(2)]
    try:
        for runner in runners:
            runner.start()
        for runner in runners:
            runner.join()
        assert sorted(results) == [[], ["9001_probe.sql"]]
        assert migrate(uri, added) == []
    finally:
        with psycopg.connect(uri) as conn:
            conn.execute("DROP TABLE IF EXISTS raw.migration_probe")
            conn.execute("DELETE FROM raw.schema_migrations WHERE version = 9001")


def test_landing_on_an_unmigrated_warehouse_says_what_to_run(tmp_path: Path) -> None:
    class NoSchema:  # a connection to a database where raw.schema_migrations does not exist
        def execute(self, *args: object) -> NoSchema:
            return self

        def fetchone(self) -> tuple:
            return (None,)

    with pytest.raises(SchemaNotMigrated, match=r"raw schema is missing.*make setup"):
        require_migrated(NoSchema())  # type: ignore[arg-type]

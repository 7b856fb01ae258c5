"""File drops end to end on real files and the real PostgreSQL: checksum ledger, archive, reruns."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import psycopg
import pytest

from osservatorio.channels import channel_for
from osservatorio.extract.file_drop import ALREADY_LANDED, NEW, extract_files, sha256_of
from osservatorio.land.file_ledger import (
    archive_dir,
    archive_files,
    landed_checksums,
    mark_archived,
    record_landed_files,
)
from tests.unit.test_file_readers import HEADER, ROWS, file_pilot, write_csv

if TYPE_CHECKING:
    from pathlib import Path

    from tests.conftest import TestEnv

pytestmark = pytest.mark.integration
ENTITY = "expenditures"


@pytest.fixture
def conn(test_env: TestEnv) -> psycopg.Connection:
    with psycopg.connect(test_env.warehouse_uri) as connection:
        yield connection  # raw.files exists: the test warehouse is migrated (conftest)


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    (tmp_path / "inbox").mkdir()
    return tmp_path / "inbox"


def ledger(conn: psycopg.Connection, pilot_id: str) -> list[tuple]:
    return conn.execute(
        "SELECT file_name, batch_id, records, encoding, delimiter, status, archived_to IS NOT NULL"
        " FROM raw.files WHERE pilot_id = %s AND superseded_at IS NULL ORDER BY file_name",
        (pilot_id,),
    ).fetchall()


def test_files_land_once_then_are_archived_and_a_renamed_copy_is_skipped(
    conn: psycopg.Connection, tmp_path: Path, inbox: Path
) -> None:
    pilot_id, batch_id = "file_flow", "file_flow/expenditures/20300101T000000"
    pilot, source = file_pilot("csv_drop", "spese_*.csv")
    write_csv(inbox / "spese_a.csv", ROWS, encoding="cp1252")
    write_csv(
        inbox / "spese_b.csv", [HEADER, ["S9", "P", "", "", "", ""]], encoding="utf-8-sig", delimiter=","
    )

    result = extract_files(
        pilot,
        source,
        inbox,
        tmp_path / "out.jsonl",
        landed_checksums(conn, pilot_id, ENTITY),
        channel_for(pilot).read_file,
    )
    assert result.received == 3
    with conn.transaction():  # the batch's landing transaction (land_batch's COPY would go here)
        assert record_landed_files(conn, batch_id, pilot_id, ENTITY, result.files) == 2
    assert ledger(conn, pilot_id) == [
        ("spese_a.csv", batch_id, 2, "cp1252", ";", "landed", False),
        ("spese_b.csv", batch_id, 1, "utf-8-sig", ",", "landed", False),
    ]

    moved = archive_files(inbox, result.files, "20300101T000000")
    assert moved == [tmp_path / "archive" / "20300101T000000" / n for n in ("spese_a.csv", "spese_b.csv")]
    assert not list(inbox.iterdir())
    assert mark_archived(conn, pilot_id, ENTITY, moved) == 2
    assert {row[5:] for row in ledger(conn, pilot_id)} == {("archived", True)}
    stored = conn.execute(
        "SELECT archived_to FROM raw.files WHERE pilot_id = %s AND file_name = 'spese_a.csv'", (pilot_id,)
    ).fetchone()[0]
    assert stored == str(moved[0])

    # The pilot drops the same content again under another name: skipped, archived, ledger unchanged.
    (inbox / "spese_a_reinvio.csv").write_bytes(moved[0].read_bytes())
    again = extract_files(
        pilot,
        source,
        inbox,
        tmp_path / "out2.jsonl",
        landed_checksums(conn, pilot_id, ENTITY),
        channel_for(pilot).read_file,
    )
    assert [(f.name, f.status, f.records) for f in again.files] == [
        ("spese_a_reinvio.csv", ALREADY_LANDED, 0)
    ]
    assert again.received == 0
    with conn.transaction():
        assert (
            record_landed_files(conn, "file_flow/expenditures/20300102T000000", pilot_id, ENTITY, again.files)
            == 0
        )
    later = archive_files(inbox, again.files, "20300102T000000")
    assert mark_archived(conn, pilot_id, ENTITY, later) == 0  # the first archived copy stays the reference
    assert conn.execute(
        "SELECT archived_to FROM raw.files WHERE pilot_id = %s AND file_name = 'spese_a.csv'", (pilot_id,)
    ).fetchone()[0] == str(moved[0])


def test_rerun_of_a_batch_replaces_its_ledger_rows_and_rereads_its_files(
    conn: psycopg.Connection, tmp_path: Path, inbox: Path
) -> None:
    pilot_id, batch_id = "file_rerun", "file_rerun/expenditures/20300101T000000"
    pilot, source = file_pilot("csv_drop", "*.csv")
    write_csv(inbox / "spese.csv", ROWS)
    first = extract_files(
        pilot,
        source,
        inbox,
        tmp_path / "out.jsonl",
        landed_checksums(conn, pilot_id, ENTITY),
        channel_for(pilot).read_file,
    )
    with conn.transaction():
        record_landed_files(conn, batch_id, pilot_id, ENTITY, first.files)

    # Crash before archiving, then the same interval is rerun: its own file must be read again.
    assert landed_checksums(conn, pilot_id, ENTITY) == {first.files[0].sha256}
    checksums = landed_checksums(conn, pilot_id, ENTITY, excluding_batch=batch_id)
    assert checksums == set()
    write_csv(inbox / "spese_2.csv", [HEADER, ["S3", "P", "", "", "", ""]])
    rerun = extract_files(
        pilot, source, inbox, tmp_path / "out.jsonl", checksums, channel_for(pilot).read_file
    )
    assert [f.status for f in rerun.files] == [NEW, NEW]
    with conn.transaction():
        record_landed_files(conn, batch_id, pilot_id, ENTITY, rerun.files)
    assert [row[:3] for row in ledger(conn, pilot_id)] == [
        ("spese.csv", batch_id, 2),
        ("spese_2.csv", batch_id, 1),
    ]


def test_ledger_rows_roll_back_with_the_landing_transaction(
    conn: psycopg.Connection, tmp_path: Path, inbox: Path
) -> None:
    pilot_id = "file_rollback"
    pilot, source = file_pilot("csv_drop", "*.csv")
    write_csv(inbox / "spese.csv", ROWS)
    result = extract_files(pilot, source, inbox, tmp_path / "out.jsonl", set(), channel_for(pilot).read_file)

    def land_then_fail() -> None:  # the COPY of the batch fails after the ledger rows were written
        with conn.transaction():
            record_landed_files(conn, "file_rollback/expenditures/x", pilot_id, ENTITY, result.files)
            raise RuntimeError("landing failed")

    with pytest.raises(RuntimeError, match="landing failed"):
        land_then_fail()
    assert ledger(conn, pilot_id) == []
    assert landed_checksums(conn, pilot_id, ENTITY) == set()


def test_the_same_content_cannot_land_in_two_batches(
    conn: psycopg.Connection, tmp_path: Path, inbox: Path
) -> None:
    pilot_id = "file_twice"
    pilot, source = file_pilot("csv_drop", "*.csv")
    write_csv(inbox / "spese.csv", ROWS)
    result = extract_files(pilot, source, inbox, tmp_path / "out.jsonl", set(), channel_for(pilot).read_file)
    with conn.transaction():
        record_landed_files(conn, "file_twice/expenditures/a", pilot_id, ENTITY, result.files)
    # A concurrent run extracted the same file before the first one committed.
    with pytest.raises(psycopg.errors.UniqueViolation), conn.transaction():
        record_landed_files(conn, "file_twice/expenditures/b", pilot_id, ENTITY, result.files)
    assert [row[1] for row in ledger(conn, pilot_id)] == ["file_twice/expenditures/a"]


def test_archive_never_overwrites_and_can_be_rerun(
    tmp_path: Path, inbox: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pilot, source = file_pilot("csv_drop", "*.csv")
    write_csv(inbox / "spese.csv", ROWS)
    write_csv(inbox / "spese_cambiato.csv", ROWS[:2])
    result = extract_files(pilot, source, inbox, tmp_path / "out.jsonl", set(), channel_for(pilot).read_file)
    folder = archive_dir(inbox, "20300101T000000")
    folder.mkdir(parents=True)
    (folder / "spese.csv").write_text("an older file with the same name")
    # The pilot replaced this file after extraction: it is not the content that landed.
    write_csv(inbox / "spese_cambiato.csv", ROWS)

    with caplog.at_level(logging.WARNING):
        moved = archive_files(inbox, result.files, "20300101T000000")
    assert moved == [folder / "spese~2.csv"]
    assert (folder / "spese.csv").read_text() == "an older file with the same name"
    assert sha256_of(folder / "spese~2.csv") == result.files[0].sha256
    assert (inbox / "spese_cambiato.csv").exists()
    assert "changed since it was extracted" in caplog.text

    # Rerun after a crash between archiving and mark_archived: found in the archive, nothing moves.
    (inbox / "spese_cambiato.csv").unlink()
    with caplog.at_level(logging.WARNING):
        assert archive_files(inbox, result.files, "20300101T000000") == [folder / "spese~2.csv"]
    assert "spese_cambiato.csv is neither in the inbox nor in" in caplog.text
    assert sorted(p.name for p in folder.iterdir()) == ["spese.csv", "spese~2.csv"]
    # A rerun that re-extracted from the archive folder itself leaves the files where they are.
    assert archive_files(folder, result.files[:1], "20300101T000000") == [folder / "spese~2.csv"]


def test_batch_key_cannot_leave_the_archive(inbox: Path) -> None:
    with pytest.raises(ValueError, match="inside the archive"):
        archive_dir(inbox, "../../etc")

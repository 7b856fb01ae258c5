"""Issue 16's file-drop defects, each reproduced as a new user would cause it, on the real
PostgreSQL through the steps the ingestion DAG runs (osservatorio.pipeline):

1. a corrected resend under the same name replaces the record on a rerun (it used to be erased:
   the archived original came back as `~2.csv` and both versions were quarantined);
2. the bad-row gate counts the duplicate ids found at landing (it used to let a batch of only
   duplicates "succeed" with nothing loaded);
5. a non-UTF-8 byte in a file name (it used to crash extraction with a bare trace);
6. links, directories and FIFOs matching the pattern are refused, never followed;
9. a refused batch's reasons are in the warehouse, and its error opens with the top reasons.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from typing import TYPE_CHECKING

import psycopg
import pytest

from osservatorio.envelope import display_name
from tests.conftest import REPO
from tests.hostile.harness import check_accounted, file_channel, forget, landed, pilot_copy, run_batch

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from tests.conftest import TestEnv

pytestmark = pytest.mark.integration
PILOT = "cal_loss_free"
ENTITY = "participant_enrolments"
DAY = "2026-11-20"


@pytest.fixture(scope="module")
def conn(test_env: TestEnv) -> Iterator[psycopg.Connection]:
    with psycopg.connect(test_env.warehouse_uri, autocommit=True) as connection:
        forget(connection, [PILOT])
        yield connection
        forget(connection, [PILOT])


@pytest.fixture(autouse=True)
def _own_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, conn: psycopg.Connection) -> None:
    monkeypatch.setenv("OSSERVATORIO_STATE_DIR", str(tmp_path / "state"))
    forget(conn, [PILOT])


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory, test_env: TestEnv) -> tuple[list[str], list[list[str]]]:
    """A clean CAL enrolments export (cp1252, `;`): header and rows."""
    folder = tmp_path_factory.mktemp("export")
    subprocess.run(
        [sys.executable, "-m", "pilot_systems.drops", "--pilot", "cal_adda_martesana", "--inbox", str(folder),
         "--size", "40", "--seed", "3", "--defect-rate", "0", "--date", DAY],
        cwd=REPO, env=test_env.env, check=True, capture_output=True,
    )  # fmt: skip
    [path] = folder.glob("partecipanti_*.csv")
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="cp1252")), delimiter=";"))
    return rows[0], rows[1:]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    text = io.StringIO()
    csv.writer(text, delimiter=";", lineterminator="\r\n").writerows([header, *rows])
    path.write_bytes(text.getvalue().encode("cp1252"))
    return path


def current(conn: psycopg.Connection) -> dict[str, str]:
    """Current landed versions of the pilot's enrolments: id -> hash."""
    return dict(
        conn.execute(
            f"SELECT source_record_id, record_hash FROM raw.{ENTITY}"
            " WHERE pilot_id = %s AND superseded_at IS NULL",
            (PILOT,),
        ).fetchall()
    )


def test_a_corrected_resend_under_the_same_name_replaces_the_record_on_a_rerun(
    conn: psycopg.Connection, export: tuple[list[str], list[list[str]]], tmp_path: Path
) -> None:
    header, rows = export
    pilot = pilot_copy("cal_adda_martesana", PILOT)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    name = f"partecipanti_{DAY.replace('-', '')}.csv"
    write_csv(inbox / name, header, rows)
    first = run_batch(conn, pilot, ENTITY, DAY, file_channel(pilot, inbox))
    check_accounted(conn, first)
    before = current(conn)
    assert len(before) == len(rows)

    # The pilot fixes one row and drops the file again under the same name; the interval is rerun.
    corrected = [list(r) for r in rows]
    changed_id = corrected[0][0]
    corrected[0][header.index("Ultima modifica")] = "19/11/2026 10:00:00"
    write_csv(inbox / name, header, corrected)
    second = run_batch(conn, pilot, ENTITY, DAY, file_channel(pilot, inbox))
    state = check_accounted(conn, second)
    after = current(conn)
    assert set(after) == set(before), "a record disappeared"
    assert after[changed_id] != before[changed_id], "the correction did not replace the record"
    assert {k: v for k, v in after.items() if k != changed_id} == {
        k: v for k, v in before.items() if k != changed_id
    }
    assert not state.quarantine
    # Nothing deleted: the original and the correction are both in the batch's archive.
    archived = sorted(p.name for p in (tmp_path / "archive").rglob("*.csv"))
    assert len(archived) == 2, archived

    # A third run of the interval reads the correction from the archive, not the original.
    third = run_batch(conn, pilot, ENTITY, DAY, file_channel(pilot, inbox))
    check_accounted(conn, third)
    assert current(conn) == after


def test_duplicates_found_at_landing_count_against_the_bad_row_gate(
    conn: psycopg.Connection, export: tuple[list[str], list[list[str]]], tmp_path: Path
) -> None:
    header, rows = export
    pilot = pilot_copy("cal_adda_martesana", PILOT)  # max_bad_row_share 0.2
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    twice = [list(r) for r in rows]
    for row in twice:  # the same ids again, each with other contents
        row[header.index("Ultima modifica")] = "19/11/2026 10:00:00"
    write_csv(inbox / "partecipanti_a.csv", header, rows)
    write_csv(inbox / "partecipanti_b.csv", header, twice)
    outcome = run_batch(conn, pilot, ENTITY, DAY, file_channel(pilot, inbox))
    state = check_accounted(conn, outcome)
    assert outcome.refused
    assert f"{2 * len(rows)} of {2 * len(rows)} records invalid" in str(outcome.refusal)
    assert "record_id_unique" in str(outcome.refusal)
    [(stage, _, received, invalid)] = state.refusals
    assert (stage, received, invalid) == ("land", 2 * len(rows), 2 * len(rows))
    assert sorted(p.name for p in inbox.iterdir()) == ["partecipanti_a.csv", "partecipanti_b.csv"]


def test_a_file_name_with_a_non_utf8_byte_is_read_and_named_escaped(
    conn: psycopg.Connection, export: tuple[list[str], list[list[str]]], tmp_path: Path
) -> None:
    header, rows = export
    pilot = pilot_copy("cal_adda_martesana", PILOT)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    raw_name = os.fsdecode(b"partecipanti_gen\xe9.csv")  # a Windows-1252 "é" in the name
    write_csv(inbox / raw_name, header, rows)
    outcome = run_batch(conn, pilot, ENTITY, DAY, file_channel(pilot, inbox))
    check_accounted(conn, outcome)
    assert outcome.landed is not None
    assert outcome.landed.loaded == len(rows)
    shown = "partecipanti_gen\\xe9.csv"
    assert display_name(raw_name) == shown
    sources = {
        row[0].rsplit(":", 1)[0]
        for row in conn.execute(f"SELECT source_location FROM raw.{ENTITY} WHERE pilot_id = %s", (PILOT,))
    }
    assert sources == {shown}
    [(file_name, archived_to)] = conn.execute(
        "SELECT file_name, archived_to FROM raw.files WHERE pilot_id = %s", (PILOT,)
    ).fetchall()
    assert file_name == shown
    assert archived_to.endswith(shown)
    assert not list(inbox.iterdir())


@pytest.mark.parametrize("kind", ["link_outside", "link_to_passwd", "directory", "fifo"])
def test_anything_but_a_regular_file_is_refused_and_never_followed(
    kind: str, conn: psycopg.Connection, export: tuple[list[str], list[list[str]]], tmp_path: Path
) -> None:
    header, rows = export
    pilot = pilot_copy("cal_adda_martesana", PILOT)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_csv(inbox / "partecipanti_ok.csv", header, rows)
    odd = inbox / "partecipanti_odd.csv"
    if kind == "link_outside":
        odd.symlink_to(write_csv(tmp_path / "elsewhere.csv", header, rows))
    elif kind == "link_to_passwd":
        odd.symlink_to("/etc/passwd")
    elif kind == "directory":
        odd.mkdir()
    else:
        os.mkfifo(odd)  # reading it would block the task forever
    outcome = run_batch(conn, pilot, ENTITY, DAY, file_channel(pilot, inbox))
    state = check_accounted(conn, outcome)
    expected = {
        "link_outside": "a symbolic link",
        "link_to_passwd": "a symbolic link",
        "directory": "a directory",
        "fifo": "a named pipe",
    }[kind]
    assert outcome.refused
    assert f"partecipanti_odd.csv in the inbox is {expected}" in str(outcome.refusal)
    assert "root:" not in str(outcome.refusal)  # nothing of /etc/passwd is shown
    assert state.refusals[0][0] == "extract"
    assert os.path.lexists(odd), "the refused entry is left where it is"
    assert (inbox / "partecipanti_ok.csv").is_file(), "nothing is archived from a refused batch"


def test_a_batch_refused_at_the_threshold_keeps_its_reasons_in_the_warehouse(
    conn: psycopg.Connection, export: tuple[list[str], list[list[str]]], tmp_path: Path
) -> None:
    header, rows = export
    pilot = pilot_copy("cal_adda_martesana", PILOT)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    bad = [list(r) for r in rows]
    for row in bad[: len(bad) // 2]:  # half the rows: far above the 20% limit
        row[header.index("Sesso")] = "Sconosciuto"
    write_csv(inbox / "partecipanti_half_bad.csv", header, bad)
    outcome = run_batch(conn, pilot, ENTITY, DAY, file_channel(pilot, inbox))
    state = check_accounted(conn, outcome)
    refusal = str(outcome.refusal)
    # The error opens with the reason, then the top reasons with example lines (file:line).
    first_line, *rest = refusal.splitlines()
    assert "above the pilot's limit of 20%" in first_line
    assert rest[0] == "top reasons:"
    assert "partecipanti_half_bad.csv:2" in refusal
    assert "Sconosciuto" in refusal
    [(stage, _, received, invalid)] = state.refusals
    assert (stage, received, invalid) == ("validate", len(rows), len(rows) // 2)
    [(top,)] = conn.execute(
        "SELECT top_reasons FROM raw.batch_refusals WHERE pilot_id = %s", (PILOT,)
    ).fetchall()
    assert top[0]["count"] == len(rows) // 2
    assert top[0]["examples"][0]["source"] == "partecipanti_half_bad.csv:2"
    reasons = conn.execute(
        "SELECT r.source_location, r.reason FROM raw.refused_records r JOIN raw.batch_refusals b USING"
        " (refusal_id) WHERE b.pilot_id = %s ORDER BY r.source_location",
        (PILOT,),
    ).fetchall()
    assert len(reasons) == len(rows) // 2
    assert all("Sconosciuto" in reason for _, reason in reasons)
    assert landed(conn, outcome.batch.batch_id, ENTITY).records == {}

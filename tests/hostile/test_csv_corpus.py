"""The CSV part of the hostile-input corpus (issue 16): encodings, delimiters, BOMs, ragged rows,
quotes, headers, empty files, huge fields, NUL bytes, binary junk, links, directories, pipes, odd
file names, dates, numbers, codici fiscali, duplicates and injected strings, each sent through
the CSV drop channel of a copy of pilot cal_adda_martesana as one batch (extract -> validate ->
land in-process, as the ingestion DAG's tasks run it).

The cases and their expected outcomes are the table in tests/hostile/csv_cases.py. Each case runs
under a pilot id of its own (so its file ledger, batches and records are its own) with its own
inbox and data interval; besides its own expectation every case asserts the shared invariants
(tests/hostile/harness.py check_accounted): no bare trace, nothing of a refused batch loaded and
its refusal in raw.batch_refusals, received = loaded + unchanged + quarantined, injected strings
stored as data byte for byte, the raw schema intact. Each outcome is recorded for
docs/reliability.md (tests/hostile/figures.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from typing import TYPE_CHECKING

import psycopg
import pytest

from tests.conftest import REPO, SIM_TODAY
from tests.hostile.csv_cases import CASES, Case, CleanDrop, Inbox
from tests.hostile.figures import record_case
from tests.hostile.harness import (
    check_accounted,
    file_channel,
    forget,
    landed,
    pilot_copy,
    run_batch,
    schema_intact,
    stored_strings,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from osservatorio.pipeline import BatchOutcome
    from tests.conftest import TestEnv
    from tests.hostile.harness import Landed

pytestmark = pytest.mark.hostile

ORIGINAL = "cal_adda_martesana"
FIRST_DAY = date(2026, 11, 21)  # the day after the clean drop's "today": every row is in the past


def pilot_id(case: Case) -> str:
    return f"cal_hcsv_{case.id}"


def day_of(case: Case) -> str:
    """Each case its own data interval (and its own pilot): batches never collide."""
    return (FIRST_DAY + timedelta(days=CASES.index(case))).isoformat()


@pytest.fixture(scope="module")
def clean_drop(test_env: TestEnv, tmp_path_factory: pytest.TempPathFactory) -> CleanDrop:
    """One clean CAL export (every record type), as the simulated pilot system writes it."""
    folder = tmp_path_factory.mktemp("clean_drop")
    subprocess.run(
        [sys.executable, "-m", "pilot_systems.drops", "--pilot", ORIGINAL, "--inbox", str(folder),
         "--size", "20", "--seed", "1", "--defect-rate", "0", "--date", SIM_TODAY],
        cwd=REPO, env=test_env.env, check=True, capture_output=True,
    )  # fmt: skip
    return CleanDrop.read(folder)


@pytest.fixture(scope="module")
def warehouse(test_env: TestEnv) -> Iterator[str]:
    yield test_env.warehouse_uri
    with psycopg.connect(test_env.warehouse_uri, autocommit=True) as conn:
        forget(conn, [pilot_id(case) for case in CASES])


@pytest.fixture
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """In-process work files (work/<pilot>/<interval>/...) in a folder of the case's own."""
    folder = tmp_path / "state"
    monkeypatch.setenv("OSSERVATORIO_STATE_DIR", str(folder))
    return folder


def summary(outcome: BatchOutcome, state: Landed | None) -> str:
    """The outcome in the words of Case.expected (for docs/reliability.md)."""
    if outcome.refused:
        return "refused: " + (outcome.refusal or "").splitlines()[0][:240]
    assert outcome.landed is not None
    landed = outcome.landed
    rules = sorted({rule for _, rules, _, _ in state.quarantine for rule in rules}) if state else []
    return f"loaded {landed.loaded}, unchanged {landed.unchanged}, quarantined {landed.quarantined}" + (
        f": {', '.join(rules)}" if rules else ""
    )


def line_of(source: str) -> int:
    return int(source.rsplit(":", 1)[1])


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_csv_case(case: Case, clean_drop: CleanDrop, warehouse: str, state_dir: Path, tmp_path: Path) -> None:
    pilot = pilot_copy(ORIGINAL, pilot_id(case), max_bad_row_share=case.share)
    box = Inbox(
        folder=tmp_path / "drops" / "inbox",
        outside=tmp_path / "outside",
        day=day_of(case),
        drop=clean_drop,
        entity=case.entity,
        pilot_id=pilot.pilot_id,
    )
    box.folder.mkdir(parents=True)
    box.outside.mkdir()
    with psycopg.connect(warehouse) as conn:
        forget(conn, [pilot.pilot_id])  # a previous session's rows of this case
        try:
            case.build(box)
            before = sorted(os.listdir(os.fsencode(box.folder)))
            try:
                outcome = run_batch(conn, pilot, case.entity, box.day, file_channel(pilot, box.folder))
            except Exception as crash:  # a bare trace: neither a landing nor a recorded refusal
                record_case("csv", case.id, case.expected, f"crashed: {type(crash).__name__}: {crash}"[:300])
                pytest.fail(f"bare crash, not a refusal: {type(crash).__name__}: {crash}"[:2000])
        finally:
            for cleanup in box.cleanups:
                cleanup()
        conn.rollback()  # a landing commits; leave no transaction open for the checks' reads
        found = landed(conn, outcome.batch.batch_id, case.entity)
        record_case("csv", case.id, case.expected, summary(outcome, found))
        state = check_accounted(conn, outcome)
        schema_intact(conn)
        if case.refused:
            assert_refused(case, box, outcome, state, before)
        else:
            assert_landed(case, outcome, state)
        stored = stored_strings(state)
        for text in case.stored:
            assert text in stored, f"{text!r} not stored as sent; stored: {sorted(stored)[:40]}"
        for text in case.absent:
            assert not [s for s in stored if text in s], f"{text!r} stored, must not be"
        if case.check is not None:
            case.check(conn, state, box)


def assert_refused(case: Case, box: Inbox, outcome: BatchOutcome, state: Landed, before: list[bytes]) -> None:
    assert outcome.refused, f"expected a refusal ({case.expected}), got {summary(outcome, state)}"
    refusal = outcome.refusal or ""
    for fragment in case.refused:
        wanted = fragment.format(file=box.name())
        assert wanted in refusal, f"refusal lacks {wanted!r}: {refusal}"
    assert "root:x:0:0" not in refusal, "a followed link's content reached the message"
    assert "Traceback" not in refusal, refusal
    assert "psycopg" not in refusal, refusal
    # A refused batch leaves every file where the pilot dropped it.
    assert sorted(os.listdir(os.fsencode(box.folder))) == before


def assert_landed(case: Case, outcome: BatchOutcome, state: Landed) -> None:
    assert not outcome.refused, f"expected {case.expected}, got refused: {outcome.refusal}"
    assert outcome.landed is not None
    quarantine = state.quarantine
    failed = {rule for _, rules, _, _ in quarantine for rule in rules}
    reasons = [reason for _, _, reason, _ in quarantine]
    shown = [(source, rules, reason) for source, rules, reason, _ in quarantine][:10]
    assert set(case.rules) <= failed, f"expected rules {case.rules}, quarantine: {shown}"
    for fragment in case.reasons:
        assert any(fragment in reason for reason in reasons), f"no reason names {fragment!r}: {shown}"
    if case.lines is not None:
        assert sorted(line_of(source) for source, _, _, _ in quarantine) == sorted(case.lines), (
            f"expected lines {case.lines} quarantined, quarantine: {shown}"
        )
    if case.loaded is not None:
        assert outcome.landed.loaded + outcome.landed.unchanged == case.loaded, summary(outcome, state)
    if not (case.rules or case.reasons or case.lines):
        assert not quarantine, f"expected a clean landing, quarantine: {shown}"


def test_every_case_named_once() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids)) >= 45

"""End to end, all five pilots on their three channels: the real DAGs (`airflow dags test`)
against the simulated pilot systems (REST over HTTP on 127.0.0.1, CSV and XLSX drops), the real
PostgreSQL and dbt. Expected values come from the simulated systems' own records and their
injected-defect labels (pilot_systems.system.PilotSystem), never from what the pipeline produced."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date

import pytest

from osservatorio.land.warehouse import RECORD_TYPES
from pilot_systems.system import record_hash
from tests.conftest import FILE_PILOTS, TEST_STATE, TestEnv
from tests.e2e.conftest import PILOTS, query, run_dag, system
from tests.e2e.expected_indicators import expected_indicators, lands

pytestmark = pytest.mark.e2e
CUTOFF = date(2026, 10, 31)  # the last Art. 42 cut-off on or before the systems' "today"


def is_clean(defects: tuple[str, ...]) -> bool:
    """Whether a record lands: exact copies land once, incomplete point 1.1 data land flagged,
    an agreeing same-day registration lands, events of an unknown enrolment land (and match
    nothing); any other defect quarantines the record (a conflicting same-day pair: both)."""
    return lands(defects)


def expected_eeco01(pilot: str) -> Counter[tuple[str, str]]:
    """Participants per (action, gender): distinct person and operation among records that land,
    with complete point 1.1 data on their first enrolment, whose gender they take."""
    counts = expected_indicators(system(pilot), CUTOFF)
    return Counter({(action, gender): n for (code, action, gender), n in counts.items() if code == "EECO01"})


def mart_eeco01(test_env: TestEnv, pilot: str) -> Counter[tuple[str, str]]:
    rows = query(
        test_env,
        "SELECT action_code, gender, sum(indicator_value) FROM marts.esf_indicators"
        " WHERE indicator_code = 'EECO01' AND pilot_id = %s AND cutoff_date = %s GROUP BY 1, 2",
        pilot,
        CUTOFF,
    )  # summed over the funds and the other descriptive columns
    return Counter({(action, gender): int(value) for action, gender, value in rows})


@pytest.mark.parametrize("pilot", PILOTS)
def test_eeco01_equals_the_count_from_the_source(test_env: TestEnv, pipeline_ran: None, pilot: str) -> None:
    expected = expected_eeco01(pilot)
    assert sum(expected.values()) > 100  # real numbers, not an empty mart
    mart = mart_eeco01(test_env, pilot)
    assert +mart == +expected
    assert all(gender in ("F", "M", "non-binary") for _, gender in +mart)


@pytest.mark.parametrize("entity", RECORD_TYPES)
@pytest.mark.parametrize("pilot", PILOTS)
def test_every_record_is_landed_once_or_quarantined(
    test_env: TestEnv, pipeline_ran: None, pilot: str, entity: str
) -> None:
    served = list(system(pilot).records(entity))
    clean_ids = {str(r.canonical[next(iter(r.canonical))]) for r in served if is_clean(r.defects)}
    [(received, loaded, quarantined)] = query(
        test_env,
        "SELECT received, loaded, quarantined FROM raw.batches WHERE pilot_id = %s AND entity = %s",
        pilot,
        entity,
    )
    landed = query(
        test_env, f"SELECT source_record_id, record_hash FROM raw.{entity} WHERE pilot_id = %s", pilot
    )
    assert received == len(served)
    assert received == loaded + quarantined
    assert {record_id for record_id, _ in landed} == clean_ids
    assert len(landed) == loaded  # nothing twice
    if pilot not in FILE_PILOTS:  # over JSON the pilot's record is hashed as served: compare contents too
        hashes = {str(r.canonical[next(iter(r.canonical))]): record_hash(r.record) for r in served}
        assert all(hashes[record_id] == full_hash[:16] for record_id, full_hash in landed)


def test_no_tax_code_reaches_the_warehouse(test_env: TestEnv, pipeline_ran: None) -> None:
    tax_codes = {
        str(r.canonical["tax_code"])
        for pilot in PILOTS
        for r in system(pilot).records("participant_enrolments")
        if r.canonical.get("tax_code")
    }
    landed = " ".join(
        r[0]
        for r in query(
            test_env,
            "SELECT record::text FROM raw.participant_enrolments"
            " UNION ALL SELECT payload::text FROM raw.quarantine",
        )
    )
    assert not {cf for cf in tax_codes if cf in landed}


def test_dropped_files_are_archived_and_in_the_ledger(test_env: TestEnv, pipeline_ran: None) -> None:
    for pilot in FILE_PILOTS:
        inbox = TEST_STATE / "pilot_drops" / pilot / "inbox"
        assert not any(inbox.iterdir()), f"{pilot}: files left in the inbox"
        archived = sorted(p.name for p in (inbox.parent / "archive").rglob("*") if p.is_file())
        ledger = sorted(
            r[0]
            for r in query(
                test_env,
                "SELECT file_name FROM raw.files WHERE pilot_id = %s AND status = 'archived'"
                " AND superseded_at IS NULL",
                pilot,
            )
        )
        assert archived == ledger
        assert len(ledger) == len(RECORD_TYPES)


def test_extract_file_holds_the_mart_values(test_env: TestEnv, pipeline_ran: None) -> None:
    extract = TEST_STATE / "extracts" / f"EECO01_by_gender_{CUTOFF:%Y%m%d}.csv"
    with extract.open(encoding="utf-8") as handle:
        rows = Counter()
        for r in csv.DictReader(handle):
            rows[(r["action_code"], r["gender"])] += int(r["indicator_value"])
    total = Counter()
    for pilot in PILOTS:
        total.update(mart_eeco01(test_env, pilot))
    assert +rows == +total


def test_rerunning_the_same_interval_changes_nothing(test_env: TestEnv, pipeline_ran: None) -> None:
    def snapshot() -> list[tuple]:  # the current landings (a rerun supersedes, and keeps, the old ones)
        return query(
            test_env,
            "SELECT batch_id, pilot_id, entity, received, loaded, unchanged, quarantined FROM raw.batches"
            " WHERE superseded_at IS NULL AND pilot_id = ANY(%s) ORDER BY batch_id",
            list(PILOTS),
        )

    before = snapshot()
    marts_before = {pilot: mart_eeco01(test_env, pilot) for pilot in PILOTS}
    for pilot in ("tdz_corviale", "cal_adda_martesana", "zot_pratico"):  # one per channel
        run_dag(test_env, f"ingest_{pilot}")
    run_dag(test_env, "build_esf_indicators")
    assert snapshot() == before
    [(rows,)] = query(
        test_env,
        "SELECT count(*) FROM raw.participant_enrolments WHERE superseded_at IS NULL AND pilot_id = ANY(%s)",
        list(PILOTS),
    )
    assert rows == sum(r[4] for r in before if r[2] == "participant_enrolments")
    superseded = query(
        test_env,
        "SELECT pilot_id, count(*) FROM raw.batches WHERE superseded_at IS NOT NULL AND pilot_id = ANY(%s)"
        " GROUP BY 1 ORDER BY 1",
        list(PILOTS),
    )
    # The replaced landings of the three rerun pilots are history, not deleted: one per record type.
    rerun = ("cal_adda_martesana", "tdz_corviale", "zot_pratico")
    assert superseded == [(pilot, len(RECORD_TYPES)) for pilot in rerun]
    assert {pilot: mart_eeco01(test_env, pilot) for pilot in PILOTS} == marts_before


def same_day_pairs(pilot: str, kind: str) -> list[tuple[str, str]]:
    """(first registration, second registration) enrolment ids of one kind of same-day copy."""
    sim = system(pilot)
    gen = sim.generators["participant_enrolments"]
    records = list(sim.records("participant_enrolments"))  # nothing touched: record n is slot n
    return [
        (str(records[slot - 1].canonical["enrolment_id"]), str(records[slot].canonical["enrolment_id"]))
        for slot in range(1, len(records))
        if gen.copy_kind(slot) == kind
    ]


def test_conflicting_same_day_registrations_are_both_quarantined_naming_each_other(
    test_env: TestEnv, pipeline_ran: None
) -> None:
    pairs = {pilot: same_day_pairs(pilot, "conflicting_same_day") for pilot in PILOTS}
    assert sum(map(len, pairs.values())) >= 5  # the test systems have some
    for pilot, pilot_pairs in pairs.items():
        reasons = dict(
            query(
                test_env,
                "SELECT source_record_id, string_agg(reason, ' | ') FROM raw.quarantine"
                " WHERE pilot_id = %s AND entity = 'participant_enrolments' GROUP BY 1",
                pilot,
            )
        )
        for first, second in pilot_pairs:
            assert second in reasons.get(first, ""), (pilot, first, reasons.get(first))
            assert first in reasons.get(second, ""), (pilot, second, reasons.get(second))


def test_agreeing_same_day_registrations_both_land(test_env: TestEnv, pipeline_ran: None) -> None:
    pairs = {pilot: same_day_pairs(pilot, "same_day_duplicate") for pilot in PILOTS}
    assert sum(map(len, pairs.values())) >= 3
    for pilot, pilot_pairs in pairs.items():
        landed = {
            r[0]
            for r in query(
                test_env, "SELECT source_record_id FROM raw.participant_enrolments WHERE pilot_id = %s", pilot
            )
        }
        assert {i for pair in pilot_pairs for i in pair} <= landed

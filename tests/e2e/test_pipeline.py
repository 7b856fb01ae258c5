"""End to end, all five pilots on their three channels: the real DAGs (`airflow dags test`)
against the simulated pilot systems (REST over HTTP on 127.0.0.1, CSV and XLSX drops), the real
PostgreSQL and dbt. Expected values come from the simulated systems' own records and their
injected-defect labels (pilot_systems.system.PilotSystem), never from what the pipeline produced."""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import date

import psycopg
import pytest

from osservatorio.land.warehouse import RECORD_TYPES
from pilot_systems.system import PilotSystem, record_hash
from tests.conftest import FILE_PILOTS, SIM_DEFECT_RATE, SIM_SEED, SIM_SIZE, SIM_TODAY, TEST_STATE, TestEnv

pytestmark = pytest.mark.e2e
PILOTS = ("tdz_corviale", "tdz_tor_bella_monaca", "cmrc_col", "cal_adda_martesana", "zot_pratico")
LOGICAL_DATE = SIM_TODAY  # the data interval ends on the systems' "today"
CUTOFF = date(2026, 10, 31)  # the last Art. 42 cut-off on or before it
# Defects that validation does not refuse: exact copies land once; events of an unknown enrolment
# land and are left out by dbt (they match no participation).
NOT_REFUSED = {"duplicate", "orphan_enrolment"}


def system(pilot: str) -> PilotSystem:
    return PilotSystem(
        pilot, size=SIM_SIZE, seed=SIM_SEED, defect_rate=SIM_DEFECT_RATE, today=date.fromisoformat(SIM_TODAY)
    )


def is_clean(defects: tuple[str, ...]) -> bool:
    return set(defects) <= NOT_REFUSED


def expected_eeco01(pilot: str) -> Counter[tuple[str, str]]:
    """Participants per (action, gender): distinct person and operation among records that pass."""
    sim = system(pilot)
    actions = {r.canonical["operation_id"]: r.canonical["action"] for r in sim.records("operations")}
    genders: dict[tuple[str, str], str] = {}
    for rec in sim.records("participant_enrolments"):
        c = rec.canonical
        if is_clean(rec.defects) and c["entry_date"] <= CUTOFF:
            genders[(str(c["tax_code"]), str(c["operation_id"]))] = str(c["gender"])
    return Counter((actions[op], gender) for (_, op), gender in genders.items())


def run_dag(test_env: TestEnv, dag_id: str) -> None:
    result = test_env.run("airflow", "dags", "test", dag_id, LOGICAL_DATE, timeout=900)
    log = result.stdout + result.stderr
    assert re.search(rf"DagRun Finished: dag_id={dag_id},.*state=success", log), log[-6000:]


def query(test_env: TestEnv, sql: str, *params: object) -> list[tuple]:
    with psycopg.connect(test_env.warehouse_uri) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def pipeline_ran(test_env: TestEnv, pilot_systems: str) -> None:
    for pilot in PILOTS:
        run_dag(test_env, f"ingest_{pilot}")
    run_dag(test_env, "build_esf_indicators")


def mart_eeco01(test_env: TestEnv, pilot: str) -> Counter[tuple[str, str]]:
    rows = query(
        test_env,
        "SELECT action_code, gender, indicator_value FROM marts.esf_indicators"
        " WHERE indicator_code = 'EECO01' AND pilot_id = %s AND cutoff_date = %s",
        pilot,
        CUTOFF,
    )
    return Counter({(action, gender): value for action, gender, value in rows})


@pytest.mark.parametrize("pilot", PILOTS)
def test_eeco01_equals_the_count_from_the_source(test_env: TestEnv, pipeline_ran: None, pilot: str) -> None:
    expected = expected_eeco01(pilot)
    assert sum(expected.values()) > 100  # real numbers, not an empty mart
    mart = mart_eeco01(test_env, pilot)
    assert +mart == +expected
    assert all(gender in ("F", "M", "non-binary") for _, gender in mart)


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
        rows = {(r["action_code"], r["gender"]): int(r["indicator_value"]) for r in csv.DictReader(handle)}
    total = Counter()
    for pilot in PILOTS:
        total.update(mart_eeco01(test_env, pilot))
    assert rows == dict(total)


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

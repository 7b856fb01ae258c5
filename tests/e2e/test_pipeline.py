"""End to end: the real DAGs (`airflow dags test`) against the simulated pilot over HTTP, the
real PostgreSQL and dbt. Expected values are computed here from the simulated source's own
records and their injected-defect labels, never from what the pipeline produced."""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import date
from pathlib import Path

import psycopg
import pytest

from pilot_systems.catalogue import OPERATIONS
from pilot_systems.population import PilotPopulation
from tests.conftest import SIM_DEFECT_RATE, SIM_SEED, SIM_SIZE, TEST_STATE, TestEnv

pytestmark = pytest.mark.e2e
PILOT = "tdz_corviale"
LOGICAL_DATE = "2026-07-15"  # last Art. 42 cut-off on or before it: 30 June 2026
CUTOFF = date(2026, 6, 30)
GENDERS = {"F": "F", "M": "M", "X": "non-binary"}


def source_population() -> PilotPopulation:
    return PilotPopulation(PILOT, OPERATIONS[PILOT], SIM_SIZE, SIM_SEED, SIM_DEFECT_RATE)


def expected_eeco01(cutoff: date) -> Counter[tuple[str, str]]:
    """Participants per (action, gender): distinct person and operation among defect-free records."""
    actions = {op.code: op.action for op in OPERATIONS[PILOT]}
    participations: dict[tuple[str, str], str] = {}
    for enrolment in source_population().enrolments():
        r = enrolment.record
        if enrolment.defects or date.fromisoformat(str(r["data_ingresso"])) > cutoff:
            continue
        participations[(str(r["codice_fiscale"]), str(r["codice_progetto"]))] = GENDERS[str(r["sesso"])]
    return Counter((actions[op], gender) for (_, op), gender in participations.items())


def run_dag(test_env: TestEnv, dag_id: str) -> str:
    result = test_env.run("airflow", "dags", "test", dag_id, LOGICAL_DATE, timeout=900)
    assert re.search(rf"DagRun Finished: dag_id={dag_id},.*state=success", result.stdout + result.stderr), (
        result.stdout + result.stderr
    )[-5000:]
    return result.stdout


def mart_eeco01(test_env: TestEnv) -> Counter[tuple[str, str]]:
    with psycopg.connect(test_env.warehouse_uri) as conn:
        rows = conn.execute(
            "SELECT action_code, gender, indicator_value FROM marts.esf_indicators"
            " WHERE indicator_code = 'EECO01' AND pilot_id = %s AND cutoff_date = %s",
            (PILOT, CUTOFF),
        ).fetchall()
    return Counter({(action, gender): value for action, gender, value in rows})


@pytest.fixture(scope="module")
def first_run(test_env: TestEnv, pilot_systems: str) -> Counter[tuple[str, str]]:
    run_dag(test_env, f"ingest_{PILOT}")
    run_dag(test_env, "build_esf_indicators")
    return mart_eeco01(test_env)


def test_eeco01_equals_the_count_from_the_source(first_run: Counter[tuple[str, str]]) -> None:
    expected = expected_eeco01(CUTOFF)
    assert sum(expected.values()) > 100  # the test is about real numbers, not an empty mart
    assert +first_run == +expected
    # every cell is present, zeros included: 2 actions x 3 genders
    assert len(first_run) == 6


def test_every_record_is_landed_or_quarantined(test_env: TestEnv, first_run: Counter) -> None:
    defective = [e for e in source_population().enrolments() if e.defects]
    assert defective, "the simulation must inject defects for this test to mean anything"
    with psycopg.connect(test_env.warehouse_uri) as conn:
        received, loaded, quarantined = conn.execute(
            "SELECT received, loaded, quarantined FROM raw.batches WHERE pilot_id = %s"
            " AND entity = 'participant_enrolments'",
            (PILOT,),
        ).fetchone()
        quarantined_ids = {
            r[0]
            for r in conn.execute("SELECT source_record_id FROM raw.quarantine WHERE pilot_id = %s", (PILOT,))
        }
    assert (received, loaded, quarantined) == (SIM_SIZE, SIM_SIZE - len(defective), len(defective))
    assert quarantined_ids == {str(e.record["id_iscrizione"]) for e in defective}


def test_no_tax_code_reaches_the_warehouse(test_env: TestEnv, first_run: Counter) -> None:
    tax_codes = {str(e.record["codice_fiscale"]) for e in source_population().enrolments()}
    with psycopg.connect(test_env.warehouse_uri) as conn:
        landed = " ".join(
            r[0]
            for r in conn.execute(
                "SELECT record::text FROM raw.participant_enrolments"
                " UNION ALL SELECT payload::text FROM raw.quarantine"
            )
        )
    assert not {cf for cf in tax_codes if cf in landed}


def test_extract_file_holds_the_mart_values(first_run: Counter) -> None:
    extract = TEST_STATE / "extracts" / f"EECO01_by_gender_{CUTOFF:%Y%m%d}.csv"
    with Path(extract).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert Counter({(r["action_code"], r["gender"]): int(r["indicator_value"]) for r in rows}) == first_run


def test_rerunning_the_same_interval_changes_nothing(test_env: TestEnv, first_run: Counter) -> None:
    def landed_rows() -> int:
        with psycopg.connect(test_env.warehouse_uri) as conn:
            return conn.execute("SELECT count(*) FROM raw.participant_enrolments").fetchone()[0]

    before = landed_rows()
    run_dag(test_env, f"ingest_{PILOT}")
    run_dag(test_env, "build_esf_indicators")
    assert landed_rows() == before == SIM_SIZE - sum(1 for e in source_population().enrolments() if e.defects)
    assert mart_eeco01(test_env) == first_run

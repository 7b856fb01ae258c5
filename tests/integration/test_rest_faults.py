"""REST extraction under real faults, caused by the simulated pilot server over loopback HTTP:
5xx bursts, 429 with Retry-After, read timeouts, connections reset mid-body, truncated JSON,
records appended while we paginate, and a run that dies half-way and is resumed. After retries
and reruns the landed set equals the source set exactly: same ids, same content hashes."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
import pytest
import requests

from osservatorio.extract.rest_api import extract_rest, make_session
from osservatorio.land.warehouse import batch_for, land_batch, watermark_before
from osservatorio.registry import load_registry
from osservatorio.validate.batch import validate_batch
from pilot_systems.ports import free_port, wait_for_port
from tests.conftest import REPO, TestEnv

pytestmark = pytest.mark.integration
TOKEN = "fault-test-token"
ENTITY = "participant_enrolments"
KEY = "fault-test-key-" + "x" * 32
PILOTS = ("tdz_corviale", "cmrc_col")  # page pagination, cursor pagination


@pytest.fixture(scope="module")
def server(test_env: TestEnv) -> str:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pilot_systems.rest_api", "--port", str(port), "--size", "120", "--seed", "3",
         "--token", TOKEN, "--defect-rate", "0", "--pilots", ",".join(PILOTS)],
        cwd=REPO, env=test_env.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for_port(port, timeout=10)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def fresh(server: str) -> str:
    for pilot in PILOTS:
        requests.post(f"{server}/_admin/{pilot}/reset", timeout=10).raise_for_status()
    requests.delete(f"{server}/_admin/faults", timeout=10).raise_for_status()
    return server


def inject(server: str, *faults: dict) -> None:
    requests.post(f"{server}/_admin/faults", json=list(faults), timeout=10).raise_for_status()


def source_set(server: str, pilot: str) -> set[tuple[str, str]]:
    text = requests.get(f"{server}/_admin/{pilot}/{ENTITY}/ids", timeout=30).text
    return {tuple(line.split("\t")) for line in text.splitlines() if line}


def extract(server: str, pilot: str, work: Path, read_timeout: float = 30.0) -> int:
    p = load_registry()[pilot]
    source = replace(p.entities[ENTITY], page_size=25)  # several pages even on a small system
    with make_session(TOKEN, backoff=0.05) as session:
        return extract_rest(
            session,
            f"{server}/{pilot}",
            source,
            p.api,
            work / f"{ENTITY}.source.jsonl",
            None,
            source.fields.get("source_updated_at"),
            read_timeout=read_timeout,
        ).received


def land(test_env: TestEnv, pilot: str, work: Path, label: str) -> set[tuple[str, str]]:
    summary = validate_batch(
        load_registry()[pilot], ENTITY, work / f"{ENTITY}.source.jsonl", KEY, date(2026, 11, 20)
    )
    start = datetime(2031, 1, 1, tzinfo=UTC)
    batch = batch_for(f"faults_{label}_{pilot}", ENTITY, start, start)
    with psycopg.connect(test_env.warehouse_uri) as conn:
        land_batch(conn, batch, Path(summary.valid_path), Path(summary.quarantine_path), summary.received)
        rows = conn.execute(
            f"SELECT source_record_id, record_hash FROM raw.{ENTITY} WHERE batch_id = %s", (batch.batch_id,)
        ).fetchall()
    assert summary.quarantined == 0
    return {(record_id, full_hash[:16]) for record_id, full_hash in rows}


FAULTS = {
    "5xx_bursts": [{"status": 500, "count": 3}, {"status": 503, "count": 2}],
    "429_retry_after": [{"status": 429, "retry_after": 1, "count": 2}],
    "read_timeout": [{"delay": 3, "count": 2}],
    "reset_mid_body": [{"reset": True, "count": 2}],
    "malformed_json": [{"malformed": True, "count": 2}],
}


@pytest.mark.parametrize("pilot", PILOTS)
@pytest.mark.parametrize("fault", FAULTS)
def test_fault_is_survived_and_nothing_lost_or_duplicated(
    test_env: TestEnv, fresh: str, tmp_path: Path, pilot: str, fault: str
) -> None:
    inject(fresh, *FAULTS[fault])
    started = time.monotonic()
    received = extract(fresh, pilot, tmp_path, read_timeout=1.0)
    elapsed = time.monotonic() - started
    pending = requests.get(f"{fresh}/_admin/faults", timeout=10).json()["pending"]
    assert pending == [] or pending == 0, "every injected fault must have been hit"
    expected = source_set(fresh, pilot)
    assert received == len(expected)
    assert land(test_env, pilot, tmp_path, fault) == expected
    if fault == "429_retry_after":
        assert elapsed >= 2.0  # Retry-After: 1, twice, was honoured


@pytest.mark.parametrize("pilot", PILOTS)
def test_records_appended_during_pagination_are_extracted(
    test_env: TestEnv, fresh: str, tmp_path: Path, pilot: str
) -> None:
    inject(fresh, {"delay": 0.8, "count": 1})  # hold the first page while the pilot adds records

    def append_meanwhile() -> None:
        time.sleep(0.3)
        requests.post(f"{fresh}/_admin/{pilot}/append", json={"entity": ENTITY, "count": 7}, timeout=10)

    adder = threading.Thread(target=append_meanwhile)
    adder.start()
    before = len(source_set(fresh, pilot))
    extract(fresh, pilot, tmp_path)
    adder.join()
    expected = source_set(fresh, pilot)
    assert len(expected) == before + 7
    assert land(test_env, pilot, tmp_path, "append") == expected


@pytest.mark.parametrize("pilot", PILOTS)
def test_run_that_dies_half_way_resumes_after_the_last_committed_page(
    test_env: TestEnv, fresh: str, tmp_path: Path, pilot: str
) -> None:
    # The first page passes (a harmless delay uses up the first fault), then the API fails longer
    # than every retry allows: the task dies after committing page 1.
    inject(fresh, {"delay": 0.01, "count": 1}, {"status": 503, "count": 50})
    with pytest.raises(requests.RequestException):
        extract(fresh, pilot, tmp_path)
    checkpoint = json.loads((tmp_path / f"{ENTITY}.source.checkpoint.json").read_text())
    assert checkpoint["pages"] == 1
    assert not checkpoint["finished"]
    requests.delete(f"{fresh}/_admin/faults", timeout=10).raise_for_status()
    extract(fresh, pilot, tmp_path)  # Airflow's retry of the task
    expected = source_set(fresh, pilot)
    lines = (tmp_path / f"{ENTITY}.source.jsonl").read_text().splitlines()
    assert len(lines) == len(expected)  # the first page was not fetched twice
    assert land(test_env, pilot, tmp_path, "resume") == expected


@pytest.mark.parametrize("pilot", PILOTS)
def test_incremental_extraction_takes_only_what_changed_since_the_last_interval(
    test_env: TestEnv, fresh: str, tmp_path: Path, pilot: str
) -> None:
    """Interval 1 takes everything and leaves a watermark; the pilot then changes 4 records and
    adds 3; interval 2 asks from the watermark and gets exactly those, in their newest versions."""
    p = load_registry()[pilot]
    source = replace(p.entities[ENTITY], page_size=25)
    first, second = datetime(2032, 1, 1, tzinfo=UTC), datetime(2032, 1, 2, tzinfo=UTC)
    batch_pilot = f"incremental_{pilot}"

    def run_interval(start: datetime, work: Path) -> int:
        work.mkdir()
        with psycopg.connect(test_env.warehouse_uri) as conn:
            since = watermark_before(conn, batch_pilot, ENTITY, start)
        with make_session(TOKEN, backoff=0.05) as session:
            result = extract_rest(
                session,
                f"{fresh}/{pilot}",
                source,
                p.api,
                work / f"{ENTITY}.source.jsonl",
                since,
                source.fields.get("source_updated_at"),
            )
        summary = validate_batch(p, ENTITY, Path(result.path), KEY, date(2026, 11, 20))
        batch = replace(
            batch_for(batch_pilot, ENTITY, start, start),
            watermark_from=since,
            watermark_to=datetime.fromisoformat(result.watermark_to),
        )
        with psycopg.connect(test_env.warehouse_uri) as conn:
            land_batch(conn, batch, Path(summary.valid_path), Path(summary.quarantine_path), summary.received)
        return result.received

    assert run_interval(first, tmp_path / "1") == len(source_set(fresh, pilot))
    touched = requests.post(f"{fresh}/_admin/{pilot}/touch", json={"entity": ENTITY, "count": 4}, timeout=10)
    added = requests.post(f"{fresh}/_admin/{pilot}/append", json={"entity": ENTITY, "count": 3}, timeout=10)
    changed = set(touched.json()["touched"]) | set(added.json()["appended"])
    assert len(changed) >= 5  # the simulator may find fewer records it can change than asked
    assert run_interval(second, tmp_path / "2") == len(changed)
    with psycopg.connect(test_env.warehouse_uri) as conn:
        second_batch = {
            r[0]
            for r in conn.execute(
                f"SELECT source_record_id FROM raw.{ENTITY} WHERE batch_id = %s",
                (batch_for(batch_pilot, ENTITY, second, second).batch_id,),
            )
        }
        # Rerunning interval 2 asks from the same watermark: the same records, not more.
        assert watermark_before(conn, batch_pilot, ENTITY, second) < watermark_before(
            conn, batch_pilot, ENTITY, datetime(2032, 1, 3, tzinfo=UTC)
        )
    assert second_batch == changed
    assert run_interval(second, tmp_path / "2-rerun") == len(changed)

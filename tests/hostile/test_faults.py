"""Fault injection with real faults: PostgreSQL restarted during the COPY of a landing, the load
task SIGKILLed mid-COPY, the pilot's server dying mid-page and being killed and restarted, a DAG
run cleared and rerun, a backfill over loaded intervals, out-of-order intervals and a corrected
resend. After retries and reruns the landed set (current version of every record: id and hash)
equals the source set, with nothing duplicated, and the marts after a real `dbt build` are those
of a clean warehouse fed the same source.

The faulted and the clean warehouse live in a PostgreSQL cluster of the suite's own
(fault_tools.FaultCluster): restarting the project's cluster would break the other test sessions
that share it. Every fault has pilots of its own (registry copies under new ids); the figures go
to docs/reliability.md (figures.py, conftest.py).
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

import psycopg
import pytest
import yaml

from osservatorio.manifest import BatchManifest
from osservatorio.pipeline import land_step, validate_step
from osservatorio.privacy.pseudonymise import KEY_VARIABLE
from osservatorio.registry import REGISTRY_FILE
from pilot_systems.drops import write_drops
from pilot_systems.system import PilotSystem
from tests.conftest import REPO, TestEnv
from tests.hostile import figures
from tests.hostile.fault_tools import (
    FAULT_STATE,
    Comparison,
    FaultCluster,
    PilotServer,
    batch_traces,
    compare,
    dbt_build,
    extracted_set,
    files_set,
    land_in_process_of_its_own,
    marts_digests,
    server_binaries_present,
    state_dir,
    wait_for_session_gone,
    wait_for_statement,
)
from tests.hostile.harness import SECRET, file_channel, interval, pilot_copy, rest_channel, run_batch

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from osservatorio.manifest import ValidatedBatch
    from osservatorio.pipeline import BatchOutcome
    from osservatorio.registry import Pilot

pytestmark = pytest.mark.integration

OPS, ENR = "operations", "participant_enrolments"
ENTITIES = (OPS, ENR)  # what the marts are built from (EECO01: operations' actions, enrolments)
TODAY = date(2026, 11, 20)  # the simulated systems' today; the intervals below end after it
DAY1, DAY2, DAY3 = "2026-11-21", "2026-11-22", "2026-11-23"  # each names the interval ending then
BIG_SIZE = 50_000  # enrolments of the batch whose COPY is interrupted
TOKEN = "fault-suite-token"
REPORTING_DATE = "2026-12-31"
LEDGERS = "enrolment landings in order (interval received/loaded/unchanged/quarantined): "
# fault -> its pilots, once their clean counterparts are in the clean warehouse
CLEAN_FED: dict[str, list[str]] = {}

F_PG_RESTART = "PostgreSQL restarted during the COPY of a landing (50,000 records)"
F_SIGKILL = "Load task SIGKILLed during the COPY (50,000 records)"
F_RESET = "Pilot server resets the connection mid-page (headers and half a body, twice)"
F_SERVER_KILLED = "Pilot server process SIGKILLed mid-extraction and restarted"
F_CLEARED = "DAG run cleared and rerun (airflow tasks clear -y, airflow dags test)"
F_BACKFILL_CSV = "Backfill over two intervals already loaded (CSV drops, archived files re-read)"
F_BACKFILL_REST = "Backfill over three intervals already loaded (REST, incremental extraction)"
F_OUT_OF_ORDER = "Out-of-order intervals (REST cursor pagination: the latest first)"
F_RESEND = "Corrected resend: same file name, one row changed, interval rerun (CSV)"


# --------------------------------------------------------------------------- fixtures
@dataclass(frozen=True)
class Warehouses:
    faulted: str
    clean: str


@pytest.fixture(scope="module")
def cluster(test_env: TestEnv) -> Iterator[FaultCluster]:
    if not server_binaries_present():
        pytest.fail("the fault suite needs the PostgreSQL server binaries (make setup installs them)")
    fault_cluster = FaultCluster(test_env.env)
    fault_cluster.stop()  # one an interrupted session left running, on another port
    fault_cluster.start()
    yield fault_cluster
    with contextlib.suppress(AssertionError):
        fault_cluster.stop()


@pytest.fixture(scope="module")
def warehouses(cluster: FaultCluster) -> Warehouses:
    return Warehouses(
        cluster.fresh_database("osservatorio_faulted"), cluster.fresh_database("osservatorio_clean")
    )


@pytest.fixture(scope="module", autouse=True)
def work_files(test_env: TestEnv) -> Iterator[None]:
    """In-process steps write their work files under the suite's state (not the developer's)."""
    with state_dir(FAULT_STATE / "faulted"):
        yield


@pytest.fixture(scope="module")
def server(test_env: TestEnv) -> Iterator[PilotServer]:
    pilots = PilotServer(
        test_env.env, TOKEN, size=400, seed=17, pilots=("tdz_corviale", "tdz_tor_bella_monaca", "cmrc_col"),
        today=TODAY.isoformat(),
    )  # fmt: skip
    pilots.start()
    yield pilots
    pilots.stop()


def connect(uri: str, app: str = "fault-suite") -> psycopg.Connection:
    return psycopg.connect(uri, application_name=app)


def landed_ok(outcome: BatchOutcome) -> None:
    assert not outcome.refused, outcome.refusal


def check(fault: str, injected: int, comparisons: dict[str, Comparison], notes: list[str] = ()) -> None:
    """Record the fault's figures, then assert the landed sets equal the source sets."""
    for note in notes:
        figures.note_fault(fault, note)
    figures.record_fault(
        fault,
        injected=injected,
        survived=all(c.exact for c in comparisons.values()),
        lost=sum(len(c.lost) for c in comparisons.values()),
        duplicated=sum(c.duplicated for c in comparisons.values()),
        changed=sum(len(c.changed) + len(c.unexpected) for c in comparisons.values()),
    )
    for entity, comparison in comparisons.items():
        assert comparison.exact, f"{fault}, {entity}: {comparison.explain()}"


# --------------------------------------------------------------------------- a large valid batch
@dataclass(frozen=True)
class BigBatch:
    """A CAL export of 50,000 enrolments (and its operations), extracted and validated once;
    each fault lands it under a pilot of its own, from an inbox of its own."""

    drop: Path
    ready: dict[str, ValidatedBatch]
    source: dict[str, dict[str, str]]  # entity -> id -> hash

    def instance(self, pilot_id: str, root: Path) -> tuple[Pilot, Path, dict[str, ValidatedBatch]]:
        pilot = pilot_copy("cal_adda_martesana", pilot_id)
        inbox = root / pilot_id / "inbox"
        shutil.rmtree(inbox.parent, ignore_errors=True)
        inbox.mkdir(parents=True)
        for path in self.drop.iterdir():
            shutil.copy2(path, inbox / path.name)
        ready = {}
        for entity, validated in self.ready.items():
            extraction = validated.extraction
            batch = replace(extraction.batch, pilot_id=pilot_id)
            ready[entity] = replace(validated, extraction=replace(extraction, batch=batch))
        return pilot, inbox, ready

    def land_clean(self, pilot_id: str, clean: str) -> None:
        pilot, inbox, ready = self.instance(pilot_id, FAULT_STATE / "clean")
        with connect(clean) as conn:
            for entity in ENTITIES:
                land_step(pilot, file_channel(pilot, inbox), ready[entity], conn)


@pytest.fixture(scope="module")
def big_batch(warehouses: Warehouses) -> BigBatch:
    system = PilotSystem("cal_adda_martesana", BIG_SIZE, seed=5, defect_rate=0.0, today=TODAY)
    drop = FAULT_STATE / "big" / "drop"
    write_drops(system, drop, TODAY, "utf-8-sig", entities=ENTITIES)
    pilot = pilot_copy("cal_adda_martesana", "cal_fault_big")
    inbox = FAULT_STATE / "big" / "inbox"
    shutil.copytree(drop, inbox)
    channel = file_channel(pilot, inbox)
    ready, source = {}, {}
    with connect(warehouses.faulted) as conn:
        conn.autocommit = True
        for entity in ENTITIES:
            extraction = channel.extract(BatchManifest(pilot.pilot_id, entity, interval(DAY1)), conn)
            ready[entity] = validate_step(pilot, extraction, SECRET, conn)
            assert ready[entity].quarantine_path.stat().st_size == 0, "a clean export must validate clean"
            source[entity] = extracted_set(extraction.path, pilot.entities[entity].fields[_id(entity)])
    assert len(source[ENR]) == BIG_SIZE
    return BigBatch(drop, ready, source)


def _id(entity: str) -> str:
    return {OPS: "operation_id", ENR: "enrolment_id"}[entity]


def nothing_landed(conn: psycopg.Connection, ready: ValidatedBatch, inbox: Path) -> list[str]:
    """What a failed landing left behind (must be nothing): rows of the batch, a moved file."""
    batch = ready.extraction.batch
    left = [f"raw.{t}: {n} rows" for t, n in batch_traces(conn, batch.batch_id, batch.entity).items() if n]
    for dropped in ready.extraction.files:
        if not (inbox / dropped.name).is_file():
            left.append(f"{dropped.name} left the inbox")
    archive = inbox.parent / "archive" / batch.archive_key
    if archive.exists() and any(archive.iterdir()):
        left.append(f"files archived to {archive}")
    return left


# --------------------------------------------------------------------------- 1. PostgreSQL restart
@pytest.mark.slow
def test_postgres_restarted_during_copy(
    cluster: FaultCluster, warehouses: Warehouses, big_batch: BigBatch
) -> None:
    pilot, inbox, ready = big_batch.instance("cal_fault_pg_restart", FAULT_STATE / "faulted")
    channel = file_channel(pilot, inbox)
    with connect(warehouses.faulted) as conn:
        land_step(pilot, channel, ready[OPS], conn)
    failures: list[BaseException] = []

    def load() -> None:  # the load task's first attempt
        try:
            with connect(warehouses.faulted, "fault-pg-restart") as conn:
                land_step(pilot, channel, ready[ENR], conn)
        except Exception as error:
            failures.append(error)

    attempt = threading.Thread(target=load)
    attempt.start()
    started = time.monotonic()
    copying = wait_for_statement(
        warehouses.faulted, "fault-pg-restart", "COPY incoming", alive=attempt.is_alive
    )
    seen_after = time.monotonic() - started
    if copying:
        cluster.restart()
    attempt.join(timeout=300)
    assert copying, "the landing ended before its COPY was seen in pg_stat_activity"
    assert failures, "the landing survived a restart of PostgreSQL mid-COPY: the fault did not hit"
    assert isinstance(failures[0], psycopg.OperationalError), repr(failures[0])
    with connect(warehouses.faulted) as conn:
        assert nothing_landed(conn, ready[ENR], inbox) == []
        landed = land_step(pilot, channel, ready[ENR], conn)  # Airflow's retry: same XCom, new attempt
        assert (landed.received, landed.loaded, landed.unchanged, landed.quarantined) == (
            BIG_SIZE,
            BIG_SIZE,
            0,
            0,
        )
        comparisons = {e: compare(conn, pilot.pilot_id, e, big_batch.source[e]) for e in ENTITIES}
    assert not any(inbox.iterdir()), "landed files are archived"
    big_batch.land_clean(pilot.pilot_id, warehouses.clean)
    CLEAN_FED[F_PG_RESTART] = [pilot.pilot_id]
    check(F_PG_RESTART, 1, comparisons, [
        f"COPY seen in pg_stat_activity {seen_after:.2f} s after the load started; the suite's cluster"
        " was then stopped (pg_ctl -m fast) and started (scripts/postgres.sh)",
        f"first attempt: {type(failures[0]).__name__}: {str(failures[0]).splitlines()[0][:160]};"
        " no row of the batch in raw, its file still in the inbox",
        f"retry: received {landed.received}, loaded {landed.loaded}, unchanged {landed.unchanged},"
        f" quarantined {landed.quarantined}",
    ])  # fmt: skip


# --------------------------------------------------------------------------- 2. SIGKILL of the load task
@pytest.mark.slow
def test_load_task_killed_during_copy(
    cluster: FaultCluster, warehouses: Warehouses, big_batch: BigBatch
) -> None:
    pilot, inbox, ready = big_batch.instance("cal_fault_sigkill", FAULT_STATE / "faulted")
    env = cluster.env() | {"OSSERVATORIO_STATE_DIR": str(FAULT_STATE / "faulted")}
    with connect(warehouses.faulted) as conn:
        land_step(pilot, file_channel(pilot, inbox), ready[OPS], conn)
    task = land_in_process_of_its_own(env, ready[ENR], pilot, "cal_adda_martesana", inbox, "fault-sigkill")
    started = time.monotonic()
    copying = wait_for_statement(
        warehouses.faulted, "fault-sigkill", "COPY incoming", alive=lambda: task.poll() is None
    )
    seen_after = time.monotonic() - started
    if copying:
        task.send_signal(signal.SIGKILL)
    _, errors = task.communicate(timeout=300)
    assert copying, f"the load ended before its COPY was seen: {errors[-2000:]}"
    assert task.returncode == -signal.SIGKILL
    wait_for_session_gone(warehouses.faulted, "fault-sigkill")
    with connect(warehouses.faulted) as conn:
        assert nothing_landed(conn, ready[ENR], inbox) == []
    rerun = land_in_process_of_its_own(
        env, ready[ENR], pilot, "cal_adda_martesana", inbox, "fault-sigkill-rerun"
    )
    output, errors = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, errors[-3000:]
    landed = json.loads(output.strip().splitlines()[-1])
    assert (landed["received"], landed["loaded"], landed["quarantined"]) == (BIG_SIZE, BIG_SIZE, 0)
    with connect(warehouses.faulted) as conn:
        comparisons = {e: compare(conn, pilot.pilot_id, e, big_batch.source[e]) for e in ENTITIES}
    big_batch.land_clean(pilot.pilot_id, warehouses.clean)
    CLEAN_FED[F_SIGKILL] = [pilot.pilot_id]
    check(F_SIGKILL, 1, comparisons, [
        f"COPY seen {seen_after:.2f} s after the load process started; SIGKILL sent to it",
        "before the rerun: no row of the batch in raw (records, quarantine, ledger, file ledger),"
        " its file still in the inbox, nothing archived",
        f"rerun in a new process: received {landed['received']}, loaded {landed['loaded']},"
        f" quarantined {landed['quarantined']}",
    ])  # fmt: skip


# --------------------------------------------------------------------------- 3. the pilot server fails
def rest_pilot(pilot_id: str, original: str, page_size: int = 50) -> Pilot:
    """A REST registry pilot under a new id, in small pages (many pages even on a small system)."""
    base = pilot_copy(original, pilot_id)
    return replace(base, entities={e: replace(s, page_size=page_size) for e, s in base.entities.items()})


def rest_sets(server: PilotServer, system: str) -> dict[str, dict[str, str]]:
    return {entity: server.source_set(system, entity) for entity in ENTITIES}


def run_rest(conn: psycopg.Connection, pilot: Pilot, system: str, server: PilotServer, day: str,
             entities: tuple[str, ...] = ENTITIES) -> list[str]:  # fmt: skip
    """The record types of the interval ending `day`; the enrolments' ledger, as text."""
    channel = rest_channel(pilot, f"{server.url}/{system}", TOKEN)
    ledger = []
    for entity in entities:
        outcome = run_batch(conn, pilot, entity, day, channel)
        landed_ok(outcome)
        if entity == ENR:
            ledger.append(f"{day} {_counts(outcome)}")
    return ledger


def feed_clean_rest(
    warehouses: Warehouses, pilot: Pilot, system: str, server: PilotServer, fault: str
) -> None:
    """The clean run: the pilot's source as it is now, extracted once, no fault."""
    with state_dir(FAULT_STATE / "clean"), connect(warehouses.clean) as conn:
        run_rest(conn, pilot, system, server, DAY3)
    CLEAN_FED[fault] = [pilot.pilot_id]


def test_pilot_server_resets_mid_page(warehouses: Warehouses, server: PilotServer) -> None:
    system = "tdz_corviale"
    server.admin("POST", f"{system}/reset")
    server.admin("DELETE", "faults")
    pilot = rest_pilot("tdz_fault_reset", system)
    # Pages 1-3 pass (harmless delays use up the first three matches), page 4 is cut mid-body twice.
    where = {"pilot": system, "path": "/partecipanti"}
    server.inject({"delay": 0.01, "count": 3, **where}, {"reset": True, "count": 2, **where})
    with connect(warehouses.faulted) as conn:
        run_rest(conn, pilot, system, server, DAY1)
        assert server.pending_faults() == [], "every injected fault must have been hit"
        comparisons = {e: compare(conn, pilot.pilot_id, e, s) for e, s in rest_sets(server, system).items()}
    feed_clean_rest(warehouses, pilot, system, server, F_RESET)
    check(F_RESET, 2, comparisons, [
        f"page 4 of {ENR} answered 200 with Content-Length of the whole page, half the body sent, socket"
        " shut down; twice in a row; the extraction re-asked for the page (tenacity)",
    ])  # fmt: skip


def test_pilot_server_killed_mid_extraction(warehouses: Warehouses, server: PilotServer) -> None:
    system = "tdz_corviale"
    server.admin("POST", f"{system}/reset")
    server.admin("DELETE", "faults")
    pilot = rest_pilot("tdz_fault_server_killed", system)
    where = {"pilot": system, "path": "/partecipanti"}
    # Pages 1-3 pass; page 4 is held 30 s by the server, which is killed meanwhile.
    server.inject({"delay": 0.01, "count": 3, **where}, {"delay": 30, "count": 1, **where})
    failures: list[BaseException] = []
    with connect(warehouses.faulted) as conn:
        landed_ok(run_batch(conn, pilot, OPS, DAY1, rest_channel(pilot, f"{server.url}/{system}", TOKEN)))

    def extract() -> None:  # the task's first attempt
        try:
            with connect(warehouses.faulted) as conn:
                landed_ok(
                    run_batch(conn, pilot, ENR, DAY1, rest_channel(pilot, f"{server.url}/{system}", TOKEN))
                )
        except Exception as error:
            failures.append(error)

    attempt = threading.Thread(target=extract)
    attempt.start()
    deadline = time.monotonic() + 60
    while server.pending_faults() and time.monotonic() < deadline:
        time.sleep(0.02)
    held = not server.pending_faults()
    checkpoint = (
        FAULT_STATE
        / "faulted"
        / "work"
        / pilot.pilot_id
        / interval(DAY1).start.strftime("%Y%m%dT%H%M%S")
        / f"{ENR}.source.checkpoint.json"
    )
    pages_before = json.loads(checkpoint.read_text())["pages"] if checkpoint.exists() else 0
    server.kill()
    time.sleep(1.0)  # down for a while: the client's retries meet a closed port
    server.start()
    attempt.join(timeout=300)
    assert held, "page 4 was never asked for"
    retried = bool(failures)
    if failures:  # the attempt gave up: Airflow's retry of the task resumes from the checkpoint
        with connect(warehouses.faulted) as conn:
            landed_ok(run_batch(conn, pilot, ENR, DAY1, rest_channel(pilot, f"{server.url}/{system}", TOKEN)))
    with connect(warehouses.faulted) as conn:
        comparisons = {e: compare(conn, pilot.pilot_id, e, s) for e, s in rest_sets(server, system).items()}
    feed_clean_rest(warehouses, pilot, system, server, F_SERVER_KILLED)
    check(F_SERVER_KILLED, 1, comparisons, [
        f"the server was SIGKILLed while holding page 4 ({pages_before} pages committed to the"
        " checkpoint), down for 1 s, then started again on the same port",
        "the extraction's own retries got through once it was back" if not retried else
        f"the attempt failed ({type(failures[0]).__name__}); the retry resumed from the checkpoint",
    ])  # fmt: skip


# --------------------------------------------------------------------------- 4-5. clear, backfill (Airflow)
def airflow_registry(pilot_id: str, path: Path) -> Path:
    """The registry with a copy of CAL under `pilot_id` (operations and enrolments only)."""
    raw = yaml.safe_load(REGISTRY_FILE.read_text(encoding="utf-8"))
    copy = dict(raw["pilots"]["cal_adda_martesana"])
    copy |= {
        "name": "fault-suite copy of cal_adda_martesana",
        "connection_id": f"pilot_{pilot_id}",
        "entities": {e: copy["entities"][e] for e in ENTITIES},
    }
    raw["pilots"][pilot_id] = copy
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def airflow(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = subprocess.run(
        ["airflow", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=900, check=False
    )
    return result.returncode, result.stdout + result.stderr


def dags_test(env: dict[str, str], dag_id: str, day: str) -> None:
    _, log = airflow(env, "dags", "test", dag_id, day)
    assert re.search(rf"DagRun Finished: dag_id={dag_id},.*state=success", log), log[-6000:]


def landings(conn: psycopg.Connection, pilot_id: str, day: str) -> list[tuple[str, bool]]:
    """(entity, superseded) of every landing of the pilot's batches for the interval ending `day`."""
    return conn.execute(
        "SELECT entity, superseded_at IS NOT NULL FROM raw.batches WHERE pilot_id = %s"
        " AND data_interval_start = %s ORDER BY entity, landing_id",
        (pilot_id, interval(day).start),
    ).fetchall()


@pytest.mark.slow
@pytest.mark.e2e
def test_cleared_run_through_airflow(test_env: TestEnv, warehouses: Warehouses) -> None:
    pilot_id = "cal_fault_airflow"
    dag_id = f"ingest_{pilot_id}"
    pilot = pilot_copy("cal_adda_martesana", pilot_id)
    root = FAULT_STATE / "faulted" / pilot_id
    inbox = root / "inbox"
    env = test_env.env | {
        "OSSERVATORIO_REGISTRY": str(airflow_registry(pilot_id, root / "pilots.yaml")),
        f"AIRFLOW_CONN_PILOT_{pilot_id.upper()}": json.dumps(
            {"conn_type": "fs", "extra": {"path": str(inbox)}}
        ),
        "AIRFLOW_CONN_OSSERVATORIO_WAREHOUSE": warehouses.faulted,
        f"AIRFLOW_VAR_{KEY_VARIABLE.upper()}": SECRET,  # the clean run pseudonymises with the same key
    }
    system = PilotSystem("cal_adda_martesana", 300, seed=23, defect_rate=0.0, today=TODAY)
    exports = write_drops(system, root / "exports", TODAY, "utf-8-sig", entities=ENTITIES)
    shutil.copytree(root / "exports", inbox)
    dags_test(env, dag_id, DAY1)
    code, log = airflow(env, "tasks", "clear", "-y", "-s", DAY1, "-e", DAY1, dag_id)
    assert code == 0, log[-4000:]
    dags_test(env, dag_id, DAY1)  # the cleared run, run again
    sets = {e: files_set(pilot, e, [p for p in exports if _is(e, p)], root / "scratch") for e in ENTITIES}
    with connect(warehouses.faulted) as conn:
        comparisons = {e: compare(conn, pilot_id, e, sets[e]) for e in ENTITIES}
        history = landings(conn, pilot_id, DAY1)
    feed_clean_files(warehouses, pilot, list(exports), DAY1)
    CLEAN_FED[F_CLEARED] = [pilot_id]
    check(F_CLEARED, 1, comparisons, [
        f"`airflow dags test {dag_id} {DAY1}`, `airflow tasks clear -y -s {DAY1} -e {DAY1} {dag_id}`,"
        " the same `dags test` again; the rerun re-read the files its batch had archived",
        "landings of the interval (record type, superseded): " + ", ".join(f"{e} {s}" for e, s in history),
    ])  # fmt: skip
    assert history == [(OPS, True), (OPS, False), (ENR, True), (ENR, False)], "a rerun supersedes, keeps"


def feed_clean_files(warehouses: Warehouses, pilot: Pilot, files: list[Path], day: str) -> None:
    """The clean run: the pilot's final files in a fresh inbox, landed once, no fault."""
    inbox = FAULT_STATE / "clean" / pilot.pilot_id / "inbox"
    shutil.rmtree(inbox.parent, ignore_errors=True)
    inbox.mkdir(parents=True)
    for path in files:
        shutil.copy2(path, inbox / path.name)
    with state_dir(FAULT_STATE / "clean"), connect(warehouses.clean) as conn:
        for entity in ENTITIES:
            landed_ok(run_batch(conn, pilot, entity, day, file_channel(pilot, inbox)))


def test_backfill_over_loaded_intervals_csv(warehouses: Warehouses) -> None:
    pilot = pilot_copy("cal_adda_martesana", "cal_fault_backfill")
    root = FAULT_STATE / "faulted" / pilot.pilot_id
    inbox = root / "inbox"
    inbox.mkdir(parents=True)
    channel = file_channel(pilot, inbox)
    system = PilotSystem("cal_adda_martesana", 300, seed=31, defect_rate=0.0, today=TODAY)
    ledgers = []
    with connect(warehouses.faulted) as conn:
        for path in write_drops(system, root / "exports" / "1", TODAY, "utf-8-sig", entities=ENTITIES):
            shutil.copy2(path, inbox / path.name)
        ledgers += run_files(conn, pilot, channel, DAY1)
        changed = system.touch(ENR, 5) + system.append(ENR, 5)  # the pilot's next export
        second = write_drops(
            system, root / "exports" / "2", date.fromisoformat(DAY1), "utf-8-sig", entities=ENTITIES
        )
        for path in second:
            shutil.copy2(path, inbox / path.name)
        ledgers += run_files(conn, pilot, channel, DAY2)
        for day in (DAY1, DAY2):  # the backfill, one run at a time, in order
            ledgers += run_files(conn, pilot, channel, day)
        sets = {e: files_set(pilot, e, [p for p in second if _is(e, p)], root / "scratch") for e in ENTITIES}
        comparisons = {e: compare(conn, pilot.pilot_id, e, sets[e]) for e in ENTITIES}
    feed_clean_files(warehouses, pilot, list(second), DAY2)
    CLEAN_FED[F_BACKFILL_CSV] = [pilot.pilot_id]
    check(F_BACKFILL_CSV, 2, comparisons, [
        f"{len(changed)} enrolments changed or added between the exports of {DAY1} and {DAY2}; after both"
        " intervals landed, both ran again in order (the reruns re-read their archived files)",
        LEDGERS + "; ".join(ledgers),
    ])  # fmt: skip


def run_files(conn: psycopg.Connection, pilot: Pilot, channel: object, day: str) -> list[str]:
    """Both record types of the interval ending `day`; the enrolments' ledger, as text."""
    ledger = []
    for entity in ENTITIES:
        outcome = run_batch(conn, pilot, entity, day, channel)
        landed_ok(outcome)
        if entity == ENR:
            ledger.append(f"{day} {_counts(outcome)}")
    return ledger


def _counts(outcome: BatchOutcome) -> str:
    landed = outcome.landed
    assert landed is not None
    return f"{landed.received}/{landed.loaded}/{landed.unchanged}/{landed.quarantined}"


def _is(entity: str, path: Path) -> bool:
    return path.name.startswith({OPS: "progetti_", ENR: "partecipanti_"}[entity])


# --------------------------------------------------------------------------- 5-6. REST intervals
def test_backfill_over_loaded_intervals_rest(warehouses: Warehouses, server: PilotServer) -> None:
    system = "tdz_tor_bella_monaca"
    server.admin("POST", f"{system}/reset")
    pilot = rest_pilot("tdz_fault_backfill", system)
    changes, ledgers = [], []
    with connect(warehouses.faulted) as conn:
        ledgers += run_rest(conn, pilot, system, server, DAY1)
        changes += server.touch(system, ENR, 4) + server.append(system, ENR, 3)
        ledgers += run_rest(conn, pilot, system, server, DAY2)
        changes += server.touch(system, ENR, 3)
        ledgers += run_rest(conn, pilot, system, server, DAY3)
        for day in (DAY1, DAY2, DAY3):  # the backfill, one run at a time, in order
            ledgers += run_rest(conn, pilot, system, server, day)
        comparisons = {e: compare(conn, pilot.pilot_id, e, s) for e, s in rest_sets(server, system).items()}
    feed_clean_rest(warehouses, pilot, system, server, F_BACKFILL_REST)
    check(F_BACKFILL_REST, 3, comparisons, [
        f"intervals ending {DAY1}, {DAY2}, {DAY3} landed incrementally, with {len(changes)} changes at the"
        " pilot (new versions, new records) between them; then all three ran again in order",
        LEDGERS + "; ".join(ledgers),
    ])  # fmt: skip


def test_out_of_order_intervals(warehouses: Warehouses, server: PilotServer) -> None:
    system = "cmrc_col"
    server.admin("POST", f"{system}/reset")
    pilot = rest_pilot("col_fault_out_of_order", system)
    changes, ledgers = [], []
    with connect(warehouses.faulted) as conn:
        ledgers += run_rest(conn, pilot, system, server, DAY3)
        changes += server.touch(system, ENR, 4) + server.append(system, ENR, 3)
        ledgers += run_rest(conn, pilot, system, server, DAY1)
        changes += server.touch(system, ENR, 3)
        ledgers += run_rest(conn, pilot, system, server, DAY2)
        comparisons = {e: compare(conn, pilot.pilot_id, e, s) for e, s in rest_sets(server, system).items()}
    feed_clean_rest(warehouses, pilot, system, server, F_OUT_OF_ORDER)
    check(F_OUT_OF_ORDER, 2, comparisons, [
        f"intervals run in the order {DAY3}, {DAY1}, {DAY2}, with {len(changes)} changes at the pilot"
        " between the runs",
        LEDGERS + "; ".join(ledgers),
    ])  # fmt: skip


# --------------------------------------------------------------------------- 7. corrected resend
def test_corrected_resend_replaces_the_record(warehouses: Warehouses) -> None:
    pilot = pilot_copy("cal_adda_martesana", "cal_fault_resend")
    root = FAULT_STATE / "faulted" / pilot.pilot_id
    inbox, exports = root / "inbox", root / "exports"
    system = PilotSystem("cal_adda_martesana", 300, seed=29, defect_rate=0.0, today=TODAY)
    files = write_drops(system, exports, TODAY, "utf-8-sig", entities=ENTITIES)
    shutil.copytree(exports, inbox)
    channel = file_channel(pilot, inbox)
    with connect(warehouses.faulted) as conn:
        for entity in ENTITIES:
            landed_ok(run_batch(conn, pilot, entity, DAY1, channel))
    [original] = [p for p in files if _is(ENR, p)]
    corrected, record_id = correct_one_row(original, exports / "corrected")
    shutil.copy2(corrected, inbox / corrected.name)  # the pilot drops it under the same name
    with connect(warehouses.faulted) as conn:
        for entity in ENTITIES:  # the interval is rerun
            landed_ok(run_batch(conn, pilot, entity, DAY1, channel))
        sets = {
            OPS: files_set(pilot, OPS, [p for p in files if _is(OPS, p)], root / "scratch"),
            ENR: files_set(pilot, ENR, [corrected], root / "scratch"),
        }
        comparisons = {e: compare(conn, pilot.pilot_id, e, sets[e]) for e in ENTITIES}
        versions = conn.execute(
            f"SELECT record_hash, superseded_at IS NULL FROM raw.{ENR} WHERE pilot_id = %s"
            " AND source_record_id = %s ORDER BY landing_id",
            (pilot.pilot_id, record_id),
        ).fetchall()
    archived = sorted(p.name for p in (root / "archive").rglob("partecipanti_*"))
    current = [digest for digest, is_current in versions if is_current]
    feed_clean_files(warehouses, pilot, [*(p for p in files if _is(OPS, p)), corrected], DAY1)
    CLEAN_FED[F_RESEND] = [pilot.pilot_id]
    check(F_RESEND, 1, comparisons, [
        f"{corrected.name} dropped again with record {record_id} changed (residence comune), the"
        f" interval rerun; versions of {record_id} in raw: {len(versions)}, current:"
        f" {'the corrected one' if current == [sets[ENR][record_id]] else current};"
        f" archive: {', '.join(archived)}",
    ])  # fmt: skip
    assert [current for _, current in versions] == [False, True]
    assert versions[-1][0] == sets[ENR][record_id]
    assert archived == [original.name, original.name.replace(".csv", "~2.csv")]


def correct_one_row(original: Path, folder: Path) -> tuple[Path, str]:
    """The export with its first record's residence comune changed to another of the pilot's
    comuni, same name, same encoding; returns (file, record id)."""
    text = original.read_text(encoding="utf-8-sig")
    lines = text.splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(";")
    cells = lines[1].rstrip("\r\n").split(";")
    where = header.index("Comune di residenza (ISTAT)")
    comuni = pilot_copy("cal_adda_martesana", "probe").comuni
    cells[where] = next(c for c in comuni if c != cells[where])
    lines[1] = ";".join(cells) + lines[1][len(lines[1].rstrip("\r\n")) :]
    folder.mkdir(parents=True, exist_ok=True)
    corrected = folder / original.name
    corrected.write_text("".join(lines), encoding="utf-8-sig", newline="")
    return corrected, cells[header.index("ID iscrizione")]


# --------------------------------------------------------------------------- marts and figures
@pytest.mark.slow
def test_marts_equal_a_clean_runs(cluster: FaultCluster, warehouses: Warehouses) -> None:
    if not CLEAN_FED:
        pytest.skip("no fault ran in this session: nothing to compare")
    builds = {
        label: dbt_build(cluster.env(db), label, REPORTING_DATE)
        for label, db in (("faulted", "osservatorio_faulted"), ("clean", "osservatorio_clean"))
    }
    try:
        outputs = {label: build.communicate(timeout=300)[0] for label, build in builds.items()}
    finally:
        for build in builds.values():
            if build.poll() is None:
                build.kill()
                build.wait()
    for label, build in builds.items():
        output = outputs[label]
        assert build.returncode == 0, f"dbt build ({label}):\n{output[-6000:]}"
        assert "ERROR=0" in output, f"dbt build ({label}):\n{output[-6000:]}"
    pilots = sorted({p for fed in CLEAN_FED.values() for p in fed})
    faulted, clean = marts_digests(warehouses.faulted, pilots), marts_digests(warehouses.clean, pilots)
    assert faulted, "dbt built no marts table"
    assert set(faulted) == set(clean), (sorted(faulted), sorted(clean))
    for table in sorted(faulted):
        f, c = faulted[table], clean[table]
        figures.record_mart(table, f.columns, f.excluded, f.rows, c.rows, f.digest == c.digest, f.kind)
    for fault, pilots in CLEAN_FED.items():
        same = all(
            faulted[t].by_pilot.get(p) == clean[t].by_pilot.get(p)
            for t in faulted
            if faulted[t].by_pilot or clean[t].by_pilot
            for p in pilots
        )
        figures.record_fault_marts(fault, same)
    assert "esf_indicators" in faulted
    assert all(faulted["esf_indicators"].by_pilot.get(p) for pilots in CLEAN_FED.values() for p in pilots), (
        "every faulted pilot has EECO01 rows"
    )
    differing = {t: (faulted[t].rows, clean[t].rows) for t in faulted if faulted[t].digest != clean[t].digest}
    assert not differing, (
        f"marts differ from a clean run's (rows faulted, clean): {differing}; per fault:"
        + str({fault: figures.FAULT_MARTS[fault] for fault in CLEAN_FED})
    )


def test_figures_report_nothing_lost_duplicated_or_changed() -> None:
    """The figures docs/reliability.md reports, as the session collected them."""
    assert figures.FAULTS, "no fault figures were collected (run the fault tests above)"
    bad = [f for f in figures.FAULTS if f.lost or f.duplicated or f.changed or not f.survived]
    assert not bad, f"faults with records lost, duplicated or changed: {bad}"
    assert all(figures.FAULT_MARTS.values()), f"marts differ from a clean run's: {figures.FAULT_MARTS}"

"""What the fault-injection suite (test_faults.py) needs beyond the shared harness: a PostgreSQL
cluster of its own that it may restart, the simulated REST pilots as a process it may kill, the
load step as a process it may SIGKILL, and the comparisons it ends with (landed set against
source set, marts of the faulted warehouse against a clean one's).

The cluster is separate from the project's (scripts/postgres.sh with its own port and state
folder): other test sessions share the project's cluster, and restarting it would break them.

    python -m tests.hostile.fault_tools land <validated.json> <pilot> <original pilot> <inbox> <app>

runs the load step (osservatorio.pipeline.land_step) on a validated batch's XCom, as the DAG's
`load` task does, in a process of its own (the suite kills it mid-COPY).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import requests

from osservatorio.envelope import read_lines, record_hash
from osservatorio.land.warehouse import RECORD_TYPES
from pilot_systems.ports import free_port, wait_for_port
from tests.conftest import REPO, TEST_SLOT, TEST_STATE

if TYPE_CHECKING:
    from collections.abc import Iterator

    from osservatorio.manifest import ValidatedBatch
    from osservatorio.registry import Pilot

# The suite's own cluster; `make clean` removes it with the rest of .local.
PG_STATE = REPO / ".local" / f"{TEST_SLOT or 'faults'}_pg"
# Work files, inboxes and archives of the suite (under the session's test state, wiped per session).
FAULT_STATE = TEST_STATE / "faults"
# Marts columns that record when or through which batch and location something was loaded, not
# what: left out of the comparison. After a fault the same record may arrive through a resent
# file or a retried page; its id and the hash of its content are still compared.
LOAD_TIMESTAMP_COLUMNS = (
    "quarantined_at", "first_quarantined_at", "ingested_at", "landed_at", "last_landed_at", "resolved_at",
    "refused_at", "superseded_at", "validated_at", "batch_id", "source_location",
)  # fmt: skip


# --------------------------------------------------------------------------- the suite's cluster
@dataclass
class FaultCluster:
    """A PostgreSQL cluster run by scripts/postgres.sh on its own port and state folder."""

    base_env: dict[str, str]
    port: int = field(default_factory=free_port)

    def env(self, database: str = "osservatorio_faulted") -> dict[str, str]:
        env = {k: v for k, v in self.base_env.items() if k != "OSSERVATORIO_PG_ADMIN_URL"}
        return env | {
            "OSSERVATORIO_PG_STATE_DIR": str(PG_STATE),
            "OSSERVATORIO_PG_HOST": "127.0.0.1",
            "OSSERVATORIO_PG_PORT": str(self.port),
            "OSSERVATORIO_WAREHOUSE_DB": database,
            "OSSERVATORIO_AIRFLOW_DB": "airflow_unused",
            "AIRFLOW_CONN_OSSERVATORIO_WAREHOUSE": self.uri(database),
        }

    def uri(self, database: str) -> str:
        password = self.base_env["OSSERVATORIO_PIPELINE_PASSWORD"]
        return f"postgresql://osservatorio_pipeline:{password}@127.0.0.1:{self.port}/{database}"

    def script(self, *args: str, database: str = "osservatorio_faulted") -> None:
        result = subprocess.run(
            ["scripts/postgres.sh", *args],
            env=self.env(database),
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if result.returncode != 0:
            raise AssertionError(f"scripts/postgres.sh {' '.join(args)}: {result.stderr[-3000:]}")

    def start(self) -> None:
        self.script("start")

    def stop(self) -> None:
        self.script("stop")

    def restart(self) -> None:
        """What `pg_ctl restart -m fast` does: fast shutdown (open transactions rolled back), start."""
        self.stop()
        self.start()

    def fresh_database(self, database: str) -> str:
        """A created, emptied and migrated warehouse database; returns its URI."""
        self.script("start", database=database)  # provisions the database and its owner
        uri = self.uri(database)
        with psycopg.connect(uri, autocommit=True) as conn:
            for schema in ("raw", "staging", "intermediate", "marts", "reference", "analytics"):
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        subprocess.run(
            [sys.executable, "-m", "osservatorio.land.migrate"],
            env=self.env(database),
            cwd=REPO,
            check=True,
            capture_output=True,
            timeout=120,
        )
        return uri


def server_binaries_present() -> bool:
    return any(Path("/usr/lib/postgresql").glob("*/bin/initdb")) or bool(
        os.environ.get("OSSERVATORIO_PG_BIN")
    )


# --------------------------------------------------------------------------- watching PostgreSQL
def wait_for_statement(
    uri: str, application_name: str, prefix: str, timeout: float = 120, alive: Any = None
) -> bool:
    """Whether a session named `application_name` runs a statement starting with `prefix`
    (pg_stat_activity, polled every 5 ms) within `timeout`; stops early when `alive()` is false."""
    with psycopg.connect(uri, autocommit=True) as conn:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = conn.execute(
                "SELECT 1 FROM pg_stat_activity WHERE application_name = %s AND state = 'active'"
                " AND query LIKE %s",
                (application_name, prefix + "%"),
            ).fetchone()
            if found:
                return True
            if alive is not None and not alive():
                return False
            time.sleep(0.005)
    return False


def wait_for_session_gone(uri: str, application_name: str, timeout: float = 30) -> None:
    """PostgreSQL notices a killed client at its next read: wait until its backend has ended."""
    with psycopg.connect(uri, autocommit=True) as conn:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            [count] = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (application_name,)
            ).fetchone()
            if count == 0:
                return
            time.sleep(0.05)
    raise AssertionError(f"the backend of {application_name} is still there after {timeout} s")


def batch_traces(conn: psycopg.Connection, batch_id: str, entity: str) -> dict[str, int]:
    """Every row a batch left in raw (current or superseded): what a failed landing must not leave."""
    pilot_id = batch_id.split("/", 1)[0]
    counts = {}
    for table in (entity, "quarantine", "validation_results", "batches", "files"):
        [counts[table]] = conn.execute(
            f"SELECT count(*) FROM raw.{table} WHERE pilot_id = %s AND batch_id = %s", (pilot_id, batch_id)
        ).fetchone()
    return counts


# --------------------------------------------------------------------------- the load step as a process
def land_in_process_of_its_own(
    env: dict[str, str], ready: ValidatedBatch, pilot: Pilot, original: str, inbox: Path, app: str
) -> subprocess.Popen[str]:
    """The load task in a process of its own (started, not waited for)."""
    handover = FAULT_STATE / "xcom" / f"{pilot.pilot_id}.{ready.extraction.batch.entity}.json"
    handover.parent.mkdir(parents=True, exist_ok=True)
    handover.write_text(json.dumps(ready.to_xcom()))
    command = ["land", str(handover), pilot.pilot_id, original, str(inbox), app]
    return subprocess.Popen(
        [sys.executable, "-m", "tests.hostile.fault_tools", *command],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _land_main(validated: str, pilot_id: str, original: str, inbox: str, app: str) -> None:
    from osservatorio.manifest import ValidatedBatch
    from osservatorio.pipeline import land_step
    from osservatorio.warehouse import warehouse_uri
    from tests.hostile.harness import file_channel, pilot_copy

    ready = ValidatedBatch.from_xcom(json.loads(Path(validated).read_text()))
    pilot = pilot_copy(original, pilot_id)
    with psycopg.connect(warehouse_uri(), application_name=app) as conn:
        landed = land_step(pilot, file_channel(pilot, Path(inbox)), ready, conn)
    print(json.dumps(landed.to_xcom()))


# --------------------------------------------------------------------------- the simulated REST pilots
@dataclass
class PilotServer:
    """pilot_systems.rest_api as a process of its own, which a test may kill and start again
    (same port, seed and size: the same records)."""

    env: dict[str, str]
    token: str
    size: int
    seed: int
    pilots: tuple[str, ...]
    today: str
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pilot_systems.rest_api", "--port", str(self.port), "--token", self.token,
             "--size", str(self.size), "--seed", str(self.seed), "--defect-rate", "0",
             "--pilots", ",".join(self.pilots), "--today", self.today],
            cwd=REPO, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        if not wait_for_port(self.port, timeout=20):
            self.proc.kill()
            raise AssertionError(f"the simulated pilot server did not start on port {self.port}")
        self.starts += 1

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, open connections dropped by the kernel."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def admin(self, method: str, path: str, body: object = None) -> Any:
        response = requests.request(method, f"{self.url}/_admin/{path}", json=body, timeout=60)
        response.raise_for_status()
        return response.json() if "json" in response.headers.get("content-type", "") else response.text

    def inject(self, *faults: dict[str, object]) -> None:
        self.admin("POST", "faults", list(faults))

    def pending_faults(self) -> list[dict[str, object]]:
        return self.admin("GET", "faults")["pending"]

    def source_set(self, pilot: str, entity: str) -> dict[str, str]:
        """What the pilot serves now: record id -> content hash (16 hex digits, pilot_systems')."""
        text = self.admin("GET", f"{pilot}/{entity}/ids")
        return dict(line.split("\t") for line in text.splitlines() if line)

    def touch(self, pilot: str, entity: str, count: int) -> list[str]:
        return self.admin("POST", f"{pilot}/touch", {"entity": entity, "count": count})["touched"]

    def append(self, pilot: str, entity: str, count: int) -> list[str]:
        return self.admin("POST", f"{pilot}/append", {"entity": entity, "count": count})["appended"]


# --------------------------------------------------------------------------- source and landed sets
def extracted_set(path: Path, id_field: str) -> dict[str, str]:
    """Record id -> record_hash of every record of an extraction file (JSON lines, as sent)."""
    found: dict[str, str] = {}
    for item in read_lines(path):
        record_id = str(item["record"][id_field])
        assert record_id not in found, f"{record_id} twice in {path}: the source set must be a set"
        found[record_id] = record_hash(item["record"])
    return found


def files_set(pilot: Pilot, entity: str, files: list[Path], scratch: Path) -> dict[str, str]:
    """The source set of dropped files: read with the pilot's own channel (no warehouse), hashed
    as sent. The files are copied to a scratch inbox first (extraction never moves them, but the
    channel must not see anything else)."""
    import shutil

    from osservatorio.manifest import BatchManifest
    from tests.hostile.harness import file_channel, interval

    inbox = scratch / "inbox"
    shutil.rmtree(scratch, ignore_errors=True)
    inbox.mkdir(parents=True)
    for path in files:
        shutil.copy2(path, inbox / path.name)
    probe = BatchManifest(f"{pilot.pilot_id}_source", entity, interval("2099-01-02"))
    with state_dir(scratch / "state"):
        extraction = file_channel(pilot, inbox).extract(probe, None)
    return extracted_set(extraction.path, pilot.entities[entity].fields[_id_name(entity)])


def _id_name(entity: str) -> str:
    from osservatorio.contract import record_type

    return record_type(entity).fields[0].name  # the record's own id comes first in every contract


CURRENT_VERSION_ORDER = (
    "(record ->> 'source_updated_at')::timestamptz DESC NULLS LAST, data_interval_start DESC,"
    " ingested_at DESC, landing_id DESC"
)  # dbt's records_known_at: the version staging shows


@dataclass(frozen=True)
class Comparison:
    """The landed set of one pilot's record type against its source set."""

    lost: tuple[str, ...]  # source ids with no current version landed
    changed: tuple[str, ...]  # current version's hash differs from the source's
    unexpected: tuple[str, ...]  # landed ids the source does not have
    duplicated: int  # current rows repeating a version, or an id within one batch
    source: int
    landed: int

    @property
    def exact(self) -> bool:
        return not (self.lost or self.changed or self.unexpected or self.duplicated)

    def explain(self) -> str:
        return (
            f"{self.source} in the source, {self.landed} landed: lost {list(self.lost[:10])}"
            f" ({len(self.lost)}), changed {list(self.changed[:10])} ({len(self.changed)}),"
            f" unexpected {list(self.unexpected[:10])} ({len(self.unexpected)}),"
            f" duplicated rows {self.duplicated}"
        )


def compare(conn: psycopg.Connection, pilot_id: str, entity: str, source: dict[str, str]) -> Comparison:
    """Current rows (superseded_at IS NULL) of the pilot's record type, the version staging shows
    per id, against `source` (id -> hash; 16-digit hashes compare as prefixes)."""
    assert entity in RECORD_TYPES
    landed = dict(
        conn.execute(
            f"SELECT DISTINCT ON (source_record_id) source_record_id, record_hash FROM raw.{entity}"
            " WHERE pilot_id = %s AND superseded_at IS NULL"
            f" ORDER BY source_record_id, {CURRENT_VERSION_ORDER}",
            (pilot_id,),
        ).fetchall()
    )
    [duplicated] = conn.execute(
        "SELECT count(*) FROM (SELECT"
        " row_number() OVER (PARTITION BY source_record_id, record_hash ORDER BY landing_id) AS same_version,"
        " row_number() OVER (PARTITION BY source_record_id, batch_id ORDER BY landing_id) AS same_batch"
        f" FROM raw.{entity} WHERE pilot_id = %s AND superseded_at IS NULL) rows"
        " WHERE same_version > 1 OR same_batch > 1",
        (pilot_id,),
    ).fetchone()
    lost = sorted(set(source) - set(landed))
    unexpected = sorted(set(landed) - set(source))
    changed = sorted(rid for rid in set(source) & set(landed) if not landed[rid].startswith(source[rid]))
    return Comparison(tuple(lost), tuple(changed), tuple(unexpected), duplicated, len(source), len(landed))


@contextlib.contextmanager
def state_dir(path: Path) -> Iterator[Path]:
    """OSSERVATORIO_STATE_DIR for in-process pipeline steps (work files) while in the block."""
    before = os.environ.get("OSSERVATORIO_STATE_DIR")
    os.environ["OSSERVATORIO_STATE_DIR"] = str(path)
    try:
        yield path
    finally:
        if before is None:
            os.environ.pop("OSSERVATORIO_STATE_DIR", None)
        else:
            os.environ["OSSERVATORIO_STATE_DIR"] = before


# --------------------------------------------------------------------------- marts
def dbt_build(env: dict[str, str], label: str, reporting_date: str) -> subprocess.Popen[str]:
    """A real `dbt build` (seeds, models, data and unit tests) on the database `env` names, with
    target and log folders of its own; started, not waited for."""
    out = FAULT_STATE / "dbt" / label
    out.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        ["dbt", "build", "--project-dir", "dbt_project", "--target-path", str(out / "target"),
         "--log-path", str(out / "logs"), "--vars", json.dumps({"reporting_date": reporting_date}),
         "--exclude-resource-type", "unit_test"],  # unit tests read no data: tests/dbt runs them
        env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


@dataclass(frozen=True)
class TableDigest:
    kind: str  # table | view
    columns: tuple[str, ...]  # compared
    excluded: tuple[str, ...]  # load timestamps, left out
    rows: int
    digest: str  # md5 of the sorted rows
    by_pilot: dict[str, str]  # pilot_id -> md5 of its sorted rows (tables with a pilot_id)


def marts_digests(uri: str, pilots: list[str]) -> dict[str, TableDigest]:
    """Every relation of the marts schema (tables, views): md5 of its rows as text, sorted, without
    load timestamps; of relations with a pilot_id, only the rows of `pilots` (a pilot whose clean
    run was not fed cannot be compared)."""
    digests = {}
    with psycopg.connect(uri) as conn:
        tables = [
            (name, kind)
            for name, kind in conn.execute(
                "SELECT table_name, lower(table_type) FROM information_schema.tables"
                " WHERE table_schema = 'marts' AND table_type IN ('BASE TABLE', 'VIEW') ORDER BY 1"
            )
        ]
        for table, kind in tables:
            columns = [
                name
                for (name,) in conn.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts'"
                    " AND table_name = %s ORDER BY ordinal_position",
                    (table,),
                )
            ]
            kept = tuple(c for c in columns if c not in LOAD_TIMESTAMP_COLUMNS)
            excluded = tuple(c for c in columns if c in LOAD_TIMESTAMP_COLUMNS)
            row = "row(" + ", ".join(f'"{c}"' for c in kept) + ")::text"
            where = "WHERE pilot_id = ANY(%(pilots)s)" if "pilot_id" in kept else ""
            rows, digest = conn.execute(
                f"SELECT count(*), coalesce(md5(string_agg({row}, E'\\n' ORDER BY {row})), '')"
                f' FROM marts."{table}" {where}',
                {"pilots": pilots} if where else None,
            ).fetchone()
            by_pilot = {}
            if "pilot_id" in kept:
                by_pilot = dict(
                    conn.execute(
                        f"SELECT pilot_id, md5(string_agg({row}, E'\\n' ORDER BY {row}))"
                        f' FROM marts."{table}" GROUP BY pilot_id'
                    ).fetchall()
                )
            digests[table] = TableDigest(
                kind.replace("base ", ""), tuple(kept), excluded, rows, digest, by_pilot
            )
    return digests


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "land":
        _land_main(*sys.argv[2:])
    else:
        raise SystemExit(__doc__)

"""Shared fixtures: the test environment (own databases, own Airflow home, own state folder) on
the project's real PostgreSQL, and the simulated pilot systems served over real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pilot_systems.ports import free_port, wait_for_port

if TYPE_CHECKING:
    from collections.abc import Iterator

REPO = Path(__file__).resolve().parents[1]
# OSSERVATORIO_TEST_SLOT lets two test sessions share the cluster without sharing databases or
# state (e.g. a developer running one test file while the whole suite runs). Each pytest-xdist
# worker (`make test` runs two, one per core) is a slot of its own too.
_SLOT_PARTS = (os.environ.get("OSSERVATORIO_TEST_SLOT", ""), os.environ.get("PYTEST_XDIST_WORKER", ""))
TEST_SLOT = "_".join(part for part in _SLOT_PARTS if part)
TEST_STATE = REPO / ".local" / f"test{TEST_SLOT and '_' + TEST_SLOT}"

# The simulated pilots the end-to-end tests run against: small, with many defects, "today" fixed.
SIM_SEED = 7
SIM_SIZE = 300
SIM_DEFECT_RATE = 0.1
SIM_TODAY = "2026-11-20"
SIM_TOKEN = "local-test-pilot-token"
FILE_PILOTS = {"cal_adda_martesana": "utf-8-sig", "zot_pratico": "cp1252"}  # CSV encoding (XLSX: unused)


def dbt_target(name: str) -> str:
    """A dbt --target-path of this slot's own: two slots building at once must not share one."""
    return f"{name}{TEST_SLOT and '-' + TEST_SLOT}"


# Tests that share an expensive set-up run on the same xdist worker: the session's pipeline run
# (tests/e2e, `pipeline_ran`), the hostile suite (its own cluster, one figures page), else each
# module (its module fixtures). The longest groups go first, so that the two workers finish
# together instead of one running the scheduler test alone at the end. (xdist's own
# `--dist loadgroup` marks are not honoured with pytest 9, so the grouping is a scheduler.)
_OWN_SESSION_SETUP = ("tests/e2e/test_bad_input.py", "tests/e2e/test_new_pilot.py")
_LONGEST_FIRST = ("tests/scheduler/", "e2e_pipeline", "hostile", "tests/e2e/test_bad_input.py", "tests/web/")


def shared_setup_group(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    if path.startswith("tests/e2e/") and path not in _OWN_SESSION_SETUP:
        return "e2e_pipeline"
    return "hostile" if path.startswith("tests/hostile/") else path


def _weight(nodeid: str) -> int:
    group = shared_setup_group(nodeid)
    return next((rank for rank, p in enumerate(_LONGEST_FIRST) if group.startswith(p)), len(_LONGEST_FIRST))


# Modules that land more data after the session's pipeline run (corrections of operations) run
# after the ones that count what that run landed.
_AFTER_THE_COUNTS = ("tests/e2e/test_compliance_packages.py",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # stable: the order within a group is otherwise kept
    items.sort(key=lambda item: (_weight(item.nodeid), item.nodeid.startswith(_AFTER_THE_COUNTS)))


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    from xdist.scheduler import LoadScopeScheduling

    class SharedSetupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return shared_setup_group(nodeid)

    return SharedSetupScheduling(config, log)


def load_env(overrides: dict[str, str]) -> dict[str, str]:
    """The environment scripts/env.sh produces on top of `overrides`."""
    # Keep the user's server settings (OSSERVATORIO_PG_PORT, OSSERVATORIO_PG_ADMIN_URL, ...): drop only
    # what the tests set themselves and anything derived from it.
    derived = ("AIRFLOW", "DBT_", "OSSERVATORIO_PILOT_DROPS", "OSSERVATORIO_STATE_DIR")
    base = {k: v for k, v in os.environ.items() if not k.startswith(derived) and k not in overrides}
    out = subprocess.run(
        ["bash", "-c", f". '{REPO}/scripts/env.sh' && env -0"],
        env=base | overrides,
        capture_output=True,
        check=True,
    ).stdout
    return dict(item.split("=", 1) for item in out.decode().split("\0") if "=" in item)


@dataclass(frozen=True)
class TestEnv:
    __test__ = False  # a fixture type, not a test class

    env: dict[str, str]
    pilots_url: str

    def run(self, *args: str, timeout: int = 600, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            list(args), env=self.env, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(args)} exited {result.returncode}:\n{result.stdout[-4000:]}\n"
                f"{result.stderr[-4000:]}"
            )
        return result

    @property
    def warehouse_uri(self) -> str:
        return self.env["AIRFLOW_CONN_OSSERVATORIO_WAREHOUSE"]


@pytest.fixture(scope="session")
def pilots_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def test_env(pilots_port: int) -> Iterator[TestEnv]:
    """Test databases in the project's cluster, a migrated Airflow metadata DB, a fresh state folder."""
    import shutil

    shutil.rmtree(TEST_STATE, ignore_errors=True)
    overrides = {
        "OSSERVATORIO_STATE_DIR": str(TEST_STATE),
        "OSSERVATORIO_WAREHOUSE_DB": f"osservatorio_test{TEST_SLOT and '_' + TEST_SLOT}",
        "OSSERVATORIO_AIRFLOW_DB": f"airflow_test{TEST_SLOT and '_' + TEST_SLOT}",
        "OSSERVATORIO_PILOTS_PORT": str(pilots_port),
        "OSSERVATORIO_PILOT_TOKEN": SIM_TOKEN,
        "AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY": "1",
    }
    env = load_env(overrides)
    # One start at a time: parallel workers would race to provision the same roles.
    import fcntl

    lock_path = REPO / ".local" / "test-postgres-start.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subprocess.run(["scripts/postgres.sh", "start"], env=env, cwd=REPO, check=True, capture_output=True)
    # A clean warehouse: drop what an earlier test session built.
    clean_warehouse(env)
    subprocess.run(["scripts/airflow_init.sh"], env=env, cwd=REPO, check=True, capture_output=True)
    env = load_env(overrides)  # now with the pseudonymisation key airflow_init.sh generated
    return TestEnv(env=env, pilots_url=f"http://127.0.0.1:{pilots_port}")


def clean_warehouse(env: dict[str, str]) -> None:
    """Drop every schema the pipeline and dbt built, then apply the raw migrations again, as
    `make setup` does: the warehouse as a fresh clone has it."""
    import psycopg

    # The download log belongs to a role nobody logs in as (docs/roles.md): the superuser drops it.
    subprocess.run(
        ["scripts/postgres.sh", "psql", "-c", "DROP SCHEMA IF EXISTS audit CASCADE"],
        env=env, cwd=REPO, check=True, capture_output=True,
    )  # fmt: skip
    with psycopg.connect(env["AIRFLOW_CONN_OSSERVATORIO_WAREHOUSE"], autocommit=True) as conn:
        for schema in (
            "raw",
            "staging",
            "intermediate",
            "marts",
            "reference",
            "compliance",
            "open_data",
            "analytics",
        ):
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    # The raw schema comes from the versioned migrations, as `make setup` applies them.
    migrate = [sys.executable, "-m", "osservatorio.land.migrate"]
    subprocess.run(migrate, env=env, cwd=REPO, check=True, capture_output=True)
    subprocess.run(["scripts/postgres.sh", "seal-audit"], env=env, cwd=REPO, check=True, capture_output=True)


def inbox(pilot: str) -> Path:
    return TEST_STATE / "pilot_drops" / pilot / "inbox"


@pytest.fixture(scope="session")
def pilot_systems(test_env: TestEnv, pilots_port: int) -> Iterator[str]:
    """The simulated pilot systems: REST pilots over HTTP on 127.0.0.1 for the whole session,
    file pilots as one extraction dropped into their inboxes."""
    common = ["--size", str(SIM_SIZE), "--seed", str(SIM_SEED), "--defect-rate", str(SIM_DEFECT_RATE)]
    for pilot, encoding in FILE_PILOTS.items():
        subprocess.run(
            [sys.executable, "-m", "pilot_systems.drops", "--pilot", pilot, "--inbox", str(inbox(pilot)),
             *common, "--encoding", encoding, "--date", SIM_TODAY],
            cwd=REPO, env=test_env.env, check=True, capture_output=True,
        )  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "pilot_systems.rest_api", "--port", str(pilots_port), "--token", SIM_TOKEN,
         *common, "--today", SIM_TODAY],
        cwd=REPO, env=test_env.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    if not wait_for_port(pilots_port):
        proc.kill()
        pytest.fail(f"simulated pilot systems did not start: {proc.stdout.read() if proc.stdout else ''}")
    yield test_env.pilots_url
    proc.terminate()
    proc.wait(timeout=10)

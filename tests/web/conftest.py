"""A real Airflow API server (no scheduler) serving the download page, with three users, on a free
loopback port, its own metadata and warehouse databases, and a package store written here.

Users (SimpleAuthManager, fixed passwords): carol, a program officer with the lowest Airflow role
(viewer); bob, a viewer who is no program officer; alice, an Airflow admin who is no program
officer either. OSSERVATORIO_PROGRAM_OFFICERS names carol only.

The store holds packages built by hand (files, and manifests whose SHA-256 are computed here), the
traps the page must not fall into (symbolic links out of the store, a file outside the manifest, a
damaged file, a version still being written), and a secret file outside the store that no answer
may contain.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
import requests

from pilot_systems.ports import free_port, wait_for_port
from tests.conftest import REPO, TEST_SLOT, TEST_STATE, load_env

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

STATE = TEST_STATE.parent / f"{TEST_STATE.name}_web"  # not under TEST_STATE: test_env wipes that
SUFFIX = f"_{TEST_SLOT}" if TEST_SLOT else ""
PREFIX = "/compliance-packages"
PASSWORDS = {"alice": "alice-web-test", "bob": "bob-web-test", "carol": "carol-web-test"}
USERS = "alice:admin,bob:viewer,carol:viewer"
OFFICERS = "carol"
SECRET = b"top secret: outside the package store\n"


@dataclass(frozen=True)
class PackageFileSpec:
    cutoff: str
    version: str
    name: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def url_path(self) -> str:
        from urllib.parse import quote

        return f"{PREFIX}/packages/{self.cutoff}/{self.version}/{quote(self.name, safe='')}"


@dataclass(frozen=True)
class Store:
    root: Path
    secret: Path  # outside the store
    files: dict[str, PackageFileSpec]  # by a short key the tests use


def write_version(root: Path, cutoff: str, version: str, files: dict[str, bytes], **manifest: Any) -> Path:
    """A package version folder with its files and a manifest listing their SHA-256."""
    folder = root / cutoff / version
    folder.mkdir(parents=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    body = {
        "cutoff_date": manifest.pop("cutoff_date"),
        "submission_period": cutoff,
        "version": int(version[1:]),
        "supersedes": manifest.pop("supersedes", None),
        "generated_at": manifest.pop("generated_at", "2026-07-01T06:00:00+00:00"),
        **manifest,
        "files": {name: hashlib.sha256(content).hexdigest() for name, content in files.items()},
    }
    (folder / "manifest.json").write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder


def build_store(root: Path, outside: Path) -> Store:
    """The package store of the tests (see the module docstring)."""
    secret = outside / "secret.txt"
    secret.write_bytes(SECRET)
    csv_june = "Operation_Unique_Identifier,Beneficiary_Name\nOP-1,Cooperativa Città Aperta\n".encode()
    xlsx = b"PK\x03\x04 not really a workbook, bytes are bytes \x00\xff"
    html = b"<!DOCTYPE html><html><body><script>alert('summary')</script>charts</body></html>"
    csv_june_v2 = csv_june + "OP-2,Società Cooperativa\n".encode()
    tricky = 'note <b>&"q".csv'  # a legal file name full of HTML metacharacters
    csv_august = b"Operation_Unique_Identifier\nOP-9\n"

    write_version(
        root, "202606", "v001",
        {"list_of_operations.csv": csv_june, "tables.xlsx": xlsx, "summary.html": html},
        cutoff_date="2026-06-30",
    )  # fmt: skip
    june1 = root / "202606" / "v001"
    (june1 / "extra.csv").write_bytes(b"in the folder, not in the manifest\n")
    # A link to a file outside the store, named by the manifest with that file's own checksum.
    (june1 / "escape.csv").symlink_to(secret)
    manifest = json.loads((june1 / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"]["escape.csv"] = hashlib.sha256(SECRET).hexdigest()
    (june1 / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    write_version(
        root, "202606", "v002",
        {"list_of_operations.csv": csv_june_v2, tricky: b"escaped,name\n"},
        cutoff_date="2026-06-30",
        supersedes=1,
        supersedes_reason="<script>alert('reason')</script> late correction & more",
        source_batches=["tdz_corviale/operations/20260601T000000"],
    )  # fmt: skip
    write_version(root, "202608", "v001", {"list_of_operations.csv": csv_august}, cutoff_date="2026-08-31")
    # A version still being written: files, no manifest yet.
    (root / "202608" / "v002").mkdir()
    (root / "202608" / "v002" / "list_of_operations.csv").write_bytes(b"half written\n")
    # A damaged file: its bytes no longer match the manifest.
    damaged = write_version(root, "202612", "v001", {"tables.xlsx": b"original\n"}, cutoff_date="2026-12-31")
    (damaged / "tables.xlsx").write_bytes(b"changed after publication\n")
    # A cut-off folder that is a link to a package outside the store.
    elsewhere = outside / "elsewhere"
    write_version(elsewhere, "202609", "v001", {"secret.csv": SECRET}, cutoff_date="2026-09-30")
    (root / "202609").symlink_to(elsewhere / "202609", target_is_directory=True)

    specs = {
        "june_csv": PackageFileSpec("202606", "v001", "list_of_operations.csv", csv_june),
        "june_xlsx": PackageFileSpec("202606", "v001", "tables.xlsx", xlsx),
        "june_html": PackageFileSpec("202606", "v001", "summary.html", html),
        "june_v2_csv": PackageFileSpec("202606", "v002", "list_of_operations.csv", csv_june_v2),
        "tricky": PackageFileSpec("202606", "v002", tricky, b"escaped,name\n"),
        "august_csv": PackageFileSpec("202608", "v001", "list_of_operations.csv", csv_august),
    }
    return Store(root=root, secret=secret, files=specs)


@dataclass
class WebStack:
    base_url: str
    env: dict[str, str]
    store: Store
    log: Path
    _tokens: dict[str, str]

    def token(self, user: str) -> str:
        if user not in self._tokens:
            response = requests.post(
                f"{self.base_url}/auth/token",
                json={"username": user, "password": PASSWORDS[user]},
                timeout=30,
            )
            assert response.status_code == 201, f"/auth/token {user}: {response.status_code} {response.text}"
            self._tokens[user] = response.json()["access_token"]
        return self._tokens[user]

    def get(self, path: str, user: str | None = None, **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if user:
            headers["Authorization"] = f"Bearer {self.token(user)}"
        return requests.get(f"{self.base_url}{path}", headers=headers, timeout=60, **kwargs)

    def warehouse(self) -> Any:
        import psycopg

        return psycopg.connect(self.env["AIRFLOW_CONN_OSSERVATORIO_WAREHOUSE"], autocommit=True)

    def downloads(self) -> list[dict[str, Any]]:
        """The download log, oldest first."""
        from psycopg.rows import dict_row

        with self.warehouse() as conn, conn.cursor(row_factory=dict_row) as cur:
            return cur.execute("SELECT * FROM audit.package_downloads ORDER BY download_id").fetchall()

    def log_tail(self, lines: int = 60) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def fresh_warehouse(env: dict[str, str]) -> None:
    """This test's warehouse, migrated from nothing (the download log starts empty)."""
    import psycopg

    admin_sql(env, "DROP SCHEMA IF EXISTS audit CASCADE")  # owned by a role nobody logs in as
    with psycopg.connect(env["AIRFLOW_CONN_OSSERVATORIO_WAREHOUSE"], autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS raw CASCADE")
    migrate = subprocess.run(
        [sys.executable, "-m", "osservatorio.land.migrate"], env=env, cwd=REPO, capture_output=True, text=True
    )
    assert migrate.returncode == 0, f"warehouse migration failed:\n{migrate.stdout}{migrate.stderr[-4000:]}"
    # As `make migrate` does: the log to its NOLOGIN owner, the pipeline keeps INSERT and SELECT.
    seal = subprocess.run(
        ["scripts/postgres.sh", "seal-audit"], env=env, cwd=REPO, capture_output=True, text=True
    )
    assert seal.returncode == 0, f"seal-audit failed:\n{seal.stderr[-4000:]}"


def admin_sql(env: dict[str, str], statement: str) -> subprocess.CompletedProcess[str]:
    """One statement as the cluster's superuser on this test's warehouse (scripts/postgres.sh psql)."""
    return subprocess.run(
        ["scripts/postgres.sh", "psql", "-c", statement], env=env, cwd=REPO, capture_output=True, text=True
    )


def stop(proc: subprocess.Popen) -> None:
    """Stop the API server started here: its own process group (it forks workers)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


@pytest.fixture(scope="package")
def web_stack() -> Iterator[WebStack]:
    started = time.monotonic()
    shutil.rmtree(STATE, ignore_errors=True)
    (STATE / "outside").mkdir(parents=True)
    store = build_store(STATE / "compliance_packages", STATE / "outside")
    port = free_port()
    (STATE / "passwords.json").touch(mode=0o600)  # plain-text passwords: this user's only
    (STATE / "passwords.json").write_text(json.dumps(PASSWORDS), encoding="utf-8")
    overrides = {
        "OSSERVATORIO_STATE_DIR": str(STATE),
        "OSSERVATORIO_PACKAGES_DIR": str(store.root),
        "OSSERVATORIO_WAREHOUSE_DB": f"osservatorio_web{SUFFIX}",
        "OSSERVATORIO_AIRFLOW_DB": f"airflow_web{SUFFIX}",
        "OSSERVATORIO_PROGRAM_OFFICERS": OFFICERS,
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": USERS,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(STATE / "passwords.json"),
    }
    env = load_env(overrides)
    lock_path = REPO / ".local" / "test-postgres-start.lock"  # the lock tests/conftest.py takes
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subprocess.run(["scripts/postgres.sh", "start"], env=env, cwd=REPO, check=True, capture_output=True)
    fresh_warehouse(env)
    # The metadata DB is kept between runs (nothing of it matters here): migrating is then quick.
    init = subprocess.run(["scripts/airflow_init.sh"], env=env, cwd=REPO, capture_output=True, text=True)
    assert init.returncode == 0, f"airflow_init.sh failed:\n{init.stderr[-4000:]}"
    log = STATE / "api-server.log"
    with log.open("w") as sink:
        proc = subprocess.Popen(
            ["airflow", "api-server"], cwd=REPO, env=env, stdout=sink, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    stack = WebStack(f"http://127.0.0.1:{port}", env, store, log, {})
    try:
        if not wait_for_port(port, timeout=90):
            raise AssertionError(f"api-server not listening on {port} after 90 s")
        deadline = time.monotonic() + 60
        while requests.get(f"{stack.base_url}/api/v2/monitor/health", timeout=10).status_code != 200:
            assert proc.poll() is None, f"api-server exited with {proc.returncode}"
            assert time.monotonic() < deadline, "api-server not healthy after 60 s"
            time.sleep(1)
    except (AssertionError, requests.RequestException) as error:
        stop(proc)
        raise AssertionError(f"{error}\n== api-server log ==\n{stack.log_tail()}") from None
    print(f"\n[web test] api-server up on {stack.base_url} in {time.monotonic() - started:.0f} s")
    try:
        yield stack
    finally:
        stop(proc)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    """A failing web test's report ends with the API server's log."""
    report = yield
    stack = getattr(item, "funcargs", {}).get("web_stack")
    if report.failed and isinstance(stack, WebStack):
        report.sections.append(("api-server log (last lines)", stack.log_tail()))
    return report

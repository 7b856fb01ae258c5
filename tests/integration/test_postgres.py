"""The project-managed PostgreSQL: idempotent start, databases and roles in place."""

import psycopg
import pytest

from tests.conftest import TestEnv

pytestmark = pytest.mark.integration


def test_second_start_reuses_the_running_cluster(test_env: TestEnv) -> None:
    result = test_env.run("scripts/postgres.sh", "start")
    assert "reused" in result.stderr or "existing server" in result.stderr
    assert test_env.run("scripts/postgres.sh", "status").returncode == 0


def test_listens_on_loopback_only(test_env: TestEnv) -> None:
    with psycopg.connect(test_env.warehouse_uri) as conn:
        [listen] = conn.execute("SELECT current_setting('listen_addresses')").fetchone()
        assert listen in ("127.0.0.1", "localhost")


def test_analyst_role_cannot_read_raw_data(test_env: TestEnv) -> None:
    with psycopg.connect(test_env.warehouse_uri, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS raw")
        conn.execute("CREATE TABLE IF NOT EXISTS raw.probe_secret (x int)")
    env = test_env.env
    analyst = (
        f"postgresql://ma_analyst:{env['OSSERVATORIO_ANALYST_PASSWORD']}@{env['OSSERVATORIO_PG_HOST']}:"
        f"{env['OSSERVATORIO_PG_PORT']}/{env['OSSERVATORIO_WAREHOUSE_DB']}"
    )
    with psycopg.connect(analyst) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT * FROM raw.probe_secret")

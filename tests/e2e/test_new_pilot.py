"""Onboarding a sixth pilot whose channel exists is a registry entry plus its Airflow connection:
no code. Here a new TdZ territory is added to a copy of the registry and its connection points at
a simulated TdZ system; its generated DAG extracts, validates and lands like the others."""

from __future__ import annotations

import re

import psycopg
import pytest
import yaml

from osservatorio.land.warehouse import RECORD_TYPES
from osservatorio.registry import REGISTRY_FILE
from tests.conftest import SIM_TODAY, TestEnv

pytestmark = pytest.mark.e2e
NEW_PILOT = "tdz_nuovo_territorio"


def test_a_registry_entry_is_enough_to_ingest_a_new_pilot(
    test_env: TestEnv, pilot_systems: str, tmp_path
) -> None:
    registry = yaml.safe_load(REGISTRY_FILE.read_text(encoding="utf-8"))
    entry = dict(registry["pilots"]["tdz_tor_bella_monaca"])  # the same TdZ system, another territory
    entry.update(name="Territori a Disoccupazione Zero - new territory", connection_id=f"pilot_{NEW_PILOT}")
    registry["pilots"][NEW_PILOT] = entry
    new_registry = tmp_path / "pilots.yaml"
    new_registry.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")

    env = test_env.env | {
        "OSSERVATORIO_REGISTRY": str(new_registry),
        f"AIRFLOW_CONN_PILOT_{NEW_PILOT.upper()}": test_env.env["AIRFLOW_CONN_PILOT_TDZ_TOR_BELLA_MONACA"],
    }
    sixth = type(test_env)(env=env, pilots_url=test_env.pilots_url)
    listed = sixth.run("airflow", "dags", "list", "--local", "--output", "plain").stdout
    assert f"ingest_{NEW_PILOT}" in listed
    result = sixth.run("airflow", "dags", "test", f"ingest_{NEW_PILOT}", SIM_TODAY, timeout=900)
    assert re.search(
        rf"DagRun Finished: dag_id=ingest_{NEW_PILOT},.*state=success", result.stdout + result.stderr
    )
    with psycopg.connect(test_env.warehouse_uri, autocommit=True) as conn:
        landed = dict(
            conn.execute(
                "SELECT entity, loaded FROM raw.batches WHERE pilot_id = %s", (NEW_PILOT,)
            ).fetchall()
        )
        assert set(landed) == set(RECORD_TYPES)
        assert landed["participant_enrolments"] > 100
        # Leave the shared test warehouse as the other end-to-end tests expect it.
        for table in (*RECORD_TYPES, "quarantine", "batches"):
            conn.execute(f"DELETE FROM raw.{table} WHERE pilot_id = %s", (NEW_PILOT,))

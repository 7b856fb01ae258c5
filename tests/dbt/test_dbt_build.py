"""`dbt build` on the test warehouse: seeds, models, data tests and unit tests, all real."""

import json
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from osservatorio.land.warehouse import batch_for, land_batch
from tests.conftest import TestEnv, clean_warehouse, dbt_target

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", autouse=True)
def _fresh_warehouse(test_env: TestEnv) -> None:
    """Other modules of this worker's session land bare test records of their own (no person key,
    no entry date): the build and its data tests are about the project's models on a warehouse as
    a fresh clone has it, whichever modules the scheduler happened to run first."""
    clean_warehouse(test_env.env)


RECORDS = {
    "participant_enrolments": {
        "operation_id": "OP1",
        "person_key": "k",
        "gender": "F",
        "entry_date": "2031-12-01",
    },
    "operations": {"action": "4.4.8.1", "fund": "ESF+"},
}


def test_dbt_build_passes_as_of_a_time_on_a_history(test_env: TestEnv, tmp_path: Path) -> None:
    """Reruns and an out-of-order interval leave a history; built as of a past time, every test
    (unique current version per record, the ledger, quarantine_open's grain) still passes."""
    refused = tmp_path / "quarantine.jsonl"
    refused.write_text(
        json.dumps(
            {"source": "p2", "record_id": "E9", "hash": "x", "failed_rules": ["gender_present"],
             "reason": "gender missing", "payload": {}}
        ) + "\n"
    )  # fmt: skip
    days = [datetime(2032, 1, d, tzinfo=UTC) for d in (5, 1, 5)]  # out of order, then a rerun
    with psycopg.connect(test_env.warehouse_uri) as conn:
        for entity, record in RECORDS.items():
            valid = tmp_path / f"{entity}.jsonl"
            valid.write_text(
                "".join(
                    json.dumps({"source": "p1", "record_id": f"OP{i}", "hash": f"h{i}", "record": record})
                    + "\n"
                    for i in range(3)
                )
            )
            for start in days:
                land_batch(conn, batch_for("dbt_history", entity, start, start), valid, refused, 4)
        [known_at] = conn.execute("SELECT now()").fetchone()
        conn.rollback()
    result = test_env.run(
        "dbt", "build", "--project-dir", "dbt_project", "--target-path", dbt_target("target-test"),
        "--vars", json.dumps({"known_at": known_at.isoformat()}),
        "--exclude-resource-type", "unit_test",  # the next test runs them; they do not read data
    )  # fmt: skip
    assert "ERROR=0" in result.stdout.splitlines()[-1]


def test_dbt_build_passes_with_its_tests(test_env: TestEnv) -> None:
    # The sources exist before any DAG ran: the test_env fixture applied the raw migrations.
    target = dbt_target("target-test")
    result = test_env.run("dbt", "build", "--project-dir", "dbt_project", "--target-path", target)
    summary = result.stdout.splitlines()[-1]
    assert "ERROR=0" in summary
    assert "unit test" in result.stdout  # the unit tests were part of the build
    with psycopg.connect(test_env.warehouse_uri) as conn:
        [cutoffs] = conn.execute("SELECT count(*) FROM reference.reporting_cutoffs").fetchone()
    assert cutoffs == 45  # five Art. 42 cut-offs a year, 2021-2029


def test_every_model_and_column_is_described(test_env: TestEnv) -> None:
    """After the build above: every model and seed, and every column it really has in the
    warehouse, carries a description in the YAML beside it (what `make dbt-docs` shows)."""
    manifest = json.loads((Path("dbt_project") / dbt_target("target-test") / "manifest.json").read_text())
    undescribed = []
    with psycopg.connect(test_env.warehouse_uri) as conn:
        for node in manifest["nodes"].values():
            if node["resource_type"] not in ("model", "seed"):
                continue
            if not node["description"].strip():
                undescribed.append(node["name"])
            described = {name.lower() for name, col in node["columns"].items() if col["description"].strip()}
            columns = conn.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = %s AND table_name = %s",
                (node["schema"], node["alias"]),
            ).fetchall()
            assert columns, f"{node['schema']}.{node['alias']} was not built"
            undescribed += [f"{node['name']}.{c}" for (c,) in columns if c.lower() not in described]
    assert undescribed == []


def test_the_analyst_role_reads_the_marts_and_nothing_else(test_env: TestEnv) -> None:
    env = test_env.env
    analyst = (
        f"postgresql://ma_analyst:{env['OSSERVATORIO_ANALYST_PASSWORD']}@{env['OSSERVATORIO_PG_HOST']}:"
        f"{env['OSSERVATORIO_PG_PORT']}/{env['OSSERVATORIO_WAREHOUSE_DB']}"
    )
    with psycopg.connect(analyst, autocommit=True) as conn:
        for mart in (
            "esf_indicators",
            "esf_indicators_wide",
            "esf_participations",
            "esf_indicator_members",
            "esf_member_source_records",
            "indicator_data_quality",
            "esf_indicators_by_comune",
        ):
            conn.execute(f"SELECT count(*) FROM marts.{mart}").fetchone()
        conn.execute(
            "SELECT count(*) FROM marts.indicator_cell_sources('EECO01', '2026-06-30', 'p', '4.4.8.1', 'F')"
        ).fetchone()
        for private in (
            "intermediate.int_participations",
            "staging.stg_landing__participant_enrolments",
            "raw.participant_enrolments",
            "reference.pilots",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT 1 FROM {private} LIMIT 1")

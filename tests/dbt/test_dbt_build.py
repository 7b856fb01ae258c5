"""`dbt build` on the test warehouse: seeds, models, data tests and unit tests, all real."""

import psycopg
import pytest

from osservatorio.land.warehouse import ensure_raw_schema
from tests.conftest import TestEnv

pytestmark = pytest.mark.integration


def test_dbt_build_passes_with_its_tests(test_env: TestEnv) -> None:
    with psycopg.connect(test_env.warehouse_uri) as conn:
        ensure_raw_schema(conn)  # the sources exist even before any DAG ran
    result = test_env.run("dbt", "build", "--project-dir", "dbt_project", "--target-path", "target-test")
    summary = result.stdout.splitlines()[-1]
    assert "ERROR=0" in summary
    assert "unit test" in result.stdout  # the unit tests were part of the build
    with psycopg.connect(test_env.warehouse_uri) as conn:
        [cutoffs] = conn.execute("SELECT count(*) FROM reference.reporting_cutoffs").fetchone()
    assert cutoffs == 45  # five Art. 42 cut-offs a year, 2021-2029

"""Compliance packages through the real DAG (publish_compliance_packages) on the simulated pilots,
after the session's pipeline run: a June package (with Tables 6 and 10) and an August one
(financial tables only), their values against independent counts from the pilots' own records,
the manifest's checksums, immutability on re-run, byte-identical regeneration with `known_at`
after a correction has landed, the list of operations against the repo's Table Schema with
`frictionless validate` and Kohesio's three rules, and a failing check that publishes nothing."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import stat
import subprocess
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import psycopg
import pytest

from osservatorio.land.warehouse import batch_for, land_batch
from tests.conftest import REPO, TEST_STATE
from tests.e2e.conftest import LOGICAL_DATE, PILOTS, system
from tests.e2e.expected_indicators import OUTPUTS, RESULTS, expected_by_fund, landed

if TYPE_CHECKING:
    from pathlib import Path

    from tests.conftest import TestEnv

pytestmark = pytest.mark.e2e
DAG_ID = "publish_compliance_packages"
JUNE, AUGUST = date(2026, 6, 30), date(2026, 8, 31)
PACKAGES = TEST_STATE / "compliance_packages"
SCHEMA = "plugins/osservatorio/publish/schemas/kohesio_list_of_operations_2021_2027.json"
# The combined indicators SFC2021 reserves in Table 6 (shared/domain.md section 3), with their parts.
COMBINED = {
    "EECO02+04": ("EECO02", "EECO04"),
    "EECO02+05": ("EECO02", "EECO05"),
    "EECO02+04+05": ("EECO02", "EECO04", "EECO05"),
    "EECO06+07": ("EECO06", "EECO07"),
    "EECO10+11": ("EECO10", "EECO11"),
}


def run_package_dag(test_env: TestEnv, **conf: str) -> tuple[bool, str]:
    result = test_env.run(
        "airflow", "dags", "test", DAG_ID, LOGICAL_DATE, "--conf", json.dumps(conf), timeout=900, check=False
    )
    log = result.stdout + result.stderr
    return bool(re.search(rf"DagRun Finished: dag_id={DAG_ID},.*state=success", log)), log


def version_dir(cutoff: date, version: int) -> Path:
    return PACKAGES / f"{cutoff:%Y%m}" / f"v{version:03d}"


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def read_csv(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def file_digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.name != "manifest.json"
    }


@pytest.fixture(scope="module")
def june(test_env: TestEnv, pipeline_ran: None) -> Path:
    ok, log = run_package_dag(test_env, cutoff=JUNE.isoformat())
    assert ok, log[-6000:]
    return version_dir(JUNE, 1)


@pytest.fixture(scope="module")
def august(test_env: TestEnv, pipeline_ran: None) -> Path:
    ok, log = run_package_dag(test_env, cutoff=AUGUST.isoformat())
    assert ok, log[-6000:]
    return version_dir(AUGUST, 1)


# ------------------------------------------------------------------ what a package holds
def test_every_file_is_in_the_manifest_with_its_checksum(june: Path) -> None:
    listed = {name: entry["sha256"] for name, entry in manifest(june)["files"].items()}
    assert listed == file_digests(june)  # every file, none missing, none extra, checksums right
    assert {"list_of_operations.csv", "summary.html"} <= set(listed)
    assert any(name.endswith(".xlsx") for name in listed)


def test_june_has_the_indicator_tables_and_august_only_the_financial_ones(june: Path, august: Path) -> None:
    def tables(folder: Path) -> set[str]:
        return {name for name in manifest(folder)["files"] if name.endswith(".csv")}

    assert any(n.startswith("table_6") for n in tables(june))
    assert any(n.startswith("table_10") for n in tables(june))
    assert not any(n.startswith(("table_6", "table_10")) for n in tables(august))
    assert "financial_table_1.csv" in tables(august)
    assert "financial_table_2.csv" in tables(august)
    assert manifest(august)["submission_period"] == "202608"


def _table(folder: Path, prefix: str) -> list[dict[str, str]]:
    [name] = [n for n in manifest(folder)["files"] if n.startswith(prefix) and n.endswith(".csv")]
    return read_csv(folder, name)


def test_table_6_and_10_equal_independent_counts_of_esf_operations(june: Path) -> None:
    expected: Counter[tuple[str, str]] = Counter()
    for pilot in PILOTS:
        for (code, _action, fund, gender), n in expected_by_fund(system(pilot), JUNE).items():
            if fund == "ESF+":
                expected[(code, gender)] += n
                expected[(code, "total")] += n
    for code, parts in COMBINED.items():
        for gender in {g for _, g in expected}:
            expected[(code, gender)] = sum(expected[(part, gender)] for part in parts)
    rows = _table(june, "table_6") + _table(june, "table_10")
    got = Counter()
    for row in rows:
        got[(row["indicator_code"], row["gender"])] += int(row["indicator_value"])
    assert {code for code, _ in got} == set(OUTPUTS + RESULTS) | set(COMBINED)
    assert {k: v for k, v in got.items() if v} == {k: v for k, v in expected.items() if v}
    assert expected[("EECO01", "total")] > 0  # the simulated data do exercise the table


def test_table_1_equals_independent_sums_of_esf_operations(june: Path) -> None:
    selected, cost, declared = 0, Decimal(0), Decimal(0)
    for pilot in PILOTS:
        sim = system(pilot)
        ops = {
            str(op["operation_id"]): op
            for op in landed(sim, "operations")
            if op["fund"] == "ESF+" and op["start_date"] <= JUNE
        }
        selected += len(ops)
        cost += sum((Decimal(str(op["total_eligible_cost"])) for op in ops.values()), Decimal(0))
        declared += sum(
            (
                Decimal(str(e["amount"]))
                for e in landed(sim, "expenditures")
                if str(e["operation_id"]) in ops and e["declared_date"] <= JUNE
            ),
            Decimal(0),
        )
    rows = _table(june, "financial_table_1")
    assert sum(int(r["selected_operations"]) for r in rows) == selected > 0
    assert sum(Decimal(r["total_eligible_cost"]) for r in rows) == cost
    assert sum(Decimal(r["eligible_expenditure_declared"]) for r in rows) == declared


def test_the_list_of_operations_passes_frictionless_and_kohesio_rules(
    test_env: TestEnv, june: Path, tmp_path: Path
) -> None:
    # `frictionless validate` refuses absolute paths ("not safe"): run it beside copies.
    shutil.copy(REPO / SCHEMA, tmp_path / "schema.json")
    shutil.copy(june / "list_of_operations.csv", tmp_path / "list.csv")
    result = subprocess.run(
        ["frictionless", "validate", "--schema", "schema.json", "list.csv"],
        cwd=tmp_path, env=test_env.env, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:]
    assert "VALID" in result.stdout
    rows = read_csv(june, "list_of_operations.csv")
    assert rows
    assert all(r["Fund_Code"] == "ESF+" for r in rows)

    def day(text: str) -> date:
        return datetime.strptime(text, "%d/%m/%Y").date()

    for row in rows:
        assert day(row["Operation_Start_Date"]) <= day(row["Operation_End_Date"] or "31/12/9999")
        assert (
            row["Location_Indicator_Postcode"]
            or row["Location_Indicator_NUTS_code"]
            or (row["Location_Indicator_latitude_longitude"])
        )
        assert (
            row["Total_Eligible_Expenditure_Currency"] == "EUR"
            or row["Total_Eligible_Expenditure_Exchange_Rate"]
        )


# ------------------------------------------------------------------ versions and reproducibility
@pytest.fixture(scope="module")
def rerun(test_env: TestEnv, june: Path) -> Path:
    before = file_digests(june)
    ok, log = run_package_dag(test_env, cutoff=JUNE.isoformat(), reason="re-run requested by the test")
    assert ok, log[-6000:]
    assert file_digests(june) == before  # v001 untouched
    return version_dir(JUNE, 2)


def test_a_rerun_publishes_a_new_version_that_names_what_it_supersedes(june: Path, rerun: Path) -> None:
    second = manifest(rerun)
    assert second["version"] == 2
    assert second["supersedes"] == 1
    assert second["reason"] == "re-run requested by the test"
    assert manifest(june)["version"] == 1
    for path in june.iterdir():  # published files are read-only
        assert not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH), path


def _land_version(test_env: TestEnv, tmp_path: Path, cutoff: date, change: dict, days_later: int) -> dict:
    """Land, as a later batch, a new version of one ESF+ operation started by `cutoff` with `change`
    applied; return the version it replaced (to put it back)."""
    with psycopg.connect(test_env.warehouse_uri) as conn:
        pilot, op_id, record = conn.execute(
            "SELECT pilot_id, source_record_id, record FROM raw.operations"
            " WHERE superseded_at IS NULL AND record ->> 'fund' = 'ESF+'"
            " AND (record ->> 'start_date')::date <= %s ORDER BY pilot_id, source_record_id LIMIT 1",
            (cutoff,),
        ).fetchone()
        original = dict(record)
        new = original | {key: value(original) if callable(value) else value for key, value in change.items()}
        new["source_updated_at"] = (datetime.now(UTC) + timedelta(seconds=days_later)).isoformat()
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days_later)  # a later interval
        batch = batch_for(pilot, "operations", start, start + timedelta(days=1))
        valid = tmp_path / f"valid-{days_later}.jsonl"
        item = {"source": "correction", "record_id": op_id, "hash": f"v{days_later}-{op_id}", "record": new}
        valid.write_text(json.dumps(item) + "\n")
        (tmp_path / "quarantine.jsonl").write_text("")
        land_batch(conn, batch, valid, tmp_path / "quarantine.jsonl", 1)
    return original


def test_known_at_rebuilds_a_package_byte_identical_after_a_correction(
    test_env: TestEnv, june: Path, rerun: Path, tmp_path: Path
) -> None:
    first = manifest(june)
    _land_version(
        test_env,
        tmp_path,
        JUNE,
        {"total_eligible_cost": lambda r: float(r["total_eligible_cost"]) + 1000},
        400,
    )

    ok, log = run_package_dag(test_env, cutoff=JUNE.isoformat(), known_at=first["known_at"], reason="audit")
    assert ok, log[-6000:]
    rebuilt = version_dir(JUNE, 3)
    assert file_digests(rebuilt) == file_digests(june)  # every file but the manifest, byte for byte
    assert manifest(rebuilt)["files"] == first["files"]
    assert manifest(rebuilt)["source_batches"] == first["source_batches"]

    ok, log = run_package_dag(test_env, cutoff=JUNE.isoformat(), reason="correction landed")
    assert ok, log[-6000:]
    now = version_dir(JUNE, 4)
    changed = {n for n, digest in file_digests(now).items() if file_digests(june).get(n) != digest}
    assert "financial_table_1.csv" in changed  # the correction shows, in the financial table
    cost = sum(Decimal(r["total_eligible_cost"]) for r in _table(now, "financial_table_1"))
    assert cost == sum(Decimal(r["total_eligible_cost"]) for r in _table(june, "financial_table_1")) + 1000


# ------------------------------------------------------------------ a check that fails
def test_a_failing_check_fails_the_run_naming_table_row_and_rule(
    test_env: TestEnv, august: Path, tmp_path: Path
) -> None:
    def ends_before_it_starts(record: dict) -> str:
        return (date.fromisoformat(record["start_date"]) - timedelta(days=1)).isoformat()

    original = _land_version(test_env, tmp_path, AUGUST, {"end_date": ends_before_it_starts}, 500)
    ok, log = run_package_dag(test_env, cutoff=AUGUST.isoformat(), reason="must not publish")
    assert not ok
    # The message names the table, the row (and the operation's identifier) and the rule.
    rule = r"rule 'Kohesio: Operation_Start_Date not after Operation_End_Date' broken"
    where = r"table compliance_list_of_operations, row \d+ \(Operation_Unique_Identifier .+\)"
    assert re.search(rf"{where}: {rule}", log), log[-4000:]
    assert not version_dir(AUGUST, 2).exists()  # nothing published
    with psycopg.connect(test_env.warehouse_uri) as conn:  # the run's scratch schemas are gone all the same
        scratch = "SELECT nspname FROM pg_namespace WHERE nspname LIKE '%\\_pkg\\_%'"
        leftovers = conn.execute(scratch).fetchall()
    assert leftovers == []
    # The pilot corrects it: the tests after this one see the operation right again.
    _land_version(test_env, tmp_path, AUGUST, original, 600)

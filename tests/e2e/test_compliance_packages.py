"""Compliance packages through the real DAG (publish_compliance_packages) on the simulated pilots,
after the session's pipeline run: a June package (with Tables 6 and 10) and an August one
(financial tables only), their values against independent counts from the pilots' own records,
the manifest's checksums, immutability on re-run, byte-identical regeneration with `known_at`
after a correction has landed, the list of operations against the repo's Table Schema with
`frictionless validate` and Kohesio's three rules, and a failing check that publishes nothing.
Versions that mean something: an identical rerun publishes nothing (a forced one does), a manual
republication needs a reason, and a run leaves Airflow's asset list as it was. Each pilot's
landings as the manifest and the summary state them."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import stat
import subprocess
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
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
_AMOUNTS = (
    "selected_operations",
    "total_eligible_cost",
    "public_contribution",
    "eligible_expenditure_declared",
)
# The combined indicators SFC2021 reserves in Table 6 (shared/domain.md section 3), with their parts.
COMBINED = {
    "EECO02+04": ("EECO02", "EECO04"),
    "EECO02+05": ("EECO02", "EECO05"),
    "EECO02+04+05": ("EECO02", "EECO04", "EECO05"),
    "EECO06+07": ("EECO06", "EECO07"),
    "EECO10+11": ("EECO10", "EECO11"),
}


def run_package_dag(test_env: TestEnv, **conf: object) -> tuple[bool, str]:
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


def airflow_assets(test_env: TestEnv) -> dict[str, int]:
    """Rows of Airflow's asset and asset-alias tables (the metadata database of the test session)."""
    uri = test_env.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].replace(
        "postgresql+psycopg2://", "postgresql://"
    )
    with psycopg.connect(uri) as conn:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
            for table in ("asset", "asset_alias")
        }


@dataclass(frozen=True)
class PackageRun:
    ok: bool
    log: str
    assets_before: dict[str, int]
    assets_after: dict[str, int]


@pytest.fixture(scope="module")
def june_run(test_env: TestEnv, pipeline_ran: None) -> PackageRun:
    before = airflow_assets(test_env)  # every DAG's own assets are registered by the pipeline's runs
    ok, log = run_package_dag(test_env, cutoff=JUNE.isoformat())
    return PackageRun(ok, log, before, airflow_assets(test_env))


@pytest.fixture(scope="module")
def june(june_run: PackageRun) -> Path:
    assert june_run.ok, june_run.log[-6000:]
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


def _seed(name: str) -> list[dict[str, str]]:
    with (REPO / "dbt_project" / "seeds" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def is_selected(op: dict, cutoff: date) -> bool:
    """CPR Art. 73 as the issue states it: selected by the cut-off and not withdrawn by then."""
    withdrawn = op.get("withdrawal_date")
    return op["selection_date"] <= cutoff and (withdrawn is None or withdrawn > cutoff)


def selected_esf(cutoff: date) -> list[tuple[str, dict, Decimal]]:
    """(pilot, operation, expenditure declared by the cut-off) of every ESF+ operation selected at
    `cutoff`, from the simulated pilots' own records."""
    out = []
    for pilot in PILOTS:
        sim = system(pilot)
        spent = landed(sim, "expenditures")
        for op in landed(sim, "operations"):
            if op["fund"] == "ESF+" and is_selected(op, cutoff):
                declared = sum(
                    (
                        Decimal(str(e["amount"]))
                        for e in spent
                        if e["operation_id"] == op["operation_id"] and e["declared_date"] <= cutoff
                    ),
                    Decimal(0),
                )
                out.append((pilot, op, declared))
    return out


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return (part * 100 / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_table_1_equals_independent_sums_of_esf_operations(june: Path) -> None:
    """Every Annex VII column, the shares recomputed from the financial-plan seed."""
    region = {p["pilot_id"]: p["category_of_region"] for p in _seed("pilots")}
    ops = selected_esf(JUNE)
    rows = _table(june, "financial_table_1")
    plans = {(p["priority_code"], p["specific_objective_code"], p["category_of_region"]): p for p in _seed(
        "programme_financial_plan"
    )}  # fmt: skip
    assert rows
    for row in rows:
        mine = [(o, d) for pilot, o, d in ops if region[pilot] == row["category_of_region"]]
        cost = sum((Decimal(str(o["total_eligible_cost"])) for o, _ in mine), Decimal(0))
        public = sum((Decimal(str(o["public_contribution"])) for o, _ in mine), Decimal(0))
        declared = sum((d for _, d in mine), Decimal(0))
        assert row["fund_code"] == "ESF+"
        assert int(row["selected_operations"]) == len(mine)
        assert Decimal(row["total_eligible_cost"]) == cost
        assert Decimal(row["public_contribution"]) == public
        assert Decimal(row["eligible_expenditure_declared"]) == declared
        plan = plans[(row["priority_code"], row["specific_objective_code"], row["category_of_region"])]
        allocation = Decimal(plan["financial_allocation"])
        assert row["basis_for_calculation"] == plan["basis_for_calculation"]
        assert Decimal(row["financial_allocation"]) == allocation
        assert Decimal(row["cofinancing_rate"]) == Decimal(plan["cofinancing_rate"])
        basis = public if plan["basis_for_calculation"] == "public" else cost
        assert Decimal(row["selected_share_of_allocation"]) == _percent(basis, allocation)
        assert Decimal(row["declared_share_of_allocation"]) == _percent(declared, allocation)
    assert sum(int(r["selected_operations"]) for r in rows) == len(ops) > 0
    summary = (june / "summary.html").read_text(encoding="utf-8")
    assert "<th>share of the allocation covered (%)</th>" in summary


def test_an_operation_selected_before_the_cutoff_counts_though_it_starts_after(june: Path) -> None:
    later = [(p, o) for p, o, _ in selected_esf(JUNE) if o["start_date"] > JUNE]
    assert later  # the simulated pilots have one (catalogue.py): selected in March, starting in September
    listed = {r["Operation_Unique_Identifier"] for r in read_csv(june, "list_of_operations.csv")}
    assert {o["cup"] for _, o in later} <= listed
    assert any(o["status"] == "selected" for _, o in later)  # not only the one withdrawn later


def test_a_withdrawn_operation_leaves_the_tables_from_its_withdrawal(june: Path, august: Path) -> None:
    withdrawn = [
        o
        for pilot in PILOTS
        for o in landed(system(pilot), "operations")
        if o["fund"] == "ESF+" and o["withdrawal_date"] is not None and JUNE < o["withdrawal_date"] <= AUGUST
    ]
    assert withdrawn
    assert all(o["status"] == "withdrawn" for o in withdrawn)
    in_june = {r["Operation_Unique_Identifier"] for r in read_csv(june, "list_of_operations.csv")}
    in_august = {r["Operation_Unique_Identifier"] for r in read_csv(august, "list_of_operations.csv")}
    cups = {o["cup"] for o in withdrawn}
    assert cups <= in_june
    assert not cups & in_august
    for folder, cutoff in ((june, JUNE), (august, AUGUST)):  # Table 1 counts exactly the selected ones
        rows = _table(folder, "financial_table_1")
        assert sum(int(r["selected_operations"]) for r in rows) == len(selected_esf(cutoff))


def test_table_2_has_one_row_per_combination_of_annex_i_codes(june: Path) -> None:
    annex_i: dict[str, set[str]] = {}
    for row in _seed("cpr_annex_i_codes"):
        annex_i.setdefault(row["dimension_name"], set()).add(row["code"])
    pilots = {p["pilot_id"]: p for p in _seed("pilots")}
    widths = {"intervention_field": 3}  # every other dimension: two digits
    expected: dict[tuple, list[Decimal]] = {}
    for pilot, op, declared in selected_esf(JUNE):
        codes = tuple(op[d] for d in annex_i)
        key = (pilots[pilot]["category_of_region"], pilots[pilot]["nuts3_code"], *codes)
        sums = expected.setdefault(key, [Decimal(0)] * 4)
        for i, amount in enumerate((1, op["total_eligible_cost"], op["public_contribution"], declared)):
            sums[i] += Decimal(str(amount))
    got: dict[tuple, list[Decimal]] = {}
    for row in _table(june, "financial_table_2"):
        for dimension, codes in annex_i.items():
            code = row[f"{dimension}_code"]
            assert code in codes, (dimension, code)  # only Annex I codes: never not_reported, never 1
            assert len(code) == widths.get(dimension, 2)
        key = (row["category_of_region"], row["location_code"], *(row[f"{d}_code"] for d in annex_i))
        assert key not in got  # one row per combination
        got[key] = [Decimal(row[m]) for m in _AMOUNTS]
    assert got == expected
    assert len(got) > 1


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


def test_every_pilot_landed_up_to_the_cutoff_as_manifest_and_summary_say(june: Path) -> None:
    # The session's pipeline ran once, for the interval ending on the systems' "today": every pilot
    # has landed up to 20 November 2026, after the June cut-off.
    landed_to = datetime.fromisoformat(LOGICAL_DATE).replace(tzinfo=UTC).isoformat()
    by_pilot = manifest(june)["pilot_landings"]
    assert set(PILOTS) <= set(by_pilot)
    for pilot in PILOTS:
        assert by_pilot[pilot]["covers_cutoff"] is True, pilot
        assert by_pilot[pilot]["last_data_interval"]["end"] == landed_to, pilot
        assert by_pilot[pilot]["interval_reaching_cutoff"]["end"] == landed_to, pilot
    page = (june / "summary.html").read_text(encoding="utf-8")
    assert "<h2>Data landed per pilot</h2>" in page
    assert all(f"<td>{pilot}</td>" in page for pilot in PILOTS)
    assert "Incomplete:" not in page


def test_a_run_leaves_airflow_asset_list_as_it_was(june_run: PackageRun) -> None:
    """cosmos would register an asset per scratch model and run (about 26): emit_datasets=False."""
    assert june_run.ok
    assert june_run.assets_before["asset"] > 0  # the count does see the DAGs' own assets
    assert june_run.assets_after == june_run.assets_before


# ------------------------------------------------------------------ versions and reproducibility
@pytest.fixture(scope="module")
def rerun(test_env: TestEnv, june: Path) -> tuple[str, str]:
    """A manual rerun of June without a reason (refused), then with one: the logs of both."""
    before = file_digests(june)
    refused_ok, refused = run_package_dag(test_env, cutoff=JUNE.isoformat())
    assert not refused_ok
    ok, log = run_package_dag(test_env, cutoff=JUNE.isoformat(), reason="re-run requested by the test")
    assert ok, log[-6000:]
    assert file_digests(june) == before  # v001 untouched
    return refused, log


def test_a_manual_republication_without_a_reason_is_refused(rerun: tuple[str, str]) -> None:
    refused, _ = rerun
    assert (
        "already has a published package (v001): a manual republication needs the `reason` param" in refused
    )


def test_an_identical_rerun_publishes_nothing_and_says_so(june: Path, rerun: tuple[str, str]) -> None:
    _, log = rerun
    assert "unchanged: every file equals version 1's" in log
    assert sorted(p.name for p in june.parent.iterdir()) == ["v001"]
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
    test_env: TestEnv, june: Path, rerun: tuple[str, str], tmp_path: Path
) -> None:
    first = manifest(june)
    _land_version(
        test_env,
        tmp_path,
        JUNE,
        {"total_eligible_cost": lambda r: float(r["total_eligible_cost"]) + 1000},
        400,
    )

    # Identical to v001 (the current version) by construction: published only because forced.
    ok, log = run_package_dag(
        test_env, cutoff=JUNE.isoformat(), known_at=first["known_at"], reason="audit", force=True
    )
    assert ok, log[-6000:]
    rebuilt = version_dir(JUNE, 2)
    assert file_digests(rebuilt) == file_digests(june)  # every file but the manifest, byte for byte
    assert manifest(rebuilt)["files"] == first["files"]
    assert manifest(rebuilt)["source_batches"] == first["source_batches"]
    assert (manifest(rebuilt)["supersedes"], manifest(rebuilt)["reason"]) == (1, "audit")
    assert (manifest(rebuilt)["forced"], first["forced"]) == (True, False)

    ok, log = run_package_dag(test_env, cutoff=JUNE.isoformat(), reason="correction landed")
    assert ok, log[-6000:]
    now = version_dir(JUNE, 3)
    assert manifest(now)["forced"] is False  # published because something changed
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

    # The same version also lost its form of support (CPR Annex I dimension 02).
    change = {"end_date": ends_before_it_starts, "form_of_support": None}
    original = _land_version(test_env, tmp_path, AUGUST, change, 500)
    ok, log = run_package_dag(test_env, cutoff=AUGUST.isoformat(), reason="must not publish")
    assert not ok
    # The message names the table, the row (and the operation's identifier) and the rule.
    rule = r"rule 'Kohesio: Operation_Start_Date not after Operation_End_Date' broken"
    where = r"table compliance_list_of_operations, row \d+ \(Operation_Unique_Identifier .+\)"
    assert re.search(rf"{where}: {rule}", log), log[-4000:]
    # ... and, for the missing code, Table 2, the operation and the dimension (the data-quality
    # annex lists it: the check reads it there).
    missing = (
        r"table compliance_financial_table_2, no row \(operation (?P<pilot>\w+):(?P<op>[^)]+)\): rule 'a CPR"
        r" Annex I code in every dimension' broken: ESF\+ operation (?P=op) of pilot (?P=pilot) has no code"
        r" for dimension 02 form of support \(data-quality annex: annex_i_code_missing\)"
    )
    assert re.search(missing, log), log[-4000:]
    assert not version_dir(AUGUST, 2).exists()  # nothing published
    with psycopg.connect(test_env.warehouse_uri) as conn:  # the run's scratch schemas are gone all the same
        scratch = "SELECT nspname FROM pg_namespace WHERE nspname LIKE '%\\_pkg\\_%'"
        leftovers = conn.execute(scratch).fetchall()
    assert leftovers == []
    # The pilot corrects it: the tests after this one see the operation right again.
    _land_version(test_env, tmp_path, AUGUST, original, 600)

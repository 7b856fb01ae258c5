"""Compliance packages built from hand-written rows in a scratch compliance schema of the test
database (no dbt): a June (`YYYY06`) and an August (`YYYY08`) package, manifest checksums,
immutability on re-run, byte-identical regeneration (also from a scratch as-of copy), formula
neutralisation read back with openpyxl, a failing check that publishes nothing, and the list of
operations through the `frictionless validate` command line and Kohesio's three rules; refusals of
a cut-off outside the programme's calendar and of an empty package (unless allow_empty); an
identical rebuild that publishes nothing (unless forced); how far each pilot had landed."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from openpyxl import load_workbook

from osservatorio.errors import RunConfigurationError
from osservatorio.publish.compliance import PackageCheckFailed, build_package

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.conftest import TestEnv

pytestmark = pytest.mark.integration

SCHEMA = "compliance_h3_scratch"
JUNE, AUGUST = date(2029, 6, 30), date(2029, 8, 31)
KNOWN_AT = datetime(2029, 7, 1, tzinfo=UTC)
CODE_VERSION = "0123456789abcdef0123456789abcdef01234567"
SCHEMA_FILE = Path(__file__).resolve().parents[2] / (
    "plugins/osservatorio/publish/schemas/kohesio_list_of_operations_2021_2027.json"
)
# The Kohesio headers as domain.md §3 prints them, typed independently of the code.
KOHESIO_HEADER_LINE = (
    "Operation_Unique_Identifier,CountryID,Operation_Name_Programme_Language,Operation_Name_English,"
    "Country,Location_Indicator_Postcode,Operation_Start_Date,Operation_Expected_End_Date,"
    "Operation_End_Date,CoFinancing_Rate,Total_Eligible_Expenditure_amount,"
    "Total_Eligible_Expenditure_Currency,Total_Eligible_Expenditure_Exchange_Rate,"
    "Location_Indicator_NUTS_code,Beneficiary_Name,Location_Indicator_latitude_longitude,"
    "Category_Of_Intervention,Fund_Code,Programme_Code,Operation_Summary_English,"
    "Operation_Summary_Programme_Language,Programming_Period,Programme_Name,Program_Priority_Axis_Code,"
    "Program_Priority_Axis_Name,Program_Specific_Objective_Code,Program_Specific_Objective_Name,"
    "Program_Thematic_Objective_Code,Program_Thematic_Objective_Name,Fund_Name,Date_Of_Last_Update,"
    "Beneficiary_Unique_Identifier,Social_Media_Links"
)
KOHESIO_HEADERS = KOHESIO_HEADER_LINE.split(",")
EVIL_NAME = '=HYPERLINK("http://evil.example/x","click")'
JUNE_FILES = {
    "financial_table_1.csv",
    "financial_table_2.csv",
    "table_6_outputs.csv",
    "table_10_results.csv",
    "list_of_operations.csv",
    "data_quality_annex.csv",
    "indicator_progress.csv",
    "compliance_tables.xlsx",
    "summary.html",
    "manifest.json",
}

FINANCIAL = "cutoff_date date, submission_period text, programme_code text, priority_code text, " + (
    "specific_objective_code text, fund_code text, category_of_region text"
)
# Table 1: every CPR Annex VII column; Table 2: one row per combination of Annex I codes.
TABLE_1_MEASURES = (
    "basis_for_calculation text, financial_allocation numeric(16,2), cofinancing_rate numeric(5,2), "
    "total_eligible_cost numeric(16,2), selected_share_of_allocation numeric(9,2), "
    "public_contribution numeric(16,2), eligible_expenditure_declared numeric(16,2), "
    "declared_share_of_allocation numeric(9,2), selected_operations bigint"
)
CODES = (
    "intervention_field_code text, form_of_support_code text, territorial_delivery_code text, "
    "economic_activity_code text, location_code text, esf_secondary_theme_code text, "
    "gender_equality_code text"
)
TABLE_2_MEASURES = (
    "total_eligible_cost numeric(16,2), public_contribution numeric(16,2), "
    "eligible_expenditure_declared numeric(16,2), selected_operations bigint"
)
INDICATORS = (
    "cutoff_date date, submission_period text, programme_code text, priority_code text, "
    "specific_objective_code text, category_of_region text, indicator_code text, indicator_name text, "
    "unit text, gender text, indicator_value bigint"
)
DDL = {
    "compliance_financial_table_1": f"{FINANCIAL}, {TABLE_1_MEASURES}",
    "compliance_financial_table_2": f"{FINANCIAL}, {CODES}, {TABLE_2_MEASURES}",
    "compliance_table_6_outputs": INDICATORS,
    "compliance_table_10_results": INDICATORS,
    "compliance_list_of_operations": "cutoff_date date, " + ", ".join(f'"{h}" text' for h in KOHESIO_HEADERS),
    "compliance_data_quality_annex": (
        "cutoff_date date, section text, pilot_id text, action_code text, detail text, value bigint"
    ),
    "compliance_indicator_progress": (
        "cutoff_date date, indicator_code text, indicator_name text, target_year int, "
        "target_value bigint, achieved_value bigint, is_illustrative boolean"
    ),
}
PROGRAMME = "2021IT16FFPR003"


def financial_rows(cutoff: date) -> list[tuple]:
    period = f"{cutoff:%Y%m}"
    key = (cutoff, period, PROGRAMME, "4", "ESO4.8", "ESF+")
    return [
        (
            *key,
            "more developed",
            "public",
            "4000000.00",
            "40.00",
            "500000.00",
            "10.00",
            "400000.00",
            "125000.25",
            "3.13",
            2,
        ),
        (
            *key,
            "less developed",
            "total",
            "6000000.00",
            "60.00",
            "1200000.00",
            "20.00",
            "960000.00",
            "300000.50",
            "5.00",
            3,
        ),
    ]


def table_2_rows(cutoff: date) -> list[tuple]:
    period = f"{cutoff:%Y%m}"
    key = (cutoff, period, PROGRAMME, "4", "ESO4.8", "ESF+")
    codes = ("01", "33", "23", "ITI43", "09", "02")  # form of support ... gender equality
    return [
        (*key, "less developed", "153", *codes, "700000.00", "560000.00", "200000.00", 2),
        (*key, "less developed", "163", *codes, "500000.00", "400000.00", "100000.50", 1),
        (*key, "more developed", "153", *codes, "500000.00", "400000.00", "125000.25", 2),
    ]


# Table 6 per gender: EECO01 = 02 + 04 + 05 and = 09 + 10 + 11; the rest is 0 (no row).
OUTPUTS = {
    "F": {"EECO01": 6, "EECO02": 3, "EECO04": 2, "EECO05": 1, "EECO09": 2, "EECO10": 3, "EECO11": 1},
    "M": {"EECO01": 4, "EECO02": 2, "EECO04": 1, "EECO05": 1, "EECO09": 1, "EECO10": 2, "EECO11": 1},
    "not_applicable": {"EECO19": 2},
}
RESULTS = {"F": {"EECR01": 1, "EECR04": 2}, "M": {"EECR04": 1}}


def indicator_rows(cutoff: date, values: dict[str, dict[str, int]]) -> list[tuple]:
    key = (cutoff, f"{cutoff:%Y%m}", PROGRAMME, "4", "ESO4.8", "less developed")
    return [
        (*key, code, f"name of {code}", "entities" if code == "EECO19" else "persons", gender, value)
        for gender, by_code in values.items()
        for code, value in by_code.items()
    ]


def operation(op_id: str, **overrides: str) -> dict[str, str]:
    row = dict.fromkeys(KOHESIO_HEADERS, "")
    row.update(
        Operation_Unique_Identifier=op_id,
        CountryID="IT",
        Operation_Name_Programme_Language=f"Percorsi di inclusione {op_id}",
        Operation_Name_English=f"Inclusion pathways {op_id}",
        Country="Italia",
        Operation_Start_Date="01/03/2024",
        Operation_Expected_End_Date="31/12/2027",
        Operation_End_Date="31/12/2027",
        CoFinancing_Rate="50",
        Total_Eligible_Expenditure_amount="1200000.00",
        Total_Eligible_Expenditure_Currency="EUR",
        Location_Indicator_NUTS_code="ITI43",
        Beneficiary_Name="Roma Capitale",
        Category_Of_Intervention="153",
        Fund_Code="ESF+",
        Programme_Code=PROGRAMME,
        Operation_Summary_Programme_Language="Tirocini e accompagnamento al lavoro",
        Programming_Period="2021-2027",
        Program_Priority_Axis_Code="4",
        Program_Specific_Objective_Code="ESO4.8",
        Fund_Name="European Social Fund Plus",
        Date_Of_Last_Update="30/06/2029",
    )
    row.update(overrides)
    return row


OPERATIONS = [
    operation("OP-1"),
    operation(
        "OP-2",
        Beneficiary_Name=EVIL_NAME,
        Location_Indicator_NUTS_code="",
        Location_Indicator_Postcode="20096",
        Operation_Start_Date="15/09/2024",
        Category_Of_Intervention="163",
    ),
    operation(
        "OP-3",
        Total_Eligible_Expenditure_Currency="CHF",
        Total_Eligible_Expenditure_Exchange_Rate="0.95",
        Total_Eligible_Expenditure_amount="500000.00",
        Location_Indicator_NUTS_code="",
        Location_Indicator_latitude_longitude="12.49, 41.89",
        CoFinancing_Rate="40.5",
    ),
]


def annex_rows(cutoff: date) -> list[tuple]:
    return [
        (cutoff, "art_17_5_excluded", "zot_pratico", None, "participants with incomplete point 1.1 data", 4),
        (cutoff, "quarantine_open", "cmrc_col", "4.4.8.1", "missing entry date", 2),
        (cutoff, "target_group_reporting", "cmrc_col", "4.4.8.2", "EECO16: homeless operation", 12),
    ]


def progress_rows(cutoff: date) -> list[tuple]:
    return [
        (cutoff, "EECO01", "Total participants", 2029, 500, 10, True),
        (cutoff, "EECR04", "Participants in employment upon leaving", 2029, 200, 3, True),
    ]


def insert(conn: psycopg.Connection, schema: str, table: str, rows: list[tuple]) -> None:
    if rows:
        marks = ", ".join(["%s"] * len(rows[0]))
        with conn.cursor() as cur:
            cur.executemany(f"INSERT INTO {schema}.{table} VALUES ({marks})", rows)


def create_schema(conn: psycopg.Connection, schema: str) -> None:
    conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    conn.execute(f"CREATE SCHEMA {schema}")
    for table, columns in DDL.items():
        conn.execute(f"CREATE TABLE {schema}.{table} ({columns})")
    for cutoff in (JUNE, AUGUST):
        insert(conn, schema, "compliance_financial_table_1", financial_rows(cutoff))
        insert(conn, schema, "compliance_financial_table_2", table_2_rows(cutoff))
        ops = [(cutoff, *op.values()) for op in OPERATIONS]
        insert(conn, schema, "compliance_list_of_operations", ops)
        insert(conn, schema, "compliance_data_quality_annex", annex_rows(cutoff))
        insert(conn, schema, "compliance_indicator_progress", progress_rows(cutoff))
    insert(conn, schema, "compliance_table_6_outputs", indicator_rows(JUNE, OUTPUTS))
    insert(conn, schema, "compliance_table_10_results", indicator_rows(JUNE, RESULTS))


def copy_schema(conn: psycopg.Connection, source: str, target: str) -> None:
    """A scratch copy, as the as-of build makes for a past known_at."""
    conn.execute(f"DROP SCHEMA IF EXISTS {target} CASCADE")
    conn.execute(f"CREATE SCHEMA {target}")
    for table in DDL:
        conn.execute(f"CREATE TABLE {target}.{table} AS SELECT * FROM {source}.{table} ORDER BY random()")


@pytest.fixture(scope="module")
def conn(test_env: TestEnv) -> Iterator[psycopg.Connection]:
    with psycopg.connect(test_env.warehouse_uri, autocommit=True) as connection:
        create_schema(connection, SCHEMA)
        yield connection
        for schema in (SCHEMA, f"{SCHEMA}_asof", f"{SCHEMA}_corrected", f"{SCHEMA}_bad", f"{SCHEMA}_empty"):
            connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture(scope="module")
def landings(conn: psycopg.Connection) -> dict[str, int]:
    """raw.batches as of several times: known at 1 July 2029 are L1 and L2 (L2 replaced by L3 on
    15 July, L4 landed on 20 July)."""
    conn.execute("DELETE FROM raw.batches WHERE pilot_id LIKE 'h3_%'")

    def land(name: str, batch_id: str, landed: datetime, superseded: datetime | None = None) -> tuple:
        pilot, entity, _ = batch_id.split("/")
        row = conn.execute(
            "INSERT INTO raw.batches (batch_id, pilot_id, entity, data_interval_start, data_interval_end,"
            " received, loaded, quarantined, landed_at, superseded_at)"
            " VALUES (%s, %s, %s, %s, %s, 1, 1, 0, %s, %s) RETURNING landing_id",
            (batch_id, pilot, entity, landed, landed, landed, superseded),
        ).fetchone()
        assert row is not None
        return name, row[0]

    def july(day: int) -> datetime:
        return datetime(2029, 7, day, tzinfo=UTC)

    # h3_c's daily batch of 30 June, landed at midnight: it reaches the June cut-off.
    conn.execute(
        "INSERT INTO raw.batches (batch_id, pilot_id, entity, data_interval_start, data_interval_end,"
        " received, loaded, quarantined, landed_at) VALUES (%s, 'h3_c', 'operations', %s, %s, 0, 0, 0, %s)",
        ("h3_c/operations/20290630T000000", datetime(2029, 6, 30, tzinfo=UTC), july(1), july(1)),
    )
    return dict(
        [
            land("L1", "h3_a/operations/20290601T000000", datetime(2029, 6, 2, tzinfo=UTC)),
            land(
                "L2",
                "h3_b/participant_enrolments/20290601T000000",
                datetime(2029, 6, 2, tzinfo=UTC),
                july(15),
            ),
            land("L3", "h3_b/participant_enrolments/20290601T000000", july(15)),
            land("L4", "h3_a/operations/20290701T000000", july(20)),
        ]
    )


# h3_a and h3_b landed only up to 2 June as known at 1 July, h3_c up to the cut-off, h3_d nothing.
PILOTS = ("h3_a", "h3_b", "h3_c", "h3_d")


def build(conn: psycopg.Connection, root: Path, cutoff: date, schema: str = SCHEMA, **kw: Any):
    args: dict[str, Any] = dict(
        cutoff=cutoff,
        source_schema=schema,
        root=root,
        known_at=KNOWN_AT,
        code_version=CODE_VERSION,
        reason="first publication",
        pilots=PILOTS,
    )
    return build_package(conn, **(args | kw))


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("packages")


@pytest.fixture(scope="module")
def june(conn: psycopg.Connection, landings: dict[str, int], root: Path):
    return build(conn, root, JUNE, generated_at=datetime(2029, 7, 2, 9, 30, tzinfo=UTC))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


# -- the June package -------------------------------------------------------------------------
def test_june_package_holds_every_table_and_a_manifest(june: Any, root: Path, landings: dict) -> None:
    assert june.path == root / "202906" / "v001"
    assert june.version == 1
    assert {p.name for p in june.path.iterdir()} == JUNE_FILES
    manifest = json.loads((june.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == june.manifest
    assert manifest["cutoff_date"] == "2029-06-30"
    assert manifest["submission_period"] == "202906"
    assert (manifest["version"], manifest["supersedes"], manifest["reason"]) == (1, None, "first publication")
    assert manifest["generated_at"] == "2029-07-02T09:30:00+00:00"
    assert manifest["known_at"] == "2029-07-01T00:00:00+00:00"
    assert manifest["code_version"] == CODE_VERSION
    # Known on 1 July: L1 and L2 (L2 was only replaced on 15 July); not L3 nor L4.
    # (other test modules on the same worker land batches of their own pilots in this database)
    ours = [batch for batch in manifest["source_batches"] if batch.startswith(("h3_a/", "h3_b/"))]
    assert ours == [
        "h3_a/operations/20290601T000000",
        "h3_b/participant_enrolments/20290601T000000",
    ]
    assert manifest["source_landing_ids"] == sorted(manifest["source_landing_ids"])
    assert {landings["L1"], landings["L2"]} <= set(manifest["source_landing_ids"])
    assert not {landings["L3"], landings["L4"]} & set(manifest["source_landing_ids"])
    assert manifest["row_counts"] == {
        "financial_table_1": 2,
        "financial_table_2": 3,
        "table_6_outputs": 15,
        "table_10_results": 3,
        "list_of_operations": 3,
        "data_quality_annex": 3,
        "indicator_progress": 2,
    }


def test_manifest_checksums_match_the_files(june: Any) -> None:
    files = june.manifest["files"]
    assert set(files) == JUNE_FILES - {"manifest.json"}
    for name, entry in files.items():
        data = (june.path / name).read_bytes()
        assert entry == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}, name


def test_published_files_and_folder_are_read_only(june: Any) -> None:
    assert june.path.stat().st_mode & 0o777 == 0o555
    assert {p.name: p.stat().st_mode & 0o777 for p in june.path.iterdir()} == dict.fromkeys(JUNE_FILES, 0o444)


def test_financial_table_csv_is_exactly_as_expected(june: Any) -> None:
    expected = (
        "cutoff_date,submission_period,programme_code,priority_code,specific_objective_code,fund_code,"
        "category_of_region,basis_for_calculation,financial_allocation,cofinancing_rate,total_eligible_cost,"
        "selected_share_of_allocation,public_contribution,eligible_expenditure_declared,"
        "declared_share_of_allocation,selected_operations\n"
        "2029-06-30,202906,2021IT16FFPR003,4,ESO4.8,ESF+,less developed,total,6000000.00,60.00,1200000.00,"
        "20.00,960000.00,300000.50,5.00,3\n"
        "2029-06-30,202906,2021IT16FFPR003,4,ESO4.8,ESF+,more developed,public,4000000.00,40.00,500000.00,"
        "10.00,400000.00,125000.25,3.13,2\n"
    )
    assert (june.path / "financial_table_1.csv").read_bytes() == expected.encode("utf-8")


def test_list_of_operations_has_the_33_kohesio_headers_and_no_cutoff(june: Any) -> None:
    data = (june.path / "list_of_operations.csv").read_bytes()
    assert b"\r\n" not in data
    assert not data.startswith(b"\xef\xbb\xbf")  # no BOM
    header = data.decode("utf-8").split("\n")[0].split(",")
    assert header == KOHESIO_HEADERS
    assert len(header) == 33
    rows = read_csv(june.path / "list_of_operations.csv")
    assert [r["Operation_Unique_Identifier"] for r in rows] == ["OP-1", "OP-2", "OP-3"]
    assert rows[2]["Location_Indicator_latitude_longitude"] == "12.49, 41.89"


def test_indicator_tables_keep_every_row(june: Any) -> None:
    rows = read_csv(june.path / "table_6_outputs.csv")
    by_cell = {(r["indicator_code"], r["gender"]): int(r["indicator_value"]) for r in rows}
    assert by_cell == {(code, g): v for g, codes in OUTPUTS.items() for code, v in codes.items()}
    assert [r["gender"] for r in read_csv(june.path / "table_10_results.csv")] == ["F", "F", "M"]


def test_workbook_has_a_sheet_per_table_frozen_headers_and_numbers(june: Any) -> None:
    book = load_workbook(june.path / "compliance_tables.xlsx")
    assert book.sheetnames == [
        "financial_table_1",
        "financial_table_2",
        "table_6_outputs",
        "table_10_results",
        "list_of_operations",
        "data_quality_annex",
        "indicator_progress",
    ]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
    fin = book["financial_table_1"]
    assert [c.value for c in fin[1]][7:] == [
        "basis_for_calculation",
        "financial_allocation",
        "cofinancing_rate",
        "total_eligible_cost",
        "selected_share_of_allocation",
        "public_contribution",
        "eligible_expenditure_declared",
        "declared_share_of_allocation",
        "selected_operations",
    ]
    assert [c.value for c in fin[2]][7:] == ["total", 6000000, 60, 1200000, 20, 960000, 300000.5, 5, 3]
    assert all(c.data_type == "n" for c in fin[2][8:])
    assert fin.column_dimensions["G"].width >= len("category_of_region")
    ops = book["list_of_operations"]
    header = [c.value for c in ops[1]]
    assert header == KOHESIO_HEADERS
    amount = ops.cell(row=2, column=header.index("CoFinancing_Rate") + 1)
    assert (amount.value, amount.data_type) == (50, "n")


def test_summary_page_is_self_contained_and_says_targets_are_illustrative(june: Any) -> None:
    page = (june.path / "summary.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 3  # by gender, against targets, financial
    assert "Targets are illustrative" in page
    for external in ("<script", "http", " src=", "<link", "@import"):
        assert external not in page
    assert "EECO01 name of EECO01" in page
    assert "2.0% of target" in page  # 10 of 500
    assert "25.0% declared" in page  # 300,000.50 of 1,200,000.00 is 25.00004%


# -- the August package -----------------------------------------------------------------------
def test_august_package_has_no_indicator_tables(conn: psycopg.Connection, landings: dict, root: Path) -> None:
    package = build(conn, root, AUGUST)
    assert package.path == root / "202908" / "v001"
    names = {p.name for p in package.path.iterdir()}
    assert names == JUNE_FILES - {"table_6_outputs.csv", "table_10_results.csv"}
    assert "table_6_outputs" not in package.manifest["row_counts"]
    assert package.manifest["row_counts"]["list_of_operations"] == 3
    assert "table_6_outputs" not in load_workbook(package.path / "compliance_tables.xlsx").sheetnames
    page = (package.path / "summary.html").read_text(encoding="utf-8")
    assert "only for the June and December cut-offs" in page
    assert read_csv(package.path / "financial_table_1.csv")[0]["cutoff_date"] == "2029-08-31"


# -- immutability and reproducibility ---------------------------------------------------------
def test_an_identical_rerun_publishes_nothing_and_a_forced_one_the_next_version(
    conn: psycopg.Connection, june: Any, root: Path
) -> None:
    before = {p.name: (sha256(p), p.stat().st_mtime_ns) for p in june.path.iterdir()}
    again = build(conn, root, JUNE, reason="rerun after the quarantine review")
    assert (again.published, again.path, again.version) == (False, june.path, 1)
    assert again.manifest == june.manifest  # the current version's
    assert "unchanged" in again.describe()
    assert sorted(p.name for p in (root / "202906").iterdir()) == ["v001"]
    assert not [p for p in root.iterdir() if p.name.startswith(".building-")]  # staging discarded

    second = build(conn, root, JUNE, reason="rerun after the quarantine review", force=True)
    assert second.published
    assert second.path == root / "202906" / "v002"
    assert (second.version, second.manifest["supersedes"]) == (2, 1)
    assert second.manifest["reason"] == "rerun after the quarantine review"
    assert (second.manifest["forced"], june.manifest["forced"]) == (True, False)
    assert {p.name: (sha256(p), p.stat().st_mtime_ns) for p in june.path.iterdir()} == before
    for name in JUNE_FILES - {"manifest.json"}:
        assert (second.path / name).read_bytes() == (june.path / name).read_bytes(), name
    differing = {k for k in june.manifest if june.manifest[k] != second.manifest[k]}
    assert differing == {"generated_at", "version", "supersedes", "reason", "forced"}


def test_a_changed_file_publishes_the_next_version_without_force(
    conn: psycopg.Connection, tmp_path: Path
) -> None:
    root = tmp_path / "packages"
    build(conn, root, JUNE)
    copy_schema(conn, SCHEMA, f"{SCHEMA}_corrected")
    conn.execute(
        f"UPDATE {SCHEMA}_corrected.compliance_data_quality_annex SET value = value + 1"
        " WHERE section = 'quarantine_open'"
    )
    changed = build(conn, root, JUNE, schema=f"{SCHEMA}_corrected", reason="a quarantined record reviewed")
    assert (changed.published, changed.version, changed.manifest["forced"]) == (True, 2, False)


# -- calendar and completeness ----------------------------------------------------------------
@pytest.mark.parametrize("cutoff", [date(2031, 6, 30), date(2021, 6, 30), date(2030, 3, 31)])
def test_a_cutoff_outside_the_programme_calendar_is_refused(
    conn: psycopg.Connection, tmp_path: Path, cutoff: date
) -> None:
    with pytest.raises(
        RunConfigurationError, match="outside the programme's transmission calendar"
    ) as refused:
        build(conn, tmp_path, cutoff)
    assert "from 2021-12-31 (first transmission, due 2022-01-31) to 2029-12-31" in str(refused.value)
    assert list(tmp_path.iterdir()) == []


def test_an_empty_package_is_refused_unless_allowed(conn: psycopg.Connection, tmp_path: Path) -> None:
    empty = f"{SCHEMA}_empty"
    copy_schema(conn, SCHEMA, empty)
    for table in DDL:
        conn.execute(f"DELETE FROM {empty}.{table}")
    with pytest.raises(PackageCheckFailed) as failure:
        build(conn, tmp_path / "refused", JUNE, schema=empty)
    tables = {v.table for v in failure.value.violations}
    assert tables == {
        "compliance_financial_table_1",
        "compliance_financial_table_2",
        "compliance_table_6_outputs",
        "compliance_table_10_results",
    }
    assert "rule 'a package's financial and indicator tables are not empty' broken" in str(failure.value)
    assert list((tmp_path / "refused").iterdir()) == []
    allowed = build(conn, tmp_path / "allowed", JUNE, schema=empty, allow_empty=True)
    assert allowed.manifest["allow_empty"] is True
    assert set(allowed.manifest["row_counts"].values()) == {0}
    # One empty table is enough: August without its Table 2.
    conn.execute(
        f"INSERT INTO {empty}.compliance_financial_table_1"
        f" SELECT * FROM {SCHEMA}.compliance_financial_table_1"
    )
    with pytest.raises(PackageCheckFailed) as august:
        build(conn, tmp_path / "august", AUGUST, schema=empty)
    empty_rule = "a package's financial and indicator tables are not empty"
    assert {v.table for v in august.value.violations if v.rule == empty_rule} == {
        "compliance_financial_table_2"
    }


def test_each_pilot_says_how_far_its_data_had_landed(
    conn: psycopg.Connection, june: Any, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    def at(month: int, day: int) -> str:
        return datetime(2029, month, day, tzinfo=UTC).isoformat()

    short = {"start": at(6, 2), "end": at(6, 2)}  # L1 and L2 as the landings fixture writes them
    assert june.manifest["pilot_landings"] == {
        "h3_a": {"last_data_interval": short, "covers_cutoff": False, "interval_reaching_cutoff": None},
        "h3_b": {"last_data_interval": short, "covers_cutoff": False, "interval_reaching_cutoff": None},
        "h3_c": {
            "last_data_interval": {"start": at(6, 30), "end": at(7, 1)},
            "covers_cutoff": True,
            "interval_reaching_cutoff": {"start": at(6, 30), "end": at(7, 1)},
        },
        "h3_d": {"last_data_interval": None, "covers_cutoff": False, "interval_reaching_cutoff": None},
    }
    page = (june.path / "summary.html").read_text(encoding="utf-8")
    warning = page[page.index('<p class="warning"><strong>Incomplete:') :].split("</p>")[0]
    assert "h3_a, h3_b, h3_d" in warning
    assert "h3_c" not in warning
    assert "30/06/2029 00:00 – 01/07/2029 00:00 UTC" in page
    # The run's log names each pilot short of the cut-off.
    with caplog.at_level("WARNING", logger="osservatorio.publish.compliance.build"):
        build(conn, tmp_path, JUNE)
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert [m.split()[1] for m in warned] == ["h3_a", "h3_b", "h3_d"]
    assert all("has not landed data up to the 2029-06-30 cut-off" in m for m in warned)


def test_rebuild_from_an_as_of_copy_is_byte_identical(
    conn: psycopg.Connection, june: Any, tmp_path: Path
) -> None:
    """Rows copied in another order into a scratch schema, as the as-of build does, give the same
    files; a corrected copy does not (so the comparison can fail)."""
    copy_schema(conn, SCHEMA, f"{SCHEMA}_asof")
    rebuilt = build(conn, tmp_path / "asof", JUNE, schema=f"{SCHEMA}_asof")
    for name in JUNE_FILES - {"manifest.json"}:
        assert (rebuilt.path / name).read_bytes() == (june.path / name).read_bytes(), name
    assert rebuilt.manifest["files"] == june.manifest["files"]

    copy_schema(conn, SCHEMA, f"{SCHEMA}_corrected")
    conn.execute(
        f"UPDATE {SCHEMA}_corrected.compliance_list_of_operations"
        ' SET "Total_Eligible_Expenditure_amount" = %s WHERE "Operation_Unique_Identifier" = %s',
        ("1250000.00", "OP-1"),
    )
    corrected = build(conn, tmp_path / "corrected", JUNE, schema=f"{SCHEMA}_corrected")
    changed = {n for n, e in corrected.manifest["files"].items() if e != june.manifest["files"][n]}
    assert changed == {"list_of_operations.csv", "compliance_tables.xlsx"}


# -- formula neutralisation -------------------------------------------------------------------
def test_a_formula_looking_beneficiary_is_neutralised_in_csv_and_xlsx(june: Any) -> None:
    rows = read_csv(june.path / "list_of_operations.csv")
    assert rows[1]["Beneficiary_Name"] == "'" + EVIL_NAME
    book = load_workbook(june.path / "compliance_tables.xlsx")
    sheet = book["list_of_operations"]
    column = [c.value for c in sheet[1]].index("Beneficiary_Name") + 1
    cell = sheet.cell(row=3, column=column)
    assert (cell.value, cell.data_type) == ("'" + EVIL_NAME, "s")
    assert [sheet.cell(row=r, column=column).value for r in (2, 4)] == ["Roma Capitale", "Roma Capitale"]


# -- a failing check publishes nothing --------------------------------------------------------
def test_a_failing_check_publishes_nothing(conn: psycopg.Connection, landings: dict, tmp_path: Path) -> None:
    bad = f"{SCHEMA}_bad"
    copy_schema(conn, SCHEMA, bad)
    conn.execute(
        f"UPDATE {bad}.compliance_table_10_results SET indicator_value = 7"
        " WHERE indicator_code = 'EECR04' AND gender = 'F'"
    )
    conn.execute(
        f"UPDATE {bad}.compliance_list_of_operations SET \"Operation_Start_Date\" = '01/01/2030'"
        " WHERE \"Operation_Unique_Identifier\" = 'OP-3'"
    )
    root = tmp_path / "packages"
    with pytest.raises(PackageCheckFailed) as failure:
        build(conn, root, JUNE, schema=bad)
    message = str(failure.value)
    # Table 10 rows: EECR01 F, EECR04 F, EECR04 M: the second breaks the rule (7 > EECO01 F = 6).
    assert "table compliance_table_10_results, row 2" in message
    assert "rule 'EECR04 <= EECO01'" in message
    assert "table compliance_list_of_operations, row 3 (Operation_Unique_Identifier OP-3)" in message
    assert "rule 'Kohesio: Operation_Start_Date not after Operation_End_Date'" in message
    assert list(root.iterdir()) == []  # no version, no staging folder left behind


# -- the list passes frictionless validate and the Kohesio rules ------------------------------
def test_the_list_passes_frictionless_validate_and_the_kohesio_rules(june: Any, tmp_path: Path) -> None:
    # The CLI refuses absolute and `..` paths ("not safe"): run it in a folder holding copies of the
    # schema and of the published list (the copy checked against the manifest).
    work = tmp_path / "cli"
    work.mkdir()
    shutil.copyfile(SCHEMA_FILE, work / "schema.json")
    shutil.copyfile(june.path / "list_of_operations.csv", work / "list_of_operations.csv")
    assert (
        sha256(work / "list_of_operations.csv") == june.manifest["files"]["list_of_operations.csv"]["sha256"]
    )
    cli = Path(sys.executable).parent / "frictionless"
    command = [str(cli), "validate", "--schema", "schema.json", "list_of_operations.csv"]
    result = subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "INVALID" not in result.stdout

    # The same command fails on a copy whose co-financing rate is not a percentage.
    listed = work / "list_of_operations.csv"
    listed.write_text(listed.read_text(encoding="utf-8").replace(",50,", ",120,", 1), encoding="utf-8")
    result = subprocess.run(command, cwd=work, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1
    assert "maximum" in result.stdout

    # Kohesio's three rules, checked here without the package's code.
    for row in read_csv(june.path / "list_of_operations.csv"):
        start = datetime.strptime(row["Operation_Start_Date"], "%d/%m/%Y")
        assert start <= datetime.strptime(row["Operation_End_Date"], "%d/%m/%Y")
        assert any(
            row[f]
            for f in (
                "Location_Indicator_Postcode",
                "Location_Indicator_NUTS_code",
                "Location_Indicator_latitude_longitude",
            )
        )
        assert (
            row["Total_Eligible_Expenditure_Currency"] == "EUR"
            or row["Total_Eligible_Expenditure_Exchange_Rate"]
        )

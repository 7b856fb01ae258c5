"""Bad input through the real ingestion DAG (`airflow dags test`): every defect class of a record
ends in the quarantine with its rule and reason while the good records land and the ledger adds
up; incomplete records (a point 1.1 datum missing), minors and duplicate entries that agree are
not defects and land; every malformed file (CSV, XLSX) or JSON page fails its batch with one
clear message naming pilot, file and problem, and loads nothing of that batch.

Runs on copies of the CAL (CSV), ZOT (XLSX) and TdZ (REST) registry entries under pilot ids of
their own, so the other end-to-end tests' data stay as they are; their rows are removed after."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import psycopg
import pytest
import requests
import yaml
from stdnum.it import codicefiscale

from osservatorio.land.warehouse import RECORD_TYPES
from osservatorio.registry import REGISTRY_FILE, load_registry
from tests.conftest import REPO, SIM_TODAY, TEST_STATE, TestEnv, dbt_target

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.e2e
CSV_PILOT, XLSX_PILOT, JSON_PILOT = "cal_bad_input", "zot_bad_input", "tdz_bad_input"
CAL = load_registry()["cal_adda_martesana"].entities["participant_enrolments"].fields
ENTITY = "participant_enrolments"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = yaml.safe_load(REGISTRY_FILE.read_text(encoding="utf-8"))
    for new, original in (
        (CSV_PILOT, "cal_adda_martesana"),
        (XLSX_PILOT, "zot_pratico"),
        (JSON_PILOT, "tdz_tor_bella_monaca"),
    ):
        raw["pilots"][new] = dict(raw["pilots"][original]) | {
            "connection_id": f"pilot_{new}",
            "name": f"bad-input test copy of {original}",
            "max_bad_row_share": 0.5,
        }
    path = tmp_path_factory.mktemp("registry") / "pilots.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module", autouse=True)
def clean_up_afterwards(test_env: TestEnv):
    yield
    with psycopg.connect(test_env.warehouse_uri, autocommit=True) as conn:
        for table in (*RECORD_TYPES, "quarantine", "validation_results", "batches", "files"):
            conn.execute(
                f"DELETE FROM raw.{table} WHERE pilot_id = ANY(%s)", ([CSV_PILOT, XLSX_PILOT, JSON_PILOT],)
            )


def interval_start(day: str) -> datetime:
    """`airflow dags test <dag> <day>` is a manual run on `day`: it covers the daily interval
    that ends on `day` (Airflow's rule for data-interval timetables)."""
    return datetime.fromisoformat(day).replace(tzinfo=UTC) - timedelta(days=1)


def run_ingest(test_env: TestEnv, registry: Path, pilot: str, connection: str, day: str) -> tuple[bool, str]:
    env = test_env.env | {
        "OSSERVATORIO_REGISTRY": str(registry),
        f"AIRFLOW_CONN_PILOT_{pilot.upper()}": connection,
    }
    result = subprocess.run(
        ["airflow", "dags", "test", f"ingest_{pilot}", day],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    log = result.stdout + result.stderr
    return bool(re.search(rf"DagRun Finished: dag_id=ingest_{pilot},.*state=success", log)), log


def fs_connection(inbox: Path) -> str:
    return f'{{"conn_type": "fs", "extra": {{"path": "{inbox}"}}}}'


def query(test_env: TestEnv, sql: str, *params: object) -> list[tuple]:
    with psycopg.connect(test_env.warehouse_uri) as conn:
        return conn.execute(sql, params).fetchall()


# ------------------------------------------------------------------ bad records (CSV pilot)
def drop(test_env: TestEnv, inbox: Path, size: int, seed: int) -> None:
    """A clean CAL export of SIM_TODAY (every record type) dropped into `inbox`."""
    command = ["pilot_systems.drops", "--pilot", "cal_adda_martesana", "--inbox", str(inbox)]
    options = ["--size", str(size), "--seed", str(seed), "--defect-rate", "0", "--date", SIM_TODAY]
    subprocess.run(
        [sys.executable, "-m", *command, *options],
        cwd=REPO,
        env=test_env.env,
        check=True,
        capture_output=True,
    )


def _shift(day: str, days: int) -> str:
    return (datetime.strptime(day, "%d/%m/%Y") + timedelta(days=days)).strftime("%d/%m/%Y")


def _tax_code_born_in(tax_code: str, year: int) -> tuple[str, str]:
    """The same person born in `year` (same day and month): a valid codice fiscale and birth date."""
    body = tax_code[:6] + f"{year % 100:02d}" + tax_code[8:15]
    code = body + codicefiscale.calc_check_digit(body)
    return code, codicefiscale.get_birth_date(code).replace(year=year).strftime("%d/%m/%Y")


def bad_rows(good: dict[str, str]) -> list[tuple[str, dict[str, str], str | None]]:
    """(id, changes to a good row, rule expected in the quarantine): one per defect class; rule
    None: not a defect, the record lands (incomplete is not invalid, minors count, a participant
    may live anywhere in Italy)."""
    cf, born, entry = good[CAL["tax_code"]], good[CAL["birth_date"]], good[CAL["entry_date"]]
    other_gender = "Femmina" if good[CAL["gender"]] == "Maschio" else "Maschio"
    young_cf, young_born = _tax_code_born_in(cf, 2013)  # 7 to 13 at entry
    old_cf, old_born = _tax_code_born_in(cf, 1900)  # over 110 at entry
    c = CAL
    return [
        ("B01", {c["gender"]: ""}, None),
        ("B02", {c["gender"]: "Altro"}, "gender_domain"),
        ("B03", {c["birth_date"]: ""}, None),
        ("B04", {c["birth_date"]: "31/02/1990"}, "typed_values"),
        ("B05", {c["isced_level"]: ""}, None),
        ("B06", {c["isced_level"]: "Patente nautica"}, "typed_values"),
        ("B07", {c["labour_status"]: ""}, None),
        ("B08", {c["labour_status"]: "Pensionato/a"}, "labour_status_domain"),
        ("B09", {c["entry_date"]: "", c["exit_date"]: ""}, "entry_date_present"),
        ("B10", {c["exit_date"]: _shift(entry, -10)}, "exit_not_before_entry"),
        ("B11", {c["entry_date"]: "21/11/2026", c["exit_date"]: ""}, "entry_not_in_future"),
        ("B12", {c["exit_date"]: "21/11/2026"}, "exit_not_in_future"),
        ("B13", {c["entry_date"]: "15/12/2020", c["exit_date"]: ""}, "entry_in_programme_period"),
        ("B14", {c["tax_code"]: cf[:15] + ("A" if cf[15] != "A" else "B")}, "tax_code_check_character"),
        ("B15", {c["tax_code"]: "ABC123"}, "tax_code_format"),
        ("B16", {c["tax_code"]: ""}, "tax_code_present"),
        ("B17", {c["birth_date"]: _shift(born, 1)}, "tax_code_consistent"),
        ("B18", {c["gender"]: other_gender}, "tax_code_consistent"),
        ("B19", {c["tax_code"]: young_cf, c["birth_date"]: young_born}, None),
        ("B31", {c["tax_code"]: old_cf, c["birth_date"]: old_born}, "age_at_entry_range"),
        ("B20", {c["residence_comune"]: "063049"}, None),  # Napoli: outside every pilot, a real comune
        ("B34", {c["residence_comune"]: "999999"}, "residence_comune_known"),  # no such ISTAT code
        ("B21", {c["residence_comune"]: "1234"}, "residence_comune_format"),
        ("B22", {c["disability"]: "Forse"}, "disability_domain"),
        ("B23", {c["unemployment_months"]: "-3"}, "unemployment_months_not_negative"),
        ("B24", {c["unemployment_months"]: "tre"}, "typed_values"),
        ("B25", {c["operation_id"]: ""}, "operation_present"),
        ("B26", {c["homeless"]: "Boh"}, "homeless_domain"),
    ]


@pytest.fixture(scope="module")
def csv_batch(test_env: TestEnv, registry: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    inbox = tmp_path_factory.mktemp("cal") / "inbox"
    drop(test_env, inbox, size=120, seed=41)
    [path] = inbox.glob("partecipanti_*.csv")
    with path.open(encoding="cp1252", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    header = list(rows[0])
    person = next(r for r in rows if r[CAL["gender"]] in ("Maschio", "Femmina"))
    # Every bad row is this person in an operation of its own: one person entering one operation
    # twice on the same date under two ids is one participation when the point 1.1 data agree
    # (B29/B30 land) and a defect when they conflict (duplicate_entry_conflict, B32/B33).
    template = person | {CAL["operation_id"]: "OP-BAD-INPUT"}
    other_status = "Occupato/a" if template[CAL["labour_status"]] != "Occupato/a" else "Inattivo/a"
    cases = [(i, {CAL["operation_id"]: f"OP-{i}"} | changes, rule) for i, changes, rule in bad_rows(template)]
    extra = [
        template | {CAL["enrolment_id"]: "B27", CAL["operation_id"]: "OP-B27"},
        template | {CAL["enrolment_id"]: "B27", CAL["operation_id"]: "OP-B27", CAL["minority"]: "Sì"},
        template | {CAL["enrolment_id"]: "B29", CAL["operation_id"]: "OP-DUP"},
        template | {CAL["enrolment_id"]: "B30", CAL["operation_id"]: "OP-DUP", CAL["exit_date"]: ""},
        template | {CAL["enrolment_id"]: "B32", CAL["operation_id"]: "OP-CONFLICT"},
        template
        | {
            CAL["enrolment_id"]: "B33",
            CAL["operation_id"]: "OP-CONFLICT",
            CAL["labour_status"]: other_status,
        },
    ]
    with path.open("w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(header)
        writer.writerows([r[h] for h in header] for r in rows)
        for record_id, changes, _ in cases:
            writer.writerow([(template | changes | {CAL["enrolment_id"]: record_id})[h] for h in header])
        writer.writerows([r[h] for h in header] for r in extra)  # B27 twice, B29/B30, B32/B33
        handle.write(
            ";".join(template[h] if h != CAL["enrolment_id"] else "B28" for h in header) + ";extra\r\n"
        )
    ok, log = run_ingest(test_env, registry, CSV_PILOT, fs_connection(inbox), SIM_TODAY)
    assert ok, log[-6000:]
    entry_date = datetime.strptime(template[CAL["entry_date"]], "%d/%m/%Y").date().isoformat()
    return {
        "good": len(rows),
        "cases": cases,
        "header": header,
        "template": template,
        "entry_date": entry_date,
    }


def test_each_bad_record_is_quarantined_with_its_rule(test_env: TestEnv, csv_batch: dict) -> None:
    found = {}
    for record_id, rules, reason in query(
        test_env,
        "SELECT source_record_id, failed_rules, reason FROM raw.quarantine WHERE pilot_id = %s"
        " AND entity = %s",
        CSV_PILOT,
        ENTITY,
    ):
        found.setdefault(record_id, []).append((rules, reason))
    quarantined = [(i, rule) for i, _, rule in csv_batch["cases"] if rule is not None]
    for record_id, rule in quarantined:
        [(rules, reason)] = found[record_id]
        assert rule in rules, (record_id, rules, reason)
        assert reason  # human-readable
    assert [r for r, _ in found["B27"]] == [["record_id_unique"], ["record_id_unique"]]
    assert found["B28"][0][0] == ["row_shape"]
    assert "beyond the header" in found["B28"][0][1]
    for record_id, other in (("B32", "B33"), ("B33", "B32")):
        [(rules, reason)] = found[record_id]
        assert rules == ["duplicate_entry_conflict"]
        assert reason == (
            f"the same person entered the same operation on the same date as enrolment {other}"
            " with different point 1.1 data (labour status)"
        )
        assert csv_batch["template"][CAL["tax_code"]] not in reason
    assert len(found) == len(quarantined) + 4  # B27, B28, B32, B33


def test_incomplete_records_minors_and_agreeing_duplicate_entries_land(
    test_env: TestEnv, csv_batch: dict
) -> None:
    landed = {
        record_id: record
        for record_id, record in query(
            test_env,
            "SELECT source_record_id, record FROM raw.participant_enrolments WHERE pilot_id = %s"
            " AND superseded_at IS NULL",
            CSV_PILOT,
        )
    }
    expected = {i for i, _, rule in csv_batch["cases"] if rule is None} | {"B29", "B30"}
    assert expected == {"B01", "B03", "B05", "B07", "B19", "B20", "B29", "B30"}
    assert expected <= set(landed)
    assert landed["B01"]["gender"] is None
    assert landed["B03"]["birth_date"] is None
    assert landed["B05"]["isced_level"] is None
    assert landed["B07"]["labour_status"] is None
    assert landed["B20"]["residence_comune"] == "063049"
    assert landed["B29"]["person_key"] == landed["B30"]["person_key"]


def test_the_batch_has_its_data_docs_page(csv_batch: dict) -> None:
    batch = f"{CSV_PILOT}__{interval_start(SIM_TODAY):%Y%m%dT%H%M%S}"
    [page] = (TEST_STATE / "data_docs" / "validations" / ENTITY / batch).rglob("*.html")
    html = page.read_text()
    assert "_entry_conflict" in html
    assert csv_batch["template"][CAL["tax_code"]] not in html  # no codice fiscale on the page
    assert batch in (TEST_STATE / "data_docs" / "index.html").read_text()


def test_good_records_land_and_the_ledger_adds_up(test_env: TestEnv, csv_batch: dict) -> None:
    [(received, loaded, quarantined)] = query(
        test_env,
        "SELECT received, loaded, quarantined FROM raw.batches WHERE pilot_id = %s AND entity = %s",
        CSV_PILOT,
        ENTITY,
    )
    bad = len([c for c in csv_batch["cases"] if c[2] is not None]) + 5  # the cases, B27 twice, B28, B32, B33
    fine = len([c for c in csv_batch["cases"] if c[2] is None]) + 2  # incomplete, minor, B29, B30
    assert (received, loaded, quarantined) == (csv_batch["good"] + fine + bad, csv_batch["good"] + fine, bad)


def test_a_corrected_resend_resolves_its_quarantine_entry(
    test_env: TestEnv, registry: Path, csv_batch: dict, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    header, template = csv_batch["header"], csv_batch["template"]
    # B22 (operation OP-B22) had an invalid disability value
    corrected = template | {
        CAL["enrolment_id"]: "B22",
        CAL["operation_id"]: "OP-B22",
        CAL["source_updated_at"]: "21/11/2026 09:30:00",  # corrected today: a fresh change
    }
    with (inbox / "partecipanti_20261121.csv").open("w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(header)
        writer.writerow([corrected[h] for h in header])
    next_day = (datetime.fromisoformat(SIM_TODAY) + timedelta(days=1)).date().isoformat()
    ok, log = run_ingest(test_env, registry, CSV_PILOT, fs_connection(inbox), next_day)
    assert ok, log[-6000:]
    # Resolution is derived in dbt from what landed later, never updated in place in raw.
    test_env.run(
        "dbt", "run", "--project-dir", "dbt_project", "--target-path", dbt_target("target-test-e2e"),
        "--select", "+quarantine_open",
    )  # fmt: skip
    [(status, resolved_by)] = query(
        test_env,
        "SELECT status, resolved_by_batch FROM intermediate.int_quarantine__status WHERE pilot_id = %s"
        " AND source_record_id = 'B22'",
        CSV_PILOT,
    )
    assert status == "resolved"
    assert resolved_by.endswith(f"{interval_start(next_day):%Y%m%dT%H%M%S}")
    open_entries = query(
        test_env,
        "SELECT count(*) FROM marts.quarantine_open WHERE pilot_id = %s AND source_record_id = 'B22'",
        CSV_PILOT,
    )
    assert open_entries == [(0,)]


# ------------------------------------------------------------------ malformed files and pages
# Through the real DAG, one case per file format: each costs a DAG run (about 20 s). The other
# malformed files (empty, binary, UTF-16, unclosed quote, wrong delimiter, missing or unknown
# columns, no header row, ...) are refused by the same steps, in-process, by the hostile corpora:
# tests/hostile/csv_cases.py and tests/hostile/test_xlsx_corpus.py.
MALFORMED = {
    # case: (pilot, file name, writer, words the error must contain)
    "csv_unknown_column": (
        CSV_PILOT,
        "partecipanti_7.csv",
        lambda p: p.write_text(";".join([*CAL.values(), "Nome", "Cognome", "Codice ISEE"]) + "\n"),
        "header has unknown column(s) 'Codice ISEE'",
    ),
    "xlsx_not_a_zip": (
        XLSX_PILOT,
        "PRATICO_partecipanti_1.xlsx",
        lambda p: p.write_bytes(b"not a workbook"),
        "not an XLSX workbook",
    ),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_file_fails_its_batch_with_a_clear_message(
    test_env: TestEnv, registry: Path, pilot_systems: str, tmp_path: Path, case: str
) -> None:
    pilot, name, write, words = MALFORMED[case]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write(inbox / name)
    day = "2026-10-05"
    ok, log = run_ingest(test_env, registry, pilot, fs_connection(inbox), day)
    assert not ok
    [message] = {m for m in re.findall(r"AirflowFailException: (.*)", log)}
    assert pilot in message
    assert name in message
    assert words in message
    landed = query(
        test_env,
        "SELECT count(*) FROM raw.batches WHERE pilot_id = %s AND entity = %s AND data_interval_start = %s",
        pilot,
        ENTITY,
        interval_start(day),
    )
    assert landed == [(0,)]  # nothing of the batch was loaded
    assert (inbox / name).exists()  # the file stays in the inbox for the pilot to replace


def test_a_stale_drop_is_refused_whole_and_documented(
    test_env: TestEnv, registry: Path, tmp_path: Path
) -> None:
    # An export of 20 Nov 2026 run for the interval of 1 Mar 2027: its newest change is more than
    # the 45 days of CAL's freshness limit before the end of the interval.
    inbox = tmp_path / "inbox"
    drop(test_env, inbox, size=40, seed=43)
    for other in inbox.iterdir():
        if not other.name.startswith("partecipanti_"):
            other.unlink()
    [name] = [p.name for p in inbox.iterdir()]
    day = "2027-03-01"
    ok, log = run_ingest(test_env, registry, CSV_PILOT, fs_connection(inbox), day)
    assert not ok
    [message] = {m for m in re.findall(r"AirflowFailException: (.*)", log)}
    # (a manual run's data interval ends on its logical date: the limit is 45 days before it)
    limit = datetime.fromisoformat(day) - timedelta(days=45)
    assert message.startswith(
        f"pilot {CSV_PILOT}, participant_enrolments from partecipanti_*.csv: batch refused, nothing"
        " loaded: batch_fresh: stale batch: its newest record was last changed before the pilot's"
        " freshness limit (newest: 2026-"
    )
    assert message.endswith(f"limit: {limit:%Y-%m-%d} 00:00:00+00:00)")
    landed = query(
        test_env,
        "SELECT count(*) FROM raw.batches WHERE pilot_id = %s AND entity = %s AND data_interval_start = %s",
        CSV_PILOT,
        ENTITY,
        interval_start(day),
    )
    assert landed == [(0,)]
    assert (inbox / name).exists()
    # Its Data Docs page says why, for the engineer who looks at the failed run.
    [page] = (
        TEST_STATE
        / "data_docs"
        / "validations"
        / ENTITY
        / f"{CSV_PILOT}__{interval_start(day):%Y%m%dT%H%M%S}"
    ).rglob("*.html")
    assert "batch_fresh" in page.read_text()


def test_a_malformed_json_page_fails_the_batch_after_retries(
    test_env: TestEnv, registry: Path, pilot_systems: str
) -> None:
    # Every answer to this pilot's enrolment pages is truncated JSON: retried, then refused.
    faults = {"malformed": True, "count": 1000, "pilot": "tdz_tor_bella_monaca", "path": "/partecipanti"}
    requests.post(f"{pilot_systems}/_admin/faults", json=[faults], timeout=10).raise_for_status()
    try:
        connection = test_env.env["AIRFLOW_CONN_PILOT_TDZ_TOR_BELLA_MONACA"]
        ok, log = run_ingest(test_env, registry, JSON_PILOT, connection, "2026-10-06")
    finally:
        requests.delete(f"{pilot_systems}/_admin/faults", timeout=10).raise_for_status()
    assert not ok
    assert re.search(
        r"AirflowFailException: pilot tdz_bad_input: page .*/partecipanti.*body is not JSON", log
    )
    landed = query(
        test_env, "SELECT count(*) FROM raw.batches WHERE pilot_id = %s AND entity = %s", JSON_PILOT, ENTITY
    )
    assert landed == [(0,)]

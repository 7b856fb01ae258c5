"""Who reads what in the warehouse (docs/roles.md), after a real `dbt build`: each role connects
and selects from every table and view of every schema, and is served or refused by PostgreSQL."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

import psycopg
import pytest
from psycopg import sql

from tests.conftest import TEST_SLOT, TestEnv, dbt_target

if TYPE_CHECKING:
    from collections.abc import Iterator

pytestmark = pytest.mark.integration

# What each reading role may select from: whole schemas, nothing else.
READS = {"ma_analyst": {"marts"}, "program_officer": {"compliance"}, "public_reader": {"open_data"}}
COMPLIANCE_TABLES = {
    "compliance_financial_table_1",
    "compliance_financial_table_2",
    "compliance_table_6_outputs",
    "compliance_table_10_results",
    "compliance_list_of_operations",
    "compliance_data_quality_annex",
    "compliance_indicator_progress",
}
# Columns that identify a person or carry a record as sent: the pipeline's alone.
IDENTIFYING_COLUMNS = {"beneficiary_id", "birth_date", "tax_code", "codice_fiscale", "record", "payload"}
# The project's schemas: everything but PostgreSQL's own (for catalog queries aliasing pg_namespace n).
OWN_SCHEMAS = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'"


@pytest.fixture(scope="module")
def built(test_env: TestEnv) -> TestEnv:
    """One build of every model and seed (their tests run in tests/dbt/test_dbt_build.py)."""
    test_env.run(
        "dbt", "build", "--project-dir", "dbt_project", "--target-path", dbt_target("target-roles"),
        "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test",
    )  # fmt: skip
    return test_env


def role_uri(env: dict[str, str], role: str, password: str, database: str | None = None) -> str:
    return (
        f"postgresql://{role}:{password}@{env['OSSERVATORIO_PG_HOST']}:{env['OSSERVATORIO_PG_PORT']}/"
        f"{database or env['OSSERVATORIO_WAREHOUSE_DB']}"
    )


def password_of(env: dict[str, str], role: str) -> str:
    return {
        "ma_analyst": env["OSSERVATORIO_ANALYST_PASSWORD"],
        "program_officer": env["OSSERVATORIO_PROGRAM_OFFICER_PASSWORD"],
        "public_reader": env["OSSERVATORIO_PUBLIC_READER_PASSWORD"],
    }[role]


def relations(env: TestEnv) -> set[tuple[str, str]]:
    """Every table and view of the warehouse outside PostgreSQL's own schemas."""
    with psycopg.connect(env.warehouse_uri) as conn:
        rows = conn.execute(
            "SELECT n.nspname, c.relname FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')"
            f" AND {OWN_SCHEMAS}"
        ).fetchall()
    return {(schema, name) for schema, name in rows}


def readable(uri: str, targets: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The relations a real SELECT as this connection returns from; refusals must be privilege errors."""
    served = set()
    with psycopg.connect(uri, autocommit=True) as conn:
        for schema, name in sorted(targets):
            query = sql.SQL("SELECT 1 FROM {}.{} LIMIT 1").format(*map(sql.Identifier, (schema, name)))
            try:
                conn.execute(query).fetchall()
            except psycopg.errors.InsufficientPrivilege:
                continue
            served.add((schema, name))
    return served


def test_the_warehouse_has_every_layer_to_protect(built: TestEnv) -> None:
    """The checks below cover real relations in every schema, the compliance tables among them."""
    schemas = {schema for schema, _ in relations(built)}
    assert {"raw", "staging", "intermediate", "reference", "marts", "compliance", "open_data"} <= schemas
    assert {name for schema, name in relations(built) if schema == "compliance"} >= COMPLIANCE_TABLES


def test_the_pipeline_owns_and_reads_everything(built: TestEnv) -> None:
    """Everything but the download log, which it reads and may only append to (below)."""
    everything = relations(built)
    assert readable(built.warehouse_uri, everything) == everything
    with psycopg.connect(built.warehouse_uri) as conn:
        foreign = conn.execute(
            "SELECT n.nspname || '.' || c.relname, pg_get_userbyid(c.relowner) FROM pg_class AS c"
            " JOIN pg_namespace AS n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'v', 'm', 'p', 'S')"
            f" AND {OWN_SCHEMAS}"
            " AND c.relowner <> 'osservatorio_pipeline'::regrole ORDER BY 1"
        ).fetchall()
    assert foreign == [
        ("audit.package_downloads", AUDIT_OWNER),
        ("audit.package_downloads_download_id_seq", AUDIT_OWNER),
    ]


# --- the download log: no writer can rewrite it (issue 24 point 8) -------------------------------

AUDIT_OWNER = "osservatorio_audit"
LOG = "audit.package_downloads"
# What a writer of the log would do to rewrite it, each refused by PostgreSQL for want of a right.
REWRITES = [
    f"ALTER TABLE {LOG} DISABLE TRIGGER package_downloads_append_only",
    f"ALTER TABLE {LOG} DISABLE TRIGGER ALL",
    f"ALTER TABLE {LOG} ADD COLUMN note text",
    f"ALTER TABLE {LOG} ALTER COLUMN downloaded_at SET DEFAULT '2020-01-01'",
    f"ALTER TABLE {LOG} RENAME TO package_downloads_old",
    f"ALTER TABLE {LOG} OWNER TO osservatorio_pipeline",
    f"DROP TRIGGER package_downloads_stamp ON {LOG}",
    f"DROP TRIGGER package_downloads_append_only ON {LOG}",
    "CREATE OR REPLACE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql"
    " AS $$ BEGIN RETURN NEW; END $$",
    "CREATE OR REPLACE FUNCTION audit.stamp_download() RETURNS trigger LANGUAGE plpgsql"
    " AS $$ BEGIN RETURN NEW; END $$",
    "ALTER FUNCTION audit.stamp_download() OWNER TO osservatorio_pipeline",
    "DROP FUNCTION audit.refuse_change() CASCADE",
    f"DROP TABLE {LOG}",
    "DROP SCHEMA audit CASCADE",
    "ALTER SCHEMA audit RENAME TO audit_old",
    "CREATE TABLE audit.package_downloads_copy (x int)",
    f"UPDATE {LOG} SET username = 'mallory'",
    f"DELETE FROM {LOG}",
    f"TRUNCATE {LOG}",
    "SELECT setval('audit.package_downloads_download_id_seq', 1)",
    "SET session_replication_role = replica",  # would silence every trigger
    f"SET ROLE {AUDIT_OWNER}",
    f"GRANT {AUDIT_OWNER} TO osservatorio_pipeline",
]


def writer_uris(env: TestEnv) -> dict[str, str]:
    """The roles that write the log: the pipeline, and the download page, which writes through
    the pipeline's Airflow connection `osservatorio_warehouse` (docs/downloads.md)."""
    page = env.env["AIRFLOW_CONN_OSSERVATORIO_WAREHOUSE"]
    return {"pipeline": env.warehouse_uri, "download page": page}


def log_rows(uri: str) -> list[tuple]:
    with psycopg.connect(uri) as conn:
        return conn.execute(f"SELECT * FROM {LOG} ORDER BY download_id").fetchall()


def insert_download(conn: psycopg.Connection, username: str, **chosen: object) -> tuple[int, object]:
    """An INSERT as a writer could send it, with columns of its choosing; returns (id, time)."""
    columns = {"username": username, "cutoff": "202606", "package_version": "v001",
               "file_name": "tables.xlsx", "sha256": "0" * 64, "bytes": 1, **chosen}  # fmt: skip
    query = sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING download_id, downloaded_at").format(
        sql.SQL(LOG),
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(", ").join(sql.Placeholder() * len(columns)),
    )
    return conn.execute(query, list(columns.values())).fetchone()


def test_the_download_log_belongs_to_a_role_nobody_logs_in_as(built: TestEnv) -> None:
    with psycopg.connect(built.warehouse_uri) as conn:
        owners = conn.execute(
            "SELECT 'schema', pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'audit'"
            " UNION ALL SELECT 'table', pg_get_userbyid(relowner) FROM pg_class"
            "  WHERE oid = 'audit.package_downloads'::regclass"
            " UNION ALL SELECT p.proname, pg_get_userbyid(p.proowner) FROM pg_proc AS p"
            "  WHERE p.pronamespace = 'audit'::regnamespace ORDER BY 1"
        ).fetchall()
        owner = conn.execute(
            "SELECT rolcanlogin, rolsuper, rolcreaterole,"
            " (SELECT count(*) FROM pg_auth_members WHERE roleid = r.oid)"
            " FROM pg_roles AS r WHERE rolname = %s",
            (AUDIT_OWNER,),
        ).fetchone()
        pipeline = conn.execute(
            "SELECT rolsuper, rolcreaterole, rolbypassrls, pg_has_role(current_user, %s, 'MEMBER')"
            " FROM pg_roles WHERE rolname = current_user",
            (AUDIT_OWNER,),
        ).fetchone()
        rights = conn.execute(
            "SELECT privilege_type FROM information_schema.table_privileges"
            " WHERE grantee = current_user AND table_schema = 'audit' ORDER BY 1"
        ).fetchall()
    assert owners == [
        ("refuse_change", AUDIT_OWNER),
        ("schema", AUDIT_OWNER),
        ("stamp_download", AUDIT_OWNER),
        ("table", AUDIT_OWNER),
    ]
    assert owner == (False, False, False, 0)  # cannot log in, and no role is a member of it
    assert pipeline == (False, False, False, False)
    assert rights == [("INSERT",), ("SELECT",)]


@pytest.mark.parametrize("writer", ["pipeline", "download page"])
@pytest.mark.parametrize("statement", REWRITES)
def test_a_writer_of_the_download_log_cannot_rewrite_it(built: TestEnv, writer: str, statement: str) -> None:
    uri = writer_uris(built)[writer]
    with psycopg.connect(uri, autocommit=True) as conn:
        insert_download(conn, "carol")  # a row to protect
    before = log_rows(uri)
    with psycopg.connect(uri, autocommit=True) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)
    assert log_rows(uri) == before


@pytest.mark.parametrize("writer", ["pipeline", "download page"])
def test_the_server_sets_the_id_and_time_of_every_download(built: TestEnv, writer: str) -> None:
    """A backdated row with a chosen id (even with OVERRIDING SYSTEM VALUE) gets the server's."""
    from datetime import UTC, datetime, timedelta

    uri = writer_uris(built)[writer]
    backdated = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with psycopg.connect(uri, autocommit=True) as conn:
        insert_download(conn, "carol")  # a row whose id the next ones could try to reuse
        [(start, top)] = conn.execute(f"SELECT clock_timestamp(), max(download_id) FROM {LOG}").fetchall()
        first = insert_download(conn, "mallory", download_id=-1, downloaded_at=backdated)
        second = insert_download(conn, "mallory", download_id=top, downloaded_at=backdated)
        third = conn.execute(
            f"INSERT INTO {LOG} (download_id, downloaded_at, username, cutoff, package_version,"
            " file_name, sha256, bytes) OVERRIDING SYSTEM VALUE"
            " VALUES (%s, %s, 'mallory', '202606', 'v001', 'x.csv', %s, 1)"
            " RETURNING download_id, downloaded_at",
            (top, backdated, "0" * 64),
        ).fetchone()
        [end] = conn.execute("SELECT clock_timestamp()").fetchone()
    ids = [row[0] for row in (first, second, third)]
    assert ids == sorted(set(ids))  # new ids, in the order of the inserts
    assert min(ids) > top  # none of the chosen ones (-1, an existing id)
    for _, at in (first, second, third):
        assert start <= at <= end
        assert at - backdated > timedelta(days=1)
    stored = {row[0]: row[1] for row in log_rows(uri) if row[0] in ids}
    assert stored == {row[0]: row[1] for row in (first, second, third)}


def test_the_analyst_reads_the_marts_and_nothing_else(built: TestEnv) -> None:
    everything = relations(built)
    served = readable(role_uri(built.env, "ma_analyst", password_of(built.env, "ma_analyst")), everything)
    assert ("marts", "esf_indicators") in served
    refused = everything - served
    assert {("compliance", name) for name in COMPLIANCE_TABLES} <= refused
    assert {("raw", "participant_enrolments"), ("raw", "operations")} <= refused
    assert ("staging", "stg_landing__participant_enrolments") in refused
    assert ("intermediate", "int_participations") in refused
    assert served == {(schema, name) for schema, name in everything if schema in READS["ma_analyst"]}


def test_the_program_officer_reads_the_compliance_schema_and_nothing_else(built: TestEnv) -> None:
    everything = relations(built)
    uri = role_uri(built.env, "program_officer", password_of(built.env, "program_officer"))
    served = readable(uri, everything)
    assert {("compliance", name) for name in COMPLIANCE_TABLES} <= served
    refused = everything - served
    assert {("marts", "esf_indicators"), ("raw", "operations"), ("raw", "participant_enrolments")} <= refused
    assert {("intermediate", "int_operations__current"), ("reference", "pilots")} <= refused
    assert served == {(schema, name) for schema, name in everything if schema in READS["program_officer"]}
    with psycopg.connect(uri, autocommit=True) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT * FROM marts.indicator_cell_sources('EECO01', '2026-06-30', 'p', 'a', 'F')")


PUBLIC_VIEWS = {"sdg_public_counts", "sdg_public_rates", "sdg_public_gender_gaps", "sdg_public_targets"}


def test_the_public_reader_reads_the_public_views_and_nothing_else(built: TestEnv) -> None:
    """The public SDG views (docs/disclosure.md), and not the cells they are suppressed from."""
    everything = relations(built)
    uri = role_uri(built.env, "public_reader", password_of(built.env, "public_reader"))
    served = readable(uri, everything)
    assert {("open_data", name) for name in PUBLIC_VIEWS} <= served
    refused = everything - served
    assert {("marts", "esf_indicators"), ("raw", "participant_enrolments"), ("raw", "operations")} <= refused
    assert {("compliance", name) for name in COMPLIANCE_TABLES} <= refused
    assert ("staging", "stg_landing__participant_enrolments") in refused
    assert {("intermediate", "int_sdg_members"), ("intermediate", "int_public_cells__suppressed")} <= refused
    assert {("reference", "sdg_target_mapping"), ("reference", "pilots")} <= refused
    assert served == {(schema, name) for schema, name in everything if schema in READS["public_reader"]}
    with psycopg.connect(uri, autocommit=True) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT * FROM marts.indicator_cell_sources('EECO01', '2026-06-30', 'p', 'a', 'F')")


@pytest.mark.parametrize("role", sorted(READS))
def test_readers_cannot_write_or_create_anything(built: TestEnv, role: str) -> None:
    with psycopg.connect(role_uri(built.env, role, password_of(built.env, role)), autocommit=True) as conn:
        for statement in (
            "CREATE TABLE public.probe (x int)",
            "CREATE TEMPORARY TABLE probe (x int)",
            "CREATE SCHEMA probe",
            "CREATE TABLE compliance.probe (x int)",
            "CREATE TABLE marts.probe (x int)",
            "CREATE TABLE open_data.probe (x int)",
            "CREATE VIEW open_data.probe AS SELECT 1 AS x",
            "DELETE FROM compliance.compliance_list_of_operations",
            "DELETE FROM marts.esf_indicators",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_nothing_is_granted_to_public(built: TestEnv) -> None:
    """PUBLIC (every role, present and future) can neither connect nor reach any object."""
    with psycopg.connect(built.warehouse_uri) as conn:
        [database] = conn.execute(
            "SELECT has_database_privilege('public', current_database(), 'CONNECT')"
            " OR has_database_privilege('public', current_database(), 'TEMPORARY')"
            " OR has_database_privilege('public', current_database(), 'CREATE')"
        ).fetchone()
        schemas = conn.execute(
            f"SELECT n.nspname FROM pg_namespace AS n WHERE {OWN_SCHEMAS}"
            " AND (has_schema_privilege('public', n.oid, 'CREATE')"
            " OR (n.nspname <> 'public' AND has_schema_privilege('public', n.oid, 'USAGE')))"
        ).fetchall()
        tables = conn.execute(
            "SELECT n.nspname || '.' || c.relname FROM pg_class AS c JOIN pg_namespace AS n"
            " ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f', 'S')"
            f" AND {OWN_SCHEMAS}"
            " AND EXISTS (SELECT 1 FROM aclexplode(c.relacl) AS acl WHERE acl.grantee = 0)"
        ).fetchall()
        functions = conn.execute(
            "SELECT p.oid::regprocedure::text FROM pg_proc AS p"
            f" JOIN pg_namespace AS n ON n.oid = p.pronamespace WHERE {OWN_SCHEMAS}"
            " AND has_function_privilege('public', p.oid, 'EXECUTE')"
        ).fetchall()
    assert (database, schemas, tables, functions) == (False, [], [], [])


def test_no_reader_sees_an_identifying_column(built: TestEnv) -> None:
    with psycopg.connect(built.warehouse_uri) as conn:
        exposed = conn.execute(
            "SELECT r.rolname, c.table_schema || '.' || c.table_name || '.' || c.column_name"
            " FROM information_schema.columns AS c CROSS JOIN pg_roles AS r"
            " WHERE r.rolname = ANY(%s) AND lower(c.column_name) = ANY(%s)"
            " AND c.table_schema NOT IN ('pg_catalog', 'information_schema')"
            " AND has_schema_privilege(r.oid, c.table_schema, 'USAGE')"
            " AND has_table_privilege(r.oid, format('%%I.%%I', c.table_schema, c.table_name), 'SELECT')",
            (sorted(READS), sorted(IDENTIFYING_COLUMNS)),
        ).fetchall()
        [held_by_pipeline] = conn.execute(
            "SELECT count(*) FROM information_schema.columns WHERE column_name = ANY(%s)",
            (sorted(IDENTIFYING_COLUMNS),),
        ).fetchone()
    assert held_by_pipeline > 0  # the warehouse does hold such columns: the check is not empty
    assert exposed == []


@pytest.mark.parametrize("role", sorted(READS))
def test_readers_cannot_connect_to_the_airflow_metadata(built: TestEnv, role: str) -> None:
    uri = role_uri(built.env, role, password_of(built.env, role), built.env["OSSERVATORIO_AIRFLOW_DB"])
    with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
        psycopg.connect(uri).close()


@pytest.fixture
def officer_user(built: TestEnv) -> Iterator[tuple[str, str]]:
    """A personal login made as docs/roles.md says: CREATE ROLE ... LOGIN, GRANT program_officer TO it."""
    name = re.sub(r"[^a-z0-9_]", "_", f"officer_{TEST_SLOT or 'main'}_{os.getpid()}".lower())
    password = "local-test-officer"
    admin = ("scripts/postgres.sh", "psql")
    built.run(*admin, "-c", f"DROP ROLE IF EXISTS {name}")
    built.run(*admin, "-c", f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
    built.run(*admin, "-c", f"GRANT program_officer TO {name}")
    yield name, password
    built.run(*admin, "-c", f"DROP ROLE IF EXISTS {name}")


def test_a_user_granted_the_role_reads_as_the_role(built: TestEnv, officer_user: tuple[str, str]) -> None:
    name, password = officer_user
    listing = ("compliance", "compliance_list_of_operations")
    targets = {listing, ("marts", "esf_indicators"), ("raw", "operations")}
    assert readable(role_uri(built.env, name, password), targets) == {listing}

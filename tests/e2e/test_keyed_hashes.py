"""What an analyst reads holds no unkeyed hash of identifying data (issue 24 point 8), after one real
run of the pipeline (`pipeline_ran`): neither the plain SHA-256 of a landed record (codice fiscale
included) nor md5(pilot|operation|partita IVA) of a supported entity, nor a plain hash of a
codice fiscale or partita IVA, in any column of any table or view of the `marts` schema; and no
partita IVA in clear in marts.quarantine_open. An auditor holding the pseudonymisation key finds
the keyed values. Every expected value is computed here, with hashlib and hmac, from the simulated
pilots' own records."""

from __future__ import annotations

import hashlib
import hmac
import json
import re

import psycopg
import pytest
from psycopg import sql

from tests.conftest import FILE_PILOTS, TestEnv
from tests.e2e.conftest import PILOTS, query, system

pytestmark = pytest.mark.e2e
RECORD_TABLES = (
    "operations",
    "participant_enrolments",
    "result_events",
    "supported_entities",
    "expenditures",
)
HEX = re.compile(r"[0-9a-f]{32}(?:[0-9a-f]{32})?")  # md5 and SHA-256 digests as text
REST_PILOTS = [pilot for pilot in PILOTS if pilot not in FILE_PILOTS]


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def as_sent(record: dict) -> str:
    """A REST pilot's record as it travels in JSON, keys sorted (how the pipeline hashes it)."""
    return json.dumps(record, sort_keys=True, ensure_ascii=False, default=str)


def supported_entities() -> list[tuple[str, str, str, str]]:
    """(pilot, support id, operation, partita IVA) of every supported-entity record the pilots serve."""
    fields = ("support_id", "operation_id", "entity_vat_number")
    return [
        (pilot, *(str(r.canonical[name]) for name in fields))
        for pilot in PILOTS
        for r in system(pilot).records("supported_entities")
        if r.canonical.get("entity_vat_number") and r.canonical.get("operation_id")
    ]  # fmt: skip


def tax_codes() -> set[str]:
    return {
        str(r.canonical["tax_code"])
        for pilot in PILOTS
        for r in system(pilot).records("participant_enrolments")
        if r.canonical.get("tax_code")
    }


def unkeyed_hashes(test_env: TestEnv) -> set[str]:
    """Every unkeyed hash of identifying data an analyst must not find."""
    landed = {
        digest
        for table in RECORD_TABLES
        for [digest] in query(
            test_env, f"SELECT record_hash FROM raw.{table}"
        )  # the pipeline's plain SHA-256
    }
    served = {
        sha256(as_sent(r.record))
        for pilot in REST_PILOTS
        for e in RECORD_TABLES
        for r in system(pilot).records(e)
    }
    assert len(landed & served) > 100  # the plain hashes of raw are those of the records as sent
    entities = supported_entities()
    members = {md5(f"{pilot}|{operation}|{vat}") for pilot, _, operation, vat in entities}
    identifiers = {vat for *_, vat in entities} | tax_codes()
    plain = {f(code) for code in identifiers for f in (sha256, md5)}
    return landed | served | members | plain


def mart_relations(test_env: TestEnv) -> list[str]:
    rows = query(
        test_env,
        "SELECT c.relname FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'marts' AND c.relkind IN ('r', 'v', 'm', 'p') ORDER BY 1",
    )
    return [name for [name] in rows]


def mart_text(test_env: TestEnv, relation: str) -> list[str]:
    """Every row of a mart as text: all its columns, whatever their type."""
    with psycopg.connect(test_env.warehouse_uri) as conn:
        query_ = sql.SQL("SELECT t::text FROM marts.{} AS t").format(sql.Identifier(relation))
        return [text for [text] in conn.execute(query_).fetchall()]


def test_no_mart_column_holds_an_unkeyed_hash(test_env: TestEnv, pipeline_ran: None) -> None:
    forbidden = unkeyed_hashes(test_env)
    relations = mart_relations(test_env)
    assert {"esf_member_source_records", "esf_indicator_members", "quarantine_open"} <= set(relations)
    found: dict[str, set[str]] = {}
    digests = 0
    for relation in relations:
        tokens = {token for text in mart_text(test_env, relation) for token in HEX.findall(text)}
        digests += len(tokens)
        if hits := tokens & forbidden:
            found[relation] = set(sorted(hits)[:3])
    assert digests > 1000  # the marts do carry (keyed) digests: the check looks at real values
    assert found == {}


def test_an_auditor_with_the_key_finds_the_keyed_values(test_env: TestEnv, pipeline_ran: None) -> None:
    key = test_env.env["AIRFLOW_VAR_OSSERVATORIO_PSEUDONYMISATION_KEY"].encode()
    rows = query(test_env, "SELECT record_type, pilot_id, source_record_id, member_id, record_hash"
                 " FROM marts.esf_member_source_records")  # fmt: skip
    assert rows
    assert all(row[4] is not None for row in rows)  # every record here landed keyed
    by_record = {
        (kind, pilot, record_id): (member, digest) for kind, pilot, record_id, member, digest in rows
    }
    checked = 0
    for pilot in REST_PILOTS:
        for kind in ("participant_enrolments", "supported_entities"):
            for r in system(pilot).records(kind):
                found = by_record.get((kind, pilot, str(r.canonical[next(iter(r.canonical))])))
                if found is not None and found[1] == sha256(as_sent(r.record)):
                    pytest.fail(f"{kind} {pilot}: the mart holds the plain SHA-256")
                if found is not None:
                    keyed = hmac.new(key, b"record:" + as_sent(r.record).encode(), hashlib.sha256).hexdigest()
                    assert found[1] == keyed
                    checked += 1
    assert checked > 100
    entities = 0
    for pilot, support_id, operation, vat in supported_entities():
        found = by_record.get(("supported_entities", pilot, support_id))
        if found is None:  # quarantined
            continue
        entity_key = hmac.new(key, b"entity:" + vat.encode(), hashlib.sha256).hexdigest()
        assert found[0] == md5(f"{pilot}|{operation}|{entity_key}")
        entities += 1
    assert entities > 10


def test_no_partita_iva_in_clear_in_the_open_quarantine(test_env: TestEnv, pipeline_ran: None) -> None:
    vats = {vat for *_, vat in supported_entities()}
    bad = {
        (pilot, str(r.canonical["support_id"]), str(r.canonical["entity_vat_number"]))
        for pilot in PILOTS
        for r in system(pilot).records("supported_entities")
        if "bad_vat_number" in r.defects
    }
    rows = mart_text(test_env, "quarantine_open")
    open_ids = {
        (pilot, record_id)
        for pilot, record_id in query(
            test_env,
            "SELECT pilot_id, source_record_id FROM marts.quarantine_open"
            " WHERE record_type = 'supported_entities'",
        )
    }
    # the check is not empty: records quarantined for their partita IVA are there, without it
    assert {(pilot, support_id) for pilot, support_id, _ in bad} & open_ids
    assert not {vat for vat in vats | {vat for *_, vat in bad} if any(vat in text for text in rows)}

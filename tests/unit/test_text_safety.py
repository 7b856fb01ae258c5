"""Text PostgreSQL cannot store (NUL, lone surrogates) never leaves extraction raw: it is escaped
where every channel writes records, and the record is quarantined naming the field."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

from osservatorio.envelope import BAD_TEXT, record_hash, write_extracted
from osservatorio.extract.text_safety import make_safe
from osservatorio.registry import load_registry
from osservatorio.validate.batch import validate_batch

TDZ = load_registry()["tdz_corviale"]  # a REST pilot


def written(record: dict[str, Any], source: str = "page 1") -> tuple[str, dict[str, Any]]:
    sink = io.StringIO()
    write_extracted(sink, source, record)
    line = sink.getvalue()
    return line, json.loads(line)


def storable(text: str) -> bool:
    """What PostgreSQL text/jsonb accept: UTF-8 encodable, no NUL (raw or as a JSON escape)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text and "\\u0000" not in text


def test_a_clean_record_is_written_as_sent() -> None:
    record = {"nome": "Niccolò", "mesi": 3, "note": "literal \\x00 and \\u0000 typed by a person"}
    _, envelope = written(record)
    assert envelope == {"source": "page 1", "record": record}
    assert make_safe(record) is record
    assert record_hash(envelope["record"]) == record_hash(record)


def test_nul_and_undecodable_bytes_are_escaped_and_the_record_marked() -> None:
    # As the CSV reader decodes UTF-8: byte 0xE9 kept as the surrogate U+DCE9.
    line, envelope = written({"mesi_disoccupazione": "1\x002", "nome_file": "Caff\udce9", "ok": "sì"})
    assert storable(line)
    record = envelope["record"]
    assert record["mesi_disoccupazione"] == "1\\x002"
    assert record["nome_file"] == "Caff\\xe9"
    assert record["ok"] == "sì"
    assert record[BAD_TEXT] == {
        "mesi_disoccupazione": "NUL byte (shown as \\x00)",
        "nome_file": "byte 0xE9 is not valid UTF-8 (mixed encodings; shown as \\xe9)",
    }


def test_a_rest_body_with_escapes_nested_anywhere_is_made_storable() -> None:
    body = json.loads(
        '{"id": "R1", "indirizzo": {"via": "Roma\\u0000", "civici": ["1", "2\\udce9"]},'
        ' "note\\u0000": "x", "altro": "\\ud800"}'
    )
    line, envelope = written(body, source="/api/v1/iscrizioni?pagina=3")
    assert storable(line)
    record = envelope["record"]
    assert record["indirizzo"] == {"via": "Roma\\x00", "civici": ["1", "2\\xe9"]}
    assert record["note\\x00"] == "x"
    assert record["altro"] == "\\ud800"
    bad = record[BAD_TEXT]
    assert set(bad) == {"indirizzo", "note\\x00", "altro"}
    assert "NUL byte (shown as \\x00) at via" in bad["indirizzo"]
    assert "byte 0xE9 is not valid UTF-8 (mixed encodings; shown as \\xe9) at civici[1]" in bad["indirizzo"]
    assert bad["note\\x00"].startswith("field name: NUL byte")
    assert bad["altro"].startswith("lone surrogate U+D800")


def test_the_same_bad_record_always_hashes_the_same() -> None:
    # Validation hashes the written record: a resend of the same bytes must not look changed.
    first = written({"a": "x\x00", "b": "\udce9"})[1]["record"]
    again = written({"a": "x\x00", "b": "\udce9"})[1]["record"]
    other = written({"a": "x\\x00", "b": "\\xe9"})[1]["record"]  # the escapes typed as text
    assert record_hash(first) == record_hash(again)
    assert record_hash(first) != record_hash(other)


GOOD = {
    "id_iscrizione": "E0",
    "codice_progetto": "P1",
    "codice_fiscale": "RCCMNL83S18D969H",
    "nome": "Manuel",
    "cognome": "Rocca",
    "sesso": "M",
    "data_nascita": "1983-11-18",
    "titolo_studio": 3,
    "condizione_occupazionale": "disoccupato",
    "mesi_disoccupazione": "4",
    "data_ingresso": "2024-02-01",
}


def test_validation_quarantines_marked_records_naming_field_and_problem(tmp_path: Path) -> None:
    records = [GOOD | {"id_iscrizione": f"E{i}", "codice_progetto": f"P-{i}"} for i in range(9)]
    records.append(GOOD | {"id_iscrizione": "BAD", "mesi_disoccupazione": "4\x00"})
    path = tmp_path / "participant_enrolments.source.jsonl"
    with path.open("w", encoding="utf-8") as sink:
        for i, record in enumerate(records):
            write_extracted(sink, f"/iscrizioni?pagina=1 #{i}", record)

    summary = validate_batch(TDZ, "participant_enrolments", path, "k" * 40, date(2026, 6, 30))

    assert (summary.valid, summary.quarantined) == (9, 1)
    [entry] = [json.loads(line) for line in Path(summary.quarantine_path).read_text().splitlines()]
    assert entry["record_id"] == "BAD"
    assert "clean_text" in entry["failed_rules"]
    assert "mesi_disoccupazione: NUL byte (shown as \\x00)" in entry["reason"]
    assert entry["payload"]["unemployment_months"] == "4\\x00"
    for written_file in (summary.valid_path, summary.quarantine_path):
        assert storable(Path(written_file).read_text(encoding="utf-8"))

"""The real GX suite on crafted batches: every defect ends in quarantine with its exact reason."""

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from osservatorio.registry import load_registry
from osservatorio.validate.batch import BatchRejected, validate_batch

PILOT = load_registry()["tdz_corviale"]
AS_OF = date(2026, 6, 30)
KEY = "test-key-" + "x" * 32
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
    "data_ingresso": "2024-02-01",
    "data_uscita": "2024-06-01",
}

# (changes to a good record, rule expected in the quarantine, words of the reason)
DEFECTS = [
    ({"sesso": None}, "gender_present", "gender missing"),
    ({"sesso": "Q"}, "gender_domain", "gender not one of F, M, non-binary (gender='Q')"),
    ({"data_nascita": None}, "birth_date_present", "birth date missing"),
    ({"titolo_studio": 11}, "education_domain", "education level outside ISCED 0-8 (isced_level=11)"),
    ({"titolo_studio": None}, "education_present", "education level missing"),
    ({"condizione_occupazionale": "pensionato"}, "labour_status_domain", "labour-market status not in"),
    ({"data_uscita": "2024-01-15"}, "exit_not_before_entry", "exit date before entry date"),
    ({"data_nascita": "2025-01-01"}, "born_before_entry", "entry date not after birth date"),
    ({"codice_fiscale": "RCCMNL83S18D969A"}, "tax_code_check_character", "fails its check character"),
    ({"codice_fiscale": "RCCMNL83"}, "tax_code_format", "not 16 characters"),
    ({"codice_fiscale": None}, "tax_code_present", "codice fiscale missing"),
    ({"data_ingresso": "01/02/2024"}, "typed_values", "entry_date='01/02/2024' is not a date"),
    ({"codice_progetto": None}, "operation_present", "operation code missing"),
    ({"data_ingresso": "2026-07-01", "data_uscita": None}, "entry_not_in_future", "entry date after the end"),
    ({"data_uscita": "2026-07-01"}, "exit_not_in_future", "exit date after the end"),
    ({"comune_residenza": "58091"}, "residence_comune_format", "not a 6-digit ISTAT code"),
    ({"disabilita": "forse"}, "disability_domain", "disability not one of yes, no, refused, unknown"),
    ({"mesi_disoccupazione": -3}, "unemployment_months_not_negative", "months of unemployment negative"),
    (
        {"data_nascita": "1983-11-19"},
        "tax_code_consistent",
        "does not match the record's birth date or gender",
    ),
    ({"sesso": "F"}, "tax_code_consistent", "does not match the record's birth date or gender"),
    (
        {"data_ingresso": "2020-12-31", "data_uscita": None},
        "entry_in_programme_period",
        "outside the programming",
    ),
    (
        {"codice_fiscale": "RCCMNL13S18D969O", "data_nascita": "2013-11-18"},
        "age_at_entry_range",
        "outside 15-100",
    ),
]


def write_batch(tmp_path: Path, records: list[dict]) -> Path:
    path = tmp_path / "participant_enrolments.source.jsonl"
    path.write_text(
        "".join(json.dumps({"source": f"page 1 #{i}", "record": r}) + "\n" for i, r in enumerate(records))
    )
    return path


@pytest.mark.parametrize(("change", "rule", "reason"), DEFECTS, ids=[d[1] for d in DEFECTS])
def test_each_defect_is_quarantined_with_its_reason(
    tmp_path: Path, change: dict, rule: str, reason: str
) -> None:
    records = [GOOD | {"id_iscrizione": f"E{i}"} for i in range(9)] + [
        GOOD | {"id_iscrizione": "BAD"} | change
    ]
    summary = validate_batch(PILOT, "participant_enrolments", write_batch(tmp_path, records), KEY, AS_OF)
    assert (summary.received, summary.valid, summary.quarantined) == (10, 9, 1)
    [entry] = [json.loads(line) for line in Path(summary.quarantine_path).read_text().splitlines()]
    assert entry["record_id"] == "BAD"
    assert rule in entry["failed_rules"]
    assert reason in entry["reason"]
    assert entry["source"] == "page 1 #9"
    # The quarantined payload never holds the codice fiscale nor names.
    assert "codice_fiscale" not in json.dumps(entry)
    assert "RCCMNL" not in json.dumps(entry)
    assert "Rocca" not in json.dumps(entry)


def test_valid_records_carry_a_person_key_and_no_identifiers(tmp_path: Path) -> None:
    summary = validate_batch(PILOT, "participant_enrolments", write_batch(tmp_path, [GOOD]), KEY, AS_OF)
    [landed] = [json.loads(line) for line in Path(summary.valid_path).read_text().splitlines()]
    assert len(landed["record"]["person_key"]) == 64
    assert "tax_code" not in landed["record"]
    assert "RCCMNL" not in json.dumps(landed)
    assert "Manuel" not in json.dumps(landed)


def test_batch_over_the_bad_row_threshold_is_refused_whole(tmp_path: Path) -> None:
    records = [GOOD | {"id_iscrizione": f"E{i}", "sesso": None if i < 3 else "M"} for i in range(10)]
    strict = replace(PILOT, max_bad_row_share=0.2)
    with pytest.raises(BatchRejected, match=r"pilot tdz_corviale.*3 of 10 records invalid \(30%\)"):
        validate_batch(strict, "participant_enrolments", write_batch(tmp_path, records), KEY, AS_OF)


def test_empty_batch_is_valid_and_empty(tmp_path: Path) -> None:
    # An incremental pull with no changes is normal; empty *files* are refused by the file reader.
    summary = validate_batch(PILOT, "participant_enrolments", write_batch(tmp_path, []), KEY, AS_OF)
    assert (summary.received, summary.valid, summary.quarantined) == (0, 0, 0)


def test_chunks_see_the_same_rules_as_one_batch(tmp_path: Path) -> None:
    records = [GOOD | {"id_iscrizione": f"E{i}", "sesso": None if i % 7 == 0 else "M"} for i in range(40)]
    summary = validate_batch(
        PILOT, "participant_enrolments", write_batch(tmp_path, records), KEY, AS_OF, chunk_size=9
    )
    assert (summary.received, summary.valid, summary.quarantined) == (40, 34, 6)
    sources = [json.loads(line)["source"] for line in Path(summary.quarantine_path).read_text().splitlines()]
    assert sources == [f"page 1 #{i}" for i in range(0, 40, 7)]


def test_a_required_field_absent_from_every_record_refuses_the_batch(tmp_path: Path) -> None:
    records = [{k: v for k, v in GOOD.items() if k != "sesso"} | {"id_iscrizione": f"E{i}"} for i in range(5)]
    with pytest.raises(
        BatchRejected, match=r"required field\(s\) absent from every record: sesso \(gender\)"
    ):
        validate_batch(PILOT, "participant_enrolments", write_batch(tmp_path, records), KEY, AS_OF)


def test_failures_are_counted_per_rule(tmp_path: Path) -> None:
    records = [GOOD | {"id_iscrizione": f"E{i}", "titolo_studio": 11 if i < 2 else 3} for i in range(12)]
    summary = validate_batch(PILOT, "participant_enrolments", write_batch(tmp_path, records), KEY, AS_OF)
    assert summary.failures_by_rule == {"education_domain": 2}

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
    ({"sesso": "Q"}, "gender_domain", "gender not one of F, M, non-binary (sesso='Q')"),
    ({"data_nascita": None}, "birth_date_present", "birth date missing"),
    ({"titolo_studio": 11}, "education_domain", "education level outside ISCED 0-8 (titolo_studio=11)"),
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
    records = [GOOD | {"id_iscrizione": f"E{i}", "codice_progetto": f"P-{i}"} for i in range(9)] + [
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
    records = [
        GOOD | {"id_iscrizione": f"E{i}", "codice_progetto": f"P-{i}", "sesso": None if i < 3 else "M"}
        for i in range(10)
    ]
    strict = replace(PILOT, max_bad_row_share=0.2)
    with pytest.raises(BatchRejected, match=r"pilot tdz_corviale.*3 of 10 records invalid \(30%\)"):
        validate_batch(strict, "participant_enrolments", write_batch(tmp_path, records), KEY, AS_OF)


def test_empty_batch_is_valid_and_empty(tmp_path: Path) -> None:
    # An incremental pull with no changes is normal; empty *files* are refused by the file reader.
    summary = validate_batch(PILOT, "participant_enrolments", write_batch(tmp_path, []), KEY, AS_OF)
    assert (summary.received, summary.valid, summary.quarantined) == (0, 0, 0)


def test_chunks_see_the_same_rules_as_one_batch(tmp_path: Path) -> None:
    records = [
        GOOD | {"id_iscrizione": f"E{i}", "codice_progetto": f"P-{i}", "sesso": None if i % 7 == 0 else "M"}
        for i in range(40)
    ]
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
    records = [
        GOOD | {"id_iscrizione": f"E{i}", "codice_progetto": f"P-{i}", "titolo_studio": 11 if i < 2 else 3}
        for i in range(12)
    ]
    summary = validate_batch(PILOT, "participant_enrolments", write_batch(tmp_path, records), KEY, AS_OF)
    assert summary.failures_by_rule == {"education_domain": 2}


def test_a_duplicate_entry_is_quarantined_in_every_copy_across_chunks(tmp_path: Path) -> None:
    # Same codice fiscale, operation and entry date under two enrolment ids, four chunks apart.
    others = [GOOD | {"id_iscrizione": f"E{i}", "codice_progetto": f"P-{i}"} for i in range(18)]
    copy = GOOD | {"codice_progetto": "P-DUP", "data_uscita": None}
    records = [
        copy | {"id_iscrizione": "D1"},
        *others,
        copy | {"id_iscrizione": "D2", "data_uscita": "2024-03-01"},
    ]
    summary = validate_batch(
        PILOT, "participant_enrolments", write_batch(tmp_path, records), KEY, AS_OF, chunk_size=5
    )
    assert (summary.received, summary.valid, summary.quarantined) == (20, 18, 2)
    entries = [json.loads(line) for line in Path(summary.quarantine_path).read_text().splitlines()]
    assert [e["record_id"] for e in entries] == ["D1", "D2"]
    for entry in entries:
        assert entry["failed_rules"] == ["duplicate_entry"]
        assert entry["reason"] == (
            "the same person entered the same operation on the same date under more than one"
            " enrolment id in this batch (operation_id='P-DUP', entry_date='2024-02-01': 2 enrolments)"
        )
    assert summary.failures_by_rule == {"duplicate_entry": 2}


@pytest.mark.parametrize(
    "change",
    [{"data_ingresso": "2024-09-01", "data_uscita": None}, {"codice_progetto": "P-OTHER"}],
    ids=["re-entry on a later date", "another operation"],
)
def test_the_same_person_may_enter_again_later_or_elsewhere(tmp_path: Path, change: dict) -> None:
    records = [GOOD | {"id_iscrizione": "A"}, GOOD | {"id_iscrizione": "B"} | change]
    summary = validate_batch(PILOT, "participant_enrolments", write_batch(tmp_path, records), KEY, AS_OF)
    assert (summary.received, summary.valid, summary.quarantined) == (2, 2, 0)


def test_a_duplicate_entry_needs_the_same_person(tmp_path: Path) -> None:
    other_person = {"codice_fiscale": "BNCGLI90A41H501E", "sesso": "F", "data_nascita": "1990-01-01"}
    records = [GOOD | {"id_iscrizione": "A"}, GOOD | {"id_iscrizione": "B"} | other_person]
    summary = validate_batch(PILOT, "participant_enrolments", write_batch(tmp_path, records), KEY, AS_OF)
    assert (summary.received, summary.valid, summary.quarantined) == (2, 2, 0)


# Freshness: TdZ enrolments may be at most 45 days stale (config/pilots.yaml): with the interval
# ending on AS_OF (2026-06-30), the newest record must have changed on or after 2026-05-16 00:00 UTC.
def _updated(stamps: list[str]) -> list[dict]:
    return [
        GOOD | {"id_iscrizione": f"E{i}", "codice_progetto": f"P-{i}", "aggiornato_il": stamp}
        for i, stamp in enumerate(stamps)
    ]


def test_the_freshness_limit_is_read_from_the_registry() -> None:
    assert PILOT.entities["participant_enrolments"].max_staleness_days == 45


@pytest.mark.parametrize("newest", ["2026-05-16T00:00:00Z", "2026-06-29T10:00:00Z"])
def test_a_batch_whose_newest_record_is_within_the_limit_passes(tmp_path: Path, newest: str) -> None:
    # Only the last of four chunks holds a recent record: the batch's newest decides, not a chunk's.
    stamps = ["2025-01-10T08:00:00Z"] * 15 + [newest]
    summary = validate_batch(
        PILOT, "participant_enrolments", write_batch(tmp_path, _updated(stamps)), KEY, AS_OF, chunk_size=4
    )
    assert (summary.received, summary.valid) == (16, 16)


def test_a_stale_batch_is_refused_whole(tmp_path: Path) -> None:
    stamps = ["2025-01-10T08:00:00Z"] * 15 + ["2026-05-15T23:59:59Z"]
    with pytest.raises(BatchRejected) as refused:
        validate_batch(
            PILOT, "participant_enrolments", write_batch(tmp_path, _updated(stamps)), KEY, AS_OF, chunk_size=4
        )
    assert str(refused.value) == (
        "pilot tdz_corviale, participant_enrolments from /api/v1/partecipanti: batch refused, nothing"
        " loaded: batch_fresh: stale batch: its newest record was last changed before the pilot's"
        " freshness limit (newest: 2026-05-15 23:59:59+00:00, limit: 2026-05-16 00:00:00+00:00)"
    )


def test_a_batch_that_never_says_when_records_changed_is_not_judged_stale(tmp_path: Path) -> None:
    summary = validate_batch(
        PILOT, "participant_enrolments", write_batch(tmp_path, _updated([None] * 3)), KEY, AS_OF
    )
    assert summary.valid == 3


def test_the_same_enrolment_id_sent_twice_is_left_to_the_landing_id_rule(tmp_path: Path) -> None:
    records = [GOOD | {"id_iscrizione": "A"}, GOOD | {"id_iscrizione": "A", "data_uscita": None}]
    summary = validate_batch(PILOT, "participant_enrolments", write_batch(tmp_path, records), KEY, AS_OF)
    assert (summary.valid, summary.quarantined) == (2, 0)


def test_a_field_neither_mapped_nor_ignored_refuses_the_batch(tmp_path: Path) -> None:
    # nome and cognome come with every TdZ record: ignored in the registry, never read.
    records = [GOOD | {"id_iscrizione": f"E{i}", "codice_progetto": f"P-{i}"} for i in range(5)]
    records[3] |= {"cittadinanza": "IT"}
    with pytest.raises(BatchRejected) as refused:
        validate_batch(PILOT, "participant_enrolments", write_batch(tmp_path, records), KEY, AS_OF)
    assert str(refused.value) == (
        "pilot tdz_corviale, participant_enrolments from /api/v1/partecipanti: batch refused, nothing"
        " loaded: unknown field(s) 'cittadinanza' (first in page 1 #3): neither mapped nor ignored in"
        " config/pilots.yaml (did the pilot change its format?)"
    )

"""The real GX suite on crafted batches: every defect ends in quarantine with its exact reason."""

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from stdnum.it import codicefiscale

from osservatorio.registry import load_registry
from osservatorio.validate.batch import BatchRejected, validate_batch

PILOT = load_registry()["tdz_corviale"]
LENIENT = replace(PILOT, max_bad_row_share=1.0)  # for batches of a few records, all quarantined
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
# A missing point 1.1 datum is no defect (incomplete is not invalid): see MISSING_CORE_DATA.
DEFECTS = [
    ({"sesso": "Q"}, "gender_domain", "gender not one of F, M, non-binary (sesso='Q')"),
    ({"titolo_studio": 11}, "education_domain", "education level outside ISCED 0-8 (titolo_studio=11)"),
    ({"titolo_studio": "tre"}, "typed_values", "isced_level='tre' is not an integer"),
    ({"data_nascita": "31/02/1990"}, "typed_values", "birth_date='31/02/1990' is not a date"),
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
    ({"comune_residenza": "058999"}, "residence_comune_known", "not a real ISTAT comune code"),
    ({"comune_residenza": "999999"}, "residence_comune_known", "(comune_residenza='999999')"),
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
        {"codice_fiscale": "RCCMNL12S18D969N", "data_nascita": "1912-11-18"},
        "age_at_entry_range",
        "age at entry impossible (negative or over 110 years) (_age_at_entry=111)",
    ),
    (
        {"codice_fiscale": "RCCMNL24S18D969U", "data_nascita": "2024-11-18"},
        "age_at_entry_range",
        "age at entry impossible (negative or over 110 years) (_age_at_entry=-1)",
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


# Missing point 1.1 data: an incomplete participant lands (dbt flags it, Art. 17(5)).
MISSING_CORE_DATA = [
    {"sesso": None},
    {"sesso": "  "},
    {"data_nascita": None},
    {"data_nascita": ""},
    {"titolo_studio": None},
    {"titolo_studio": ""},
    {"condizione_occupazionale": None},
    {"sesso": None, "data_nascita": None, "titolo_studio": None, "condizione_occupazionale": None},
]


@pytest.mark.parametrize(
    "change", MISSING_CORE_DATA, ids=lambda c: "+".join(f"{k}={v!r}" for k, v in c.items())
)
def test_a_missing_core_datum_lands(tmp_path: Path, change: dict) -> None:
    incomplete = GOOD | {"id_iscrizione": "INCOMPLETE", "codice_progetto": "P2"} | change
    records = [GOOD | {"id_iscrizione": "OK"}, incomplete]
    summary = validate_batch(PILOT, "participant_enrolments", write_batch(tmp_path, records), KEY, AS_OF)
    assert (summary.received, summary.valid, summary.quarantined) == (2, 2, 0)
    assert summary.failures_by_rule == {}  # no tax_code_consistent for a blank birth date or gender
    landed = {
        e["record_id"]: e["record"]
        for e in map(json.loads, Path(summary.valid_path).read_text().splitlines())
    }
    canonical = {"sesso": "gender", "data_nascita": "birth_date", "titolo_studio": "isced_level"}
    canonical |= {"condizione_occupazionale": "labour_status"}
    for field in change:
        assert landed["INCOMPLETE"][canonical[field]] is None


def test_a_core_datum_key_missing_from_one_record_lands(tmp_path: Path) -> None:
    incomplete = {k: v for k, v in GOOD.items() if k != "sesso"} | {"codice_progetto": "P2"}
    records = [GOOD | {"id_iscrizione": "OK"}, incomplete]
    summary = validate_batch(PILOT, "participant_enrolments", write_batch(tmp_path, records), KEY, AS_OF)
    assert (summary.valid, summary.quarantined) == (2, 0)


def _born(year: int) -> dict:
    """GOOD's participant born on 18 Nov `year`, with a codice fiscale that says so."""
    body = f"RCCMNL{year % 100:02d}S18D969"
    return {"codice_fiscale": body + codicefiscale.calc_check_digit(body), "data_nascita": f"{year}-11-18"}


# Entry on 2024-02-01: ages in whole years on the entry date.
@pytest.mark.parametrize(("year", "age"), [(2023, 0), (2009, 14), (2006, 17), (2005, 18), (1913, 110)])
def test_any_possible_age_lands_minors_included(tmp_path: Path, year: int, age: int) -> None:
    records = [GOOD | {"id_iscrizione": "A"} | _born(year)]
    summary = validate_batch(PILOT, "participant_enrolments", write_batch(tmp_path, records), KEY, AS_OF)
    assert (summary.valid, summary.quarantined, summary.failures_by_rule) == (1, 0, {}), age


@pytest.mark.parametrize(
    ("year", "rules"),
    [(1912, ["age_at_entry_range"]), (2024, ["age_at_entry_range", "born_before_entry"])],
    ids=["111", "-1"],
)
def test_an_impossible_age_is_quarantined(tmp_path: Path, year: int, rules: list[str]) -> None:
    records = [GOOD | {"id_iscrizione": "A"} | _born(year)]
    summary = validate_batch(LENIENT, "participant_enrolments", write_batch(tmp_path, records), KEY, AS_OF)
    [entry] = [json.loads(line) for line in Path(summary.quarantine_path).read_text().splitlines()]
    assert entry["failed_rules"] == rules
    assert "age at entry impossible (negative or over 110 years)" in entry["reason"]


@pytest.mark.parametrize("comune", ["058118", "015146", "063049"])  # Ciampino, Milano, Napoli
def test_a_residence_outside_every_pilot_territory_lands(tmp_path: Path, comune: str) -> None:
    """A participant may live anywhere in Italy: a real comune outside the pilots' territories
    (none of these is in config/pilots.yaml) is valid."""
    assert all(comune not in pilot.comuni for pilot in load_registry().values())
    records = [GOOD | {"comune_residenza": comune}]
    summary = validate_batch(PILOT, "participant_enrolments", write_batch(tmp_path, records), KEY, AS_OF)
    assert (summary.valid, summary.quarantined, summary.failures_by_rule) == (1, 0, {})
    [landed] = [json.loads(line) for line in Path(summary.valid_path).read_text().splitlines()]
    assert landed["record"]["residence_comune"] == comune


def test_valid_records_carry_a_person_key_and_no_identifiers(tmp_path: Path) -> None:
    summary = validate_batch(PILOT, "participant_enrolments", write_batch(tmp_path, [GOOD]), KEY, AS_OF)
    [landed] = [json.loads(line) for line in Path(summary.valid_path).read_text().splitlines()]
    assert len(landed["record"]["person_key"]) == 64
    assert "tax_code" not in landed["record"]
    assert "RCCMNL" not in json.dumps(landed)
    assert "Manuel" not in json.dumps(landed)


def test_batch_over_the_bad_row_threshold_is_refused_whole(tmp_path: Path) -> None:
    records = [
        GOOD | {"id_iscrizione": f"E{i}", "codice_progetto": f"P-{i}", "sesso": "Q" if i < 3 else "M"}
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
        GOOD | {"id_iscrizione": f"E{i}", "codice_progetto": f"P-{i}", "sesso": "Q" if i % 7 == 0 else "M"}
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


def test_a_duplicate_entry_that_agrees_lands_in_every_copy_across_chunks(tmp_path: Path) -> None:
    # Same codice fiscale, operation and entry date under two enrolment ids, four chunks apart,
    # with the same point 1.1 data as the suite reads them (3 and " 3", "M" and " M "):
    # one participation, which dbt merges (and flags as a duplicate).
    others = [GOOD | {"id_iscrizione": f"E{i}", "codice_progetto": f"P-{i}"} for i in range(18)]
    copy = GOOD | {"codice_progetto": "P-DUP", "data_uscita": None}
    records = [
        copy | {"id_iscrizione": "D1"},
        *others,
        copy | {"id_iscrizione": "D2", "data_uscita": "2024-03-01", "titolo_studio": " 3", "sesso": " M "},
    ]
    summary = validate_batch(
        PILOT, "participant_enrolments", write_batch(tmp_path, records), KEY, AS_OF, chunk_size=5
    )
    assert (summary.received, summary.valid, summary.quarantined) == (20, 20, 0)
    landed = [json.loads(line)["record_id"] for line in Path(summary.valid_path).read_text().splitlines()]
    assert landed.count("D1") == landed.count("D2") == 1


def test_an_incomplete_duplicate_entry_that_agrees_lands(tmp_path: Path) -> None:
    copy = GOOD | {"sesso": None, "titolo_studio": ""}  # two blanks agree
    records = [copy | {"id_iscrizione": "D1"}, copy | {"id_iscrizione": "D2", "titolo_studio": None}]
    summary = validate_batch(PILOT, "participant_enrolments", write_batch(tmp_path, records), KEY, AS_OF)
    assert (summary.valid, summary.quarantined) == (2, 0)


def test_a_conflicting_duplicate_entry_is_quarantined_in_every_copy_across_chunks(tmp_path: Path) -> None:
    # The two copies disagree on gender and education: nobody can tell which is right.
    others = [GOOD | {"id_iscrizione": f"E{i}", "codice_progetto": f"P-{i}"} for i in range(18)]
    copy = GOOD | {"codice_progetto": "P-DUP", "data_uscita": None}
    records = [
        copy | {"id_iscrizione": "D1"},
        *others,
        copy | {"id_iscrizione": "D2", "titolo_studio": 6, "sesso": "X"},
    ]
    summary = validate_batch(
        PILOT, "participant_enrolments", write_batch(tmp_path, records), KEY, AS_OF, chunk_size=5
    )
    assert (summary.received, summary.valid, summary.quarantined) == (20, 18, 2)
    entries = [json.loads(line) for line in Path(summary.quarantine_path).read_text().splitlines()]
    assert [e["record_id"] for e in entries] == ["D1", "D2"]
    for entry, other in zip(entries, ("D2", "D1"), strict=True):
        assert entry["failed_rules"] == ["duplicate_entry_conflict"]
        assert entry["reason"] == (
            f"the same person entered the same operation on the same date as enrolment {other}"
            " with different point 1.1 data (gender, education)"
        )
        assert "RCCMNL" not in json.dumps(entry)
    assert summary.failures_by_rule == {"duplicate_entry_conflict": 2}


def test_a_duplicate_entry_conflicting_on_a_blank_quarantines_every_copy(tmp_path: Path) -> None:
    records = [
        GOOD | {"id_iscrizione": "D1"},
        GOOD | {"id_iscrizione": "D2", "data_nascita": None},
        GOOD | {"id_iscrizione": "D3"},
    ]
    summary = validate_batch(LENIENT, "participant_enrolments", write_batch(tmp_path, records), KEY, AS_OF)
    assert (summary.valid, summary.quarantined) == (0, 3)
    reasons = {
        e["record_id"]: e["reason"]
        for e in map(json.loads, Path(summary.quarantine_path).read_text().splitlines())
    }
    assert reasons["D2"] == (
        "the same person entered the same operation on the same date as enrolments D1, D3"
        " with different point 1.1 data (birth date)"
    )
    assert "as enrolments D2, D3 with" in reasons["D1"]


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

"""Duplicate entries over a whole batch (the passes before participant validation): copies that
agree on the point 1.1 data are one participation, copies that conflict are named to each other."""

import io
import json

import pytest

from osservatorio.registry import load_registry
from osservatorio.validate.duplicate_entries import (
    candidate_entries,
    conflict_column,
    conflict_reason,
    conflicts,
    core_values,
    entry_digest,
)

PILOT = load_registry()["tdz_corviale"]
SOURCE = PILOT.entities["participant_enrolments"]
ENTRY = {"codice_fiscale": "RCCMNL83S18D969H", "codice_progetto": "P1", "data_ingresso": "2024-02-01"}
CORE = {
    "sesso": "M",
    "data_nascita": "1983-11-18",
    "titolo_studio": 3,
    "condizione_occupazionale": "disoccupato",
}


def lines(*records: dict) -> io.StringIO:
    return io.StringIO("".join(json.dumps({"source": "page 1", "record": r}) + "\n" for r in records))


def found(*records: dict, chunk_size: int = 50_000) -> dict[tuple[int, str], str]:
    entries = candidate_entries(lines(*records), SOURCE)
    return conflicts(lines(*records), SOURCE, PILOT.formats, entries, chunk_size) if entries else {}


def test_the_entry_is_read_as_the_pilot_wrote_it_up_to_case_and_spaces() -> None:
    spaced = ENTRY | {"codice_fiscale": " rccmnl83s18d969h ", "codice_progetto": "P1 "}
    assert entry_digest(spaced, SOURCE) == entry_digest(ENTRY, SOURCE)
    assert entry_digest(ENTRY | {"data_ingresso": "2024-02-02"}, SOURCE) != entry_digest(ENTRY, SOURCE)


def test_an_entry_without_person_operation_or_date_has_no_digest() -> None:
    for field in ENTRY:
        assert entry_digest(ENTRY | {field: None}, SOURCE) is None
        assert entry_digest(ENTRY | {field: "  "}, SOURCE) is None


def test_point_1_1_data_are_read_as_the_suite_reads_them() -> None:
    envelopes = [
        {"record": CORE},
        {"record": CORE | {"sesso": " M ", "titolo_studio": "3", "condizione_occupazionale": "disoccupato "}},
        {"record": {"sesso": "", "data_nascita": None, "titolo_studio": "  "}},  # blank, or no key at all
        {"record": CORE | {"titolo_studio": "tre", "data_nascita": "18/11/1983"}},  # not parsed
    ]
    values = core_values(envelopes, SOURCE, PILOT.formats)
    assert values[0] == ("M", "1983-11-18", 3, "unemployed")
    assert values[1] == values[0]
    assert values[2] == (None, None, None, None)
    assert values[3][1:3] == (("not parsed", '"18/11/1983"'), ("not parsed", '"tre"'))


def test_copies_sent_alike_under_other_ids_are_not_even_candidates() -> None:
    batch = [
        ENTRY | CORE | {"id_iscrizione": "A"},
        ENTRY | CORE | {"id_iscrizione": "B", "sesso": " M ", "data_uscita": "2024-03-01"},
        ENTRY | CORE | {"id_iscrizione": "C", "codice_progetto": "P2", "sesso": "F"},  # elsewhere
    ]
    assert candidate_entries(lines(*batch), SOURCE) == set()


def test_copies_sent_differently_that_read_alike_are_no_conflict() -> None:
    batch = [
        ENTRY | CORE | {"id_iscrizione": "A"},
        ENTRY | CORE | {"id_iscrizione": "B", "titolo_studio": "3", "data_uscita": "2024-03-01"},
        ENTRY
        | {"id_iscrizione": "C", "sesso": "M", "titolo_studio": 3.0, "data_nascita": "1983-11-18"}
        | {"condizione_occupazionale": "disoccupato"},
    ]
    assert candidate_entries(lines(*batch), SOURCE) == {entry_digest(ENTRY, SOURCE)}
    assert found(*batch) == {}


def test_two_blanks_agree_and_a_blank_against_a_value_conflicts() -> None:
    blank = ENTRY | CORE | {"sesso": None}
    assert found(blank | {"id_iscrizione": "A"}, blank | {"id_iscrizione": "B", "sesso": " "}) == {}
    reasons = found(blank | {"id_iscrizione": "A"}, ENTRY | CORE | {"id_iscrizione": "B"})
    assert sorted(reasons.values()) == [
        "the same person entered the same operation on the same date as enrolment A"
        " with different point 1.1 data (gender)",
        "the same person entered the same operation on the same date as enrolment B"
        " with different point 1.1 data (gender)",
    ]


@pytest.mark.parametrize("chunk_size", [1, 2, 50_000])
def test_conflicting_copies_name_each_other_and_what_differs(chunk_size: int) -> None:
    batch = [
        ENTRY | CORE | {"id_iscrizione": "A"},
        ENTRY | CORE | {"id_iscrizione": "X", "codice_progetto": "P2"},  # another operation
        ENTRY | CORE | {"id_iscrizione": "B", "titolo_studio": 5, "sesso": "F"},
        ENTRY | CORE | {"id_iscrizione": "C"},
        ENTRY | CORE | {"id_iscrizione": "A"},  # the same id again: the landing's id rule
    ]
    reasons = found(*batch, chunk_size=chunk_size)
    entry = entry_digest(ENTRY, SOURCE)
    assert reasons == {
        (entry, "A"): "the same person entered the same operation on the same date as enrolments B, C"
        " with different point 1.1 data (gender, education)",
        (entry, "B"): "the same person entered the same operation on the same date as enrolments A, C"
        " with different point 1.1 data (gender, education)",
        (entry, "C"): "the same person entered the same operation on the same date as enrolments A, B"
        " with different point 1.1 data (gender, education)",
    }
    envelopes = [{"record": r} for r in batch]
    column = conflict_column(envelopes, SOURCE, reasons)
    assert [c is not None for c in column] == [True, False, True, True, True]
    assert all("RCCMNL" not in c for c in column if c)  # never a codice fiscale


def test_one_id_sent_twice_with_other_data_is_left_to_the_landing() -> None:
    batch = [ENTRY | CORE | {"id_iscrizione": "A"}, ENTRY | CORE | {"id_iscrizione": "A", "sesso": "F"}]
    assert candidate_entries(lines(*batch), SOURCE) == set()


def test_a_record_without_id_is_no_one_to_conflict_with() -> None:
    batch = [ENTRY | CORE | {"id_iscrizione": "A"}, ENTRY | CORE | {"id_iscrizione": " ", "sesso": "F"}]
    assert candidate_entries(lines(*batch), SOURCE) == set()


def test_a_long_list_of_other_ids_is_cut() -> None:
    reason = conflict_reason([f"E{i}" for i in range(8)], ["birth date"])
    assert reason == (
        "the same person entered the same operation on the same date as enrolments E0, E1, E2, E3, E4"
        " and 3 more with different point 1.1 data (birth date)"
    )


def test_an_empty_batch_has_no_duplicates() -> None:
    assert candidate_entries(lines(), SOURCE) == set()

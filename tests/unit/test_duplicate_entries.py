"""Counting duplicate entries over a whole batch: the first pass of participant validation."""

import io
import json

from osservatorio.registry import load_registry
from osservatorio.validate.duplicate_entries import duplicate_entry_counts, entry_counts, entry_digest

SOURCE = load_registry()["tdz_corviale"].entities["participant_enrolments"]
ENTRY = {"codice_fiscale": "RCCMNL83S18D969H", "codice_progetto": "P1", "data_ingresso": "2024-02-01"}


def lines(*records: dict) -> io.StringIO:
    return io.StringIO("".join(json.dumps({"source": "page 1", "record": r}) + "\n" for r in records))


def test_the_entry_is_read_as_the_pilot_wrote_it_up_to_case_and_spaces() -> None:
    spaced = ENTRY | {"codice_fiscale": " rccmnl83s18d969h ", "codice_progetto": "P1 "}
    assert entry_digest(spaced, SOURCE) == entry_digest(ENTRY, SOURCE)
    assert entry_digest(ENTRY | {"data_ingresso": "2024-02-02"}, SOURCE) != entry_digest(ENTRY, SOURCE)


def test_an_entry_without_person_operation_or_date_has_no_digest() -> None:
    for field in ENTRY:
        assert entry_digest(ENTRY | {field: None}, SOURCE) is None
        assert entry_digest(ENTRY | {field: "  "}, SOURCE) is None


def test_distinct_enrolment_ids_are_counted_per_entry() -> None:
    batch = [
        ENTRY | {"id_iscrizione": "A"},
        ENTRY | {"id_iscrizione": "A"},  # the same id again: the landing's id rule, not counted
        ENTRY | {"id_iscrizione": "B"},
        ENTRY | {"id_iscrizione": "C", "codice_progetto": "P2"},
        ENTRY | {"id_iscrizione": "D", "codice_fiscale": None},
    ]
    repeated = duplicate_entry_counts(lines(*batch), SOURCE)
    assert list(repeated.values()) == [2]
    envelopes = [{"record": r} for r in batch]
    assert entry_counts(envelopes, SOURCE, repeated) == [2, 2, 2, 1, None]


def test_an_empty_batch_has_no_duplicates() -> None:
    assert duplicate_entry_counts(lines(), SOURCE) == {}

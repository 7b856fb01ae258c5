"""The older participants-only API (PilotPopulation), kept for the end-to-end tests."""

from __future__ import annotations

from stdnum.it import codicefiscale

from pilot_systems.catalogue import OPERATIONS
from pilot_systems.population import PilotPopulation


def population(defect_rate: float = 0.1) -> PilotPopulation:
    return PilotPopulation("tdz_corviale", OPERATIONS["tdz_corviale"], 300, seed=3, defect_rate=defect_rate)


def test_records_are_deterministic_from_the_seed() -> None:
    assert population().enrolment(123).record == population().enrolment(123).record


def test_clean_records_have_valid_tax_codes_consistent_with_birth_and_gender() -> None:
    for enrolment in population(defect_rate=0).enrolments():
        record = enrolment.record
        assert codicefiscale.is_valid(record["codice_fiscale"])
        assert codicefiscale.get_birth_date(record["codice_fiscale"]).isoformat() == record["data_nascita"]
        if record["sesso"] in ("F", "M"):
            assert codicefiscale.get_gender(record["codice_fiscale"]) == record["sesso"]


def test_defects_are_injected_and_labelled() -> None:
    defective = [e for e in population(defect_rate=0.5).enrolments() if e.defects]
    assert 100 < len(defective) < 200
    for enrolment in defective:
        if "bad_tax_code" in enrolment.defects:
            assert not codicefiscale.is_valid(enrolment.record["codice_fiscale"])


def test_population_serves_the_same_records_as_the_system() -> None:
    pop = population()
    assert [e.record for e in pop.enrolments()] == [
        r.record for r in pop.system.records("participant_enrolments")
    ]


def test_updated_since_finds_the_first_later_record() -> None:
    pop = population()
    at = pop.system.generators["participant_enrolments"].updated_at(100)
    cut = pop.first_record_updated_after(at)
    assert cut > 100
    assert pop.system.generators["participant_enrolments"].updated_at(cut) > at
    assert pop.system.generators["participant_enrolments"].updated_at(cut - 1) <= at


def test_legacy_defect_kinds_can_still_be_chosen() -> None:
    legacy = ["bad_tax_code", "missing_gender", "bad_education", "exit_before_entry", "missing_birth_date"]
    pop = PilotPopulation("tdz_corviale", OPERATIONS["tdz_corviale"], 400, 7, 0.1, defects=legacy)
    assert {d for e in pop.enrolments() for d in e.defects} == set(legacy)

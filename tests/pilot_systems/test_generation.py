"""The generated records: deterministic, computed on demand, realistic, with labelled defects."""

from __future__ import annotations

import itertools
import tracemalloc
from collections import Counter
from datetime import date

import pytest
from stdnum.it import codicefiscale, iva

from pilot_systems.catalogue import OPERATIONS
from pilot_systems.generators.base import DEFAULT_TODAY
from pilot_systems.system import PilotSystem
from pilot_systems.territories import TERRITORIES
from pilot_systems.vocabularies import ENTITIES, VOCABULARIES

PILOTS = list(VOCABULARIES)


def clean(pilot: str, size: int = 3000) -> list[dict[str, object]]:
    system = PilotSystem(pilot, size=size, seed=5, defect_rate=0)
    return [r.canonical for r in system.records("participant_enrolments")]


@pytest.mark.parametrize("pilot", PILOTS)
def test_records_are_deterministic_from_the_seed(pilot: str) -> None:
    for entity in ENTITIES:
        a = list(itertools.islice(PilotSystem(pilot, 300, 9, 0.2).records(entity), 50))
        b = list(itertools.islice(PilotSystem(pilot, 300, 9, 0.2).records(entity), 50))
        assert a == b
        c = list(itertools.islice(PilotSystem(pilot, 300, 10, 0.2).records(entity), 50))
        assert entity == "operations" or a != c


def test_any_record_of_a_huge_system_is_computed_on_demand() -> None:
    system = PilotSystem("cmrc_col", size=50_000_000, seed=1)
    last = system.generators["participant_enrolments"].record(49_999_999)
    assert last.canonical["enrolment_id"] == "COL-49999999"
    page, total = system.page("participant_enrolments", 99_999, 500)
    assert total == 50_000_000
    assert len(page) == 500


def test_memory_stays_flat_while_streaming() -> None:
    def peak(n: int) -> int:
        system = PilotSystem("tdz_corviale", size=1_000_000, seed=1, defect_rate=0.05)
        tracemalloc.start()
        for _ in itertools.islice(system.records("participant_enrolments"), n):
            pass
        peak_bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak_bytes

    small, large = peak(1_000), peak(10_000)
    assert large < small * 1.5 + 200_000, (small, large)


@pytest.mark.parametrize("pilot", PILOTS)
def test_clean_enrolments_are_realistic(pilot: str) -> None:
    records = clean(pilot)
    genders = Counter(r["gender"] for r in records)
    assert 0.45 < genders["F"] / len(records) < 0.70
    assert genders["non-binary"] > 0
    first_entries: dict[object, date] = {}
    for r in records:  # age counts at the first entry (re-entries come later)
        first_entries[r["tax_code"]] = min(first_entries.get(r["tax_code"], date.max), r["entry_date"])  # type: ignore[type-var]
    ages = [(first_entries[r["tax_code"]] - r["birth_date"]).days / 365.25 for r in records]  # type: ignore[operator]
    assert min(ages) >= (30 if pilot == "zot_pratico" else 16)
    assert max(ages) < 71
    statuses = Counter(r["labour_status"] for r in records)
    assert 0.5 < statuses["unemployed"] / len(records) < 0.7
    assert {"inactive", "employed", "self_employed"} <= set(statuses)
    assert any(r["unemployment_months"] and r["unemployment_months"] > 12 for r in records)  # type: ignore[operator]
    assert 0.62 < sum(r["exit_date"] is not None for r in records) / len(records) < 0.78
    assert {r["isced_level"] for r in records} == set(range(9))
    for field in ("disability", "third_country_national", "foreign_background", "minority", "homeless"):
        assert {"yes", "no", "refused"} <= {r[field] for r in records}, field
    assert {r["residence_comune"] for r in records} <= {c.istat for c in TERRITORIES[pilot]}
    assert all(r["entry_date"] <= DEFAULT_TODAY for r in records)  # type: ignore[operator]
    assert all(r["exit_date"] is None or r["exit_date"] >= r["entry_date"] for r in records)  # type: ignore[operator]
    participations = Counter((r["tax_code"], r["operation_id"]) for r in records)
    assert 0 < sum(n - 1 for n in participations.values()) < 0.06 * len(records)  # re-entries


def test_tax_codes_match_birth_date_and_gender() -> None:
    for r in clean("cal_adda_martesana", 1000):
        code = str(r["tax_code"])
        assert codicefiscale.is_valid(code)
        assert codicefiscale.get_birth_date(code) == r["birth_date"]
        if r["gender"] in ("F", "M"):
            assert codicefiscale.get_gender(code) == r["gender"]


@pytest.mark.parametrize("pilot", PILOTS)
def test_operations_supported_entities_and_expenditures_are_well_formed(pilot: str) -> None:
    system = PilotSystem(pilot, size=2000, seed=3, defect_rate=0)
    ops = [r.canonical for r in system.records("operations")]
    assert [o["operation_id"] for o in ops] == [o.code for o in OPERATIONS[pilot]]
    for op in ops:
        assert len(str(op["cup"])) == 15
        assert str(op["cup"]).isalnum()
        assert op["intervention_field"] in (138, 152, 153, 163)
        assert 0 <= op["cofinancing_rate"] <= 100
        assert op["action"] in ("4.4.8.1", "4.4.8.2")
    assert "ESF+" in {o["fund"] for o in ops} or pilot == "cal_adda_martesana"
    entities = [r.canonical for r in system.records("supported_entities")]
    assert all(iva.is_valid(str(e["entity_vat_number"])) for e in entities)
    assert {"cooperative", "public_administration"} <= {e["entity_type"] for e in entities}
    spent = [r.canonical for r in system.records("expenditures")]
    assert spent
    assert all(float(s["amount"]) > 0 and s["declared_date"] < DEFAULT_TODAY for s in spent)


def test_result_events_cover_every_relation_to_the_exit() -> None:
    system = PilotSystem("tdz_corviale", size=3000, seed=2, defect_rate=0)
    enrolments = {r.canonical["enrolment_id"]: r.canonical for r in system.records("participant_enrolments")}
    kinds: Counter[str] = Counter()
    for rec in system.records("result_events"):
        event, enrolment = rec.canonical, enrolments[rec.canonical["enrolment_id"]]
        exit_ = enrolment["exit_date"]
        assert event["event_date"] <= DEFAULT_TODAY  # type: ignore[operator]
        if exit_ is None:
            kinds["still in"] += 1
        elif event["event_date"] < exit_:  # type: ignore[operator]
            kinds["before exit"] += 1
        elif event["from_follow_up"]:
            kinds["follow-up"] += 1
            assert 170 <= (event["event_date"] - exit_).days <= 190  # type: ignore[operator]
        elif (event["event_date"] - exit_).days <= 28:  # type: ignore[operator]
            kinds["upon leaving"] += 1
        else:
            kinds["later"] += 1
    assert all(kinds[k] > 50 for k in ("still in", "before exit", "follow-up", "upon leaving", "later")), (
        kinds
    )
    assert kinds["upon leaving"] == max(kinds.values())


@pytest.mark.parametrize("entity", ENTITIES[1:])
def test_defects_are_injected_labelled_and_visible(entity: str) -> None:
    system = PilotSystem("cmrc_col", size=4000, seed=8, defect_rate=0.3)
    generator = system.generators[entity]
    records = list(system.records(entity))
    labels = Counter(label for r in records for label in r.defects)
    assert set(labels) == set(generator.defect_kinds), labels
    share = sum(bool(r.defects) for r in records) / len(records)
    assert 0.2 < share < 0.4
    id_name = system.vocabulary.entities[entity].id_source_name
    for previous, rec in itertools.pairwise(records):
        if "duplicate" in rec.defects:  # served twice in a row, identical
            assert rec.record == previous.record
            assert rec.record[id_name] == previous.record[id_name]
    c = [r.canonical for r in records]
    if entity == "participant_enrolments":
        for rec, canonical in zip(records, c, strict=True):
            d = set(rec.defects)
            assert ("bad_tax_code" in d) == (not codicefiscale.is_valid(str(canonical["tax_code"])))
            assert ("missing_gender" in d) == (canonical["gender"] is None)
            assert ("missing_birth_date" in d) == (canonical["birth_date"] is None)
            assert ("missing_labour_status" in d) == (canonical["labour_status"] is None)
            assert ("unknown_comune" in d) == (
                canonical["residence_comune"] not in [t.istat for t in TERRITORIES["cmrc_col"]]
            )
            assert ("future_entry_date" in d) == (canonical["entry_date"] > DEFAULT_TODAY)  # type: ignore[operator]
            exit_ = canonical["exit_date"]
            assert ("exit_before_entry" in d) == (exit_ is not None and exit_ < canonical["entry_date"])  # type: ignore[operator]


def test_defects_can_be_restricted_to_some_kinds() -> None:
    system = PilotSystem("tdz_corviale", 2000, 1, 0.5, defects=["bad_tax_code", "missing_gender"])
    labels = {label for r in system.records("participant_enrolments") for label in r.defects}
    assert labels == {"bad_tax_code", "missing_gender"}
    assert not any(r.defects for r in system.records("result_events"))


def test_today_moves_the_timeline() -> None:
    system = PilotSystem("zot_pratico", 500, 1, 0, today=date(2025, 6, 30))
    assert max(r.canonical["entry_date"] for r in system.records("participant_enrolments")) <= date(
        2025, 6, 30
    )  # type: ignore[type-var]

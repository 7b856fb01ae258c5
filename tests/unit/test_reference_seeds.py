"""The dbt reference seeds agree with the registry and the data contract: a pilot, comune, fund,
action, gender, entity type or target group the pipeline can land is never silently outside the
indicator spine (marts.esf_indicators is built from these seeds)."""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

from osservatorio.paths import CONTRACT_DIR
from osservatorio.registry import REGISTRY_FILE, load_registry

SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"


def seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def enum(record_type: str, field: str) -> set[str]:
    schema = yaml.safe_load((CONTRACT_DIR / f"{record_type}.yaml").read_text(encoding="utf-8"))
    [spec] = [f for f in schema["fields"] if f["name"] == field]
    return set(spec["constraints"]["enum"])


def test_every_registry_pilot_has_its_nuts3_and_category_in_the_pilots_seed() -> None:
    registry = load_registry(REGISTRY_FILE)
    pilots = {row["pilot_id"]: row for row in seed("pilots")}
    assert set(pilots) == set(registry)
    assert {p: row["nuts3_code"] for p, row in pilots.items()} == {p: r.nuts3 for p, r in registry.items()}
    assert all(row["category_of_region"] for row in pilots.values())


def test_every_comune_of_every_territory_has_a_degree_of_urbanisation() -> None:
    comuni = {row["comune_code"]: row for row in seed("comuni_degree_of_urbanisation")}
    territory = {c for pilot in load_registry(REGISTRY_FILE).values() for c in pilot.comuni}
    assert territory <= set(comuni)
    assert {row["degree_of_urbanisation"] for row in comuni.values()} <= {"1", "2", "3"}


def test_the_spine_seeds_cover_the_contract_enums() -> None:
    assert {row["fund"] for row in seed("funds")} == enum("operations", "fund")
    assert {row["action_code"] for row in seed("esf_actions")} == enum("operations", "action")
    persons = {row["gender"] for row in seed("genders") if row["applies_to"] == "persons"}
    assert persons == enum("participant_enrolments", "gender")
    entity_types = {row["entity_type"]: row["indicator_code"] for row in seed("entity_type_indicators")}
    assert set(entity_types) == enum("supported_entities", "entity_type")
    assert set(entity_types.values()) == {"EECO18", "EECO19"}


def test_target_groups_map_to_point_1_2_indicators() -> None:
    indicators = {row["indicator_code"] for row in seed("esf_common_indicators")}
    target_groups = seed("target_group_indicators")
    assert {row["indicator_code"] for row in target_groups} == {f"EECO{n}" for n in range(12, 18)}
    assert {row["indicator_code"] for row in target_groups} <= indicators
    for row in target_groups:  # the answer a target group stands in for is a contract field
        if row["answer_column"]:
            assert enum("participant_enrolments", row["answer_column"]) == {"yes", "no", "refused", "unknown"}


def test_the_indicator_catalogue_has_all_24_codes() -> None:
    codes = [row["indicator_code"] for row in seed("esf_common_indicators")]
    assert codes == [f"EECO{n:02d}" for n in range(1, 20)] + [f"EECR{n:02d}" for n in range(1, 6)]

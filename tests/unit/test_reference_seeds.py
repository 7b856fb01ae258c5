"""The dbt reference seeds agree with the registry and the data contract: a pilot, comune, fund,
action, gender, entity type or target group the pipeline can land is never silently outside the
indicator spine (marts.esf_indicators is built from these seeds)."""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

from osservatorio.contract import table_schema
from osservatorio.paths import CONTRACT_DIR
from osservatorio.registry import REGISTRY_FILE, load_registry

SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"


def seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def enum(record_type: str, field: str) -> set[str]:
    """The field's allowed values as the loader gives them to validation (an `enum_from` resolved)."""
    [spec] = [f for f in table_schema(record_type)["fields"] if f["name"] == field]
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


def test_the_point_1_2_answers_seed_is_the_contract_enum_of_every_answer_field() -> None:
    """Annex I point 1.2 (and the two SDG fields of the same shape): yes, no, a recorded refusal,
    and unknown, which a blank field counts as; only yes counts (shared/domain.md section 2)."""
    answers = seed("point_1_2_answers")
    assert [row["answer"] for row in answers] == ["yes", "no", "refused", "unknown"]
    assert {row["answer"]: row["counts_as"] for row in answers} == {
        "yes": "yes",
        "no": "no",
        "refused": "not_answered",
        "unknown": "not_answered",
    }
    assert [row["answer"] for row in answers if row["is_not_sent"] == "true"] == ["unknown"]
    assert {row["is_not_sent"] for row in answers} == {"true", "false"}
    fields = {
        "disability",
        "third_country_national",
        "foreign_background",
        "minority",
        "homeless",
        "in_education_training",
        "at_risk_of_poverty",
    }
    written = yaml.safe_load((CONTRACT_DIR / "participant_enrolments.yaml").read_text(encoding="utf-8"))
    from_seed = {f["name"] for f in written["fields"] if f.get("enum_from") == "point_1_2_answers.answer"}
    assert from_seed == fields
    for spec in table_schema("participant_enrolments")["fields"]:
        if spec["name"] in fields:  # the seed's order: the suite's value set and the page keep theirs
            assert spec["constraints"] == {"enum": ["yes", "no", "refused", "unknown"]}


def test_the_indicator_catalogue_has_all_24_codes() -> None:
    codes = [row["indicator_code"] for row in seed("esf_common_indicators")]
    assert codes == [f"EECO{n:02d}" for n in range(1, 20)] + [f"EECR{n:02d}" for n in range(1, 6)]


def test_the_istat_list_holds_every_comune_of_italy() -> None:
    """Facts from outside the seed: Roma is H501 and Milano F205 (codice fiscale places), 6-digit
    unique codes; every comune of the territories and of the degree seed is there, same name."""
    istat = {row["pro_com_t"]: row for row in seed("istat_comuni")}
    assert len(istat) == 7896  # ISTAT's list of late 2024, one row per comune
    assert all(len(code) == 6 and code.isdigit() for code in istat)
    assert (istat["058091"]["comune_name"], istat["058091"]["belfiore_code"]) == ("Roma", "H501")
    assert (istat["015146"]["comune_name"], istat["015146"]["belfiore_code"]) == ("Milano", "F205")
    assert istat["058118"]["comune_name"] == "Ciampino"
    territory = {c for pilot in load_registry(REGISTRY_FILE).values() for c in pilot.comuni}
    assert territory <= set(istat)
    for row in seed("comuni_degree_of_urbanisation"):
        assert istat[row["comune_code"]]["comune_name"] == row["comune_name"]
        assert istat[row["comune_code"]]["nuts3_code"] == row["nuts3_code"]
    assert "999999" not in istat


def annex_i_codes() -> dict[str, set[str]]:
    """Dimension name (as the operations contract names the field) -> its CPR Annex I codes."""
    out: dict[str, set[str]] = {}
    for row in seed("cpr_annex_i_codes"):
        out.setdefault(row["dimension_name"], set()).add(row["code"])
    return out


def test_the_contract_takes_exactly_the_cpr_annex_i_codes() -> None:
    import re

    codes = annex_i_codes()
    assert set(codes) == {
        "intervention_field",
        "form_of_support",
        "territorial_delivery",
        "economic_activity",
        "esf_secondary_theme",
        "gender_equality",
    }
    assert codes["intervention_field"] == {f"{n:03d}" for n in range(1, 183)}
    for field in ("form_of_support", "territorial_delivery", "economic_activity", "esf_secondary_theme"):
        assert enum("operations", field) == codes[field]
    assert enum("operations", "gender_equality") == codes["gender_equality"] == {"01", "02", "03"}
    # Dimension 1 is a pattern (182 codes): it accepts exactly the seed's codes among 1-4 digits.
    schema = yaml.safe_load((CONTRACT_DIR / "operations.yaml").read_text(encoding="utf-8"))
    [field] = [f for f in schema["fields"] if f["name"] == "intervention_field"]
    pattern = re.compile(field["constraints"]["pattern"])
    candidates = {f"{n:0{w}d}" for w in (1, 2, 3, 4) for n in range(10**w)}
    assert {c for c in candidates if pattern.fullmatch(c)} == codes["intervention_field"]


def test_the_package_check_reads_the_same_annex_i_codes() -> None:
    from osservatorio.publish.compliance.sfc_rules import annex_i_code_lists

    lists = annex_i_code_lists()
    assert {name: set(codes) for name, codes in lists.items()} == {
        f"{name}_code": codes for name, codes in annex_i_codes().items()
    }


def test_every_annex_i_code_is_zero_padded_and_unconfirmed_unless_sourced() -> None:
    widths = {"01": 3, "02": 2, "03": 2, "04": 2, "06": 2, "07": 2}
    for row in seed("cpr_annex_i_codes"):
        assert row["code"].isdigit()
        assert len(row["code"]) == widths[row["dimension_code"]]
        assert row["confirmed"] in ("true", "false")
        assert row["source"]
        if row["confirmed"] == "false":
            assert "[check]" in row["source"] or "remembered" in row["source"]


def test_the_financial_plan_covers_every_table_1_row_of_the_pilots() -> None:
    plan = seed("programme_financial_plan")
    key = ("programme_code", "priority_code", "specific_objective_code", "fund_code", "category_of_region")
    rows = {tuple(r[k] for k in key) for r in plan}
    structure = {tuple(a[k] for k in key[:3]) for a in seed("esf_actions")}
    regions = {p["category_of_region"] for p in seed("pilots")}
    assert {(*s, "ESF+", region) for s in structure for region in regions} <= rows
    for row in plan:
        assert row["basis_for_calculation"] in ("total", "public")
        assert float(row["financial_allocation"]) > 0
        assert 0 < float(row["cofinancing_rate"]) <= 100
        assert row["is_illustrative"] == "true"  # until the managing authority enters its own
        assert "[check]" in row["source"]

"""The contract is the one source of truth for record structure: every constraint of every record
type has an expectation in the loaded suite, with the same parameters, and a change to either
side that leaves a constraint unchecked fails here."""

import inspect
import json
from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

import osservatorio.land.warehouse
from osservatorio.contract import table_schema
from osservatorio.contract.render_docs import RECORD_TYPES
from osservatorio.paths import EXPECTATIONS_DIR
from osservatorio.registry import load_registry
from osservatorio.validate.canonical import TYPE_ERRORS, from_envelopes
from osservatorio.validate.contract_expectations import (
    ContractError,
    coverage_gaps,
    enforced_by_gx,
    structural_expectations,
)
from osservatorio.validate.suite import SuiteRunner, load_suite_definition

STRUCTURAL_TYPES = {
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_be_between",
    "expect_compound_columns_to_be_unique",
}


def by_rule(record_type: str) -> dict[str, dict]:
    return {e["meta"]["rule"]: e for e in load_suite_definition(record_type)["expectations"]}


def generated(record_type: str) -> list[dict]:
    return [e for e in load_suite_definition(record_type)["expectations"] if e["meta"].get("generated_from")]


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_every_contract_constraint_has_an_expectation(record_type: str) -> None:
    assert coverage_gaps(table_schema(record_type), load_suite_definition(record_type)["expectations"]) == []


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_each_constraint_is_checked_with_its_own_parameters(record_type: str) -> None:
    # Spelled out field by field, independently of coverage_gaps.
    expectations = load_suite_definition(record_type)["expectations"]

    def kwargs_of(kind: str, column: str) -> list[dict]:
        return [
            e["kwargs"] for e in expectations if e["type"] == kind and e["kwargs"].get("column") == column
        ]

    schema = table_schema(record_type)
    [typed] = [e for e in expectations if e["kwargs"].get("column") == TYPE_ERRORS]
    assert typed["meta"]["rule"] == "typed_values"
    assert typed["meta"]["field_types"] == {f["name"]: f["type"] for f in schema["fields"]}
    for field in schema["fields"]:
        name, constraints = field["name"], field.get("constraints") or {}
        if constraints.get("required"):
            assert {"column": name} in kwargs_of("expect_column_values_to_not_be_null", name), name
        if "enum" in constraints:
            assert {"column": name, "value_set": constraints["enum"]} in kwargs_of(
                "expect_column_values_to_be_in_set", name
            ), name
        if "pattern" in constraints:
            assert {"column": name, "regex": constraints["pattern"]} in kwargs_of(
                "expect_column_values_to_match_regex", name
            ), name
        if "minimum" in constraints or "maximum" in constraints:
            bounds = {"min_value": constraints["minimum"]} if "minimum" in constraints else {}
            bounds |= {"max_value": constraints["maximum"]} if "maximum" in constraints else {}
            checked = kwargs_of("expect_column_values_to_be_between", name)
            # Both bounds in one rule, or one rule per bound (a plausibility maximum: its own rule).
            together = {"column": name} | bounds in checked
            apart = all({"column": name, key: value} in checked for key, value in bounds.items())
            assert together or apart, name
    [unique] = [e for e in expectations if e["type"] == "expect_compound_columns_to_be_unique"]
    assert unique["kwargs"] == {"column_list": schema["primaryKey"]}


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_removing_any_generated_expectation_is_detected(record_type: str) -> None:
    schema = table_schema(record_type)
    expectations = load_suite_definition(record_type)["expectations"]
    for dropped in [e for e in expectations if e["meta"].get("generated_from")]:
        rest = [e for e in expectations if e is not dropped]
        assert coverage_gaps(schema, rest), f"dropping {dropped['meta']['rule']} went unnoticed"


def test_a_changed_parameter_is_detected() -> None:
    schema = table_schema("operations")
    expectations = load_suite_definition("operations")["expectations"]
    fund = next(e for e in expectations if e["meta"]["rule"] == "fund_domain")
    fund["kwargs"]["value_set"] = fund["kwargs"]["value_set"][:-1]  # "regional" no longer allowed
    assert coverage_gaps(schema, expectations) == [
        "operations.fund: enum ['ESF+', 'PNRR', 'private', 'municipal', 'regional']"
    ]


@pytest.mark.parametrize(
    ("field", "constraint", "kind", "kwargs"),
    [
        ("postcode", {"pattern": "^[0-9]{5}$"}, "match_regex", {"regex": "^[0-9]{5}$"}),
        ("title_en", {"required": True}, "not_be_null", {}),
        ("target_group", {"enum": ["homeless"]}, "be_in_set", {"value_set": ["homeless"]}),
        ("public_contribution", {"maximum": 10**8}, "be_between", {"min_value": 0, "max_value": 10**8}),
        ("start_date", {"minimum": date(2021, 1, 1)}, "be_between", {"min_value": date(2021, 1, 1)}),
    ],
)
def test_an_extra_contract_constraint_yields_an_extra_expectation(
    field: str, constraint: dict, kind: str, kwargs: dict
) -> None:
    schema = table_schema("operations")
    before = structural_expectations(schema)
    entry = next(f for f in schema["fields"] if f["name"] == field)
    entry.setdefault("constraints", {}).update(constraint)
    # The suite as it stands does not cover the new constraint ...
    assert coverage_gaps(schema, load_suite_definition("operations")["expectations"])
    after = structural_expectations(schema)
    # ... the generator adds (or widens) the one expectation that does.
    added = [e for e in after if e not in before]
    assert len(added) == 1
    assert added[0]["type"] == f"expect_column_values_to_{kind}"
    assert added[0]["kwargs"] == {"column": field} | kwargs
    assert coverage_gaps(schema, after) == []


@pytest.mark.parametrize(
    ("field", "change", "message"),
    [
        ("postcode", {"constraints": {"minLength": 5}}, "no expectation is generated for constraint"),
        ("postcode", {"type": "year"}, "is not parsed"),
        ("latitude", {"constraints": {"pattern": "^1"}}, "pattern on a number field"),
        ("fund", {"constraints": {"maximum": 3}}, "minimum/maximum on a string field"),
    ],
)
def test_a_constraint_that_cannot_be_checked_is_refused(field: str, change: dict, message: str) -> None:
    schema = table_schema("operations")
    next(f for f in schema["fields"] if f["name"] == field).update(change)
    with pytest.raises(ContractError, match=message):
        structural_expectations(schema)


def test_a_plausibility_maximum_is_its_own_rule_and_the_minimum_keeps_its_id() -> None:
    enrolments, expenditures = by_rule("participant_enrolments"), by_rule("expenditures")
    assert enrolments["unemployment_months_not_negative"]["kwargs"] == {
        "column": "unemployment_months",
        "min_value": 0,
    }
    assert enrolments["unemployment_months_plausible"]["kwargs"] == {
        "column": "unemployment_months",
        "max_value": 600,
    }
    assert "above 600" in enrolments["unemployment_months_plausible"]["meta"]["reason"]
    assert expenditures["amount_not_negative"]["meta"]["reason"] == "declared amount is negative"
    assert expenditures["amount_plausible"]["kwargs"]["max_value"] == 1_000_000_000
    # Without the overrides' split, the two bounds are one rule, as for any other field.
    [between] = [
        e
        for e in structural_expectations(table_schema("participant_enrolments"))
        if e["kwargs"].get("column") == "unemployment_months"
    ]
    assert between["meta"]["rule"] == "unemployment_months_domain"
    assert between["meta"]["reason"] == "months of unemployment not between 0 and 600"


def test_bounds_cannot_be_one_rule_and_two_at_once() -> None:
    overrides = {"unemployment_months": {"range": {"reason": "x"}, "maximum": {"reason": "y"}}}
    with pytest.raises(ContractError, match="exclude each other"):
        structural_expectations(table_schema("participant_enrolments"), overrides)
    schema = table_schema("participant_enrolments")
    months = next(f for f in schema["fields"] if f["name"] == "unemployment_months")
    del months["constraints"]["maximum"]
    with pytest.raises(ContractError, match="override 'maximum' matches no constraint"):
        structural_expectations(schema, {"unemployment_months": {"maximum": {"reason": "y"}}})


def test_a_stale_override_is_refused() -> None:
    overrides = json.loads((EXPECTATIONS_DIR / "operations.json").read_text())["structural_overrides"]
    schema = table_schema("operations")
    cup = next(f for f in schema["fields"] if f["name"] == "cup")
    del cup["constraints"]  # the override rewording the CUP pattern's reason now matches nothing
    with pytest.raises(ContractError, match="override 'pattern' matches no constraint"):
        structural_expectations(schema, overrides)


def test_unanchored_patterns_are_matched_whole() -> None:
    schema = {
        "name": "t",
        "fields": [{"name": "code", "type": "string", "constraints": {"pattern": "[0-9]{3}"}}],
    }
    [_, regex] = structural_expectations(schema)
    assert regex["kwargs"]["regex"] == "^(?:[0-9]{3})$"
    assert coverage_gaps(schema, [e for e in structural_expectations(schema)]) == []


def test_hand_written_files_hold_no_structural_rule() -> None:
    # Nothing the generator produces is written again by hand (the two would drift apart).
    for record_type in RECORD_TYPES:
        hand = json.loads((EXPECTATIONS_DIR / f"{record_type}.json").read_text())["expectations"]
        produced = {
            (e["type"], json.dumps(e["kwargs"], sort_keys=True, default=str)) for e in generated(record_type)
        }
        for expectation in hand:
            key = (expectation["type"], json.dumps(expectation["kwargs"], sort_keys=True, default=str))
            assert key not in produced, (record_type, expectation["meta"]["rule"])
            assert expectation["kwargs"].get("column") != TYPE_ERRORS


def test_rule_ids_and_reasons_stay_readable() -> None:
    operations, enrolments = by_rule("operations"), by_rule("participant_enrolments")
    assert operations["operation_id_present"]["meta"]["reason"] == "operation code missing"
    assert (
        operations["fund_domain"]["meta"]["reason"]
        == "fund not one of ESF+, PNRR, private, municipal, regional"
    )
    assert (
        operations["action_domain"]["meta"]["reason"]
        == "action not 4.4.8.1 or 4.4.8.2 (PN Metro Plus ESO4.8)"
    )
    assert operations["gender_equality_domain"]["meta"]["reason"] == (
        "gender equality dimension not one of 01, 02, 03"
    )
    assert operations["latitude_domain"]["meta"]["reason"] == "latitude not between -90 and 90"
    assert enrolments["education_domain"]["kwargs"] == {
        "column": "isced_level",
        "min_value": 0,
        "max_value": 8,
    }
    assert enrolments["operation_present"]["meta"]["reason"] == "operation code missing"
    assert (
        by_rule("supported_entities")["vat_number_format"]["meta"]["reason"] == "partita IVA is not 11 digits"
    )
    for record_type in RECORD_TYPES:
        for expectation in generated(record_type):
            assert expectation["type"] in STRUCTURAL_TYPES | {"expect_column_values_to_be_null"}
            assert expectation["meta"]["reason"]


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_the_primary_key_is_enforced_at_landing_not_by_gx(record_type: str) -> None:
    unique = by_rule(record_type)["record_id_unique"]
    assert unique["meta"]["enforced_at"] == "landing"
    assert not enforced_by_gx(unique)
    # The landing writes this very rule id into raw.quarantine for repeated record ids.
    assert "'record_id_unique'" in inspect.getsource(osservatorio.land.warehouse)


def test_the_runner_runs_every_rule_but_the_landing_one() -> None:
    runner = SuiteRunner("operations")
    run = {e.meta["rule"] for e in runner._validation.suite.expectations}
    assert run == set(by_rule("operations")) - {"record_id_unique"}


# The generated rules at work on typed columns (what the validate task hands GX).
PILOT = load_registry()["tdz_corviale"]
OPERATION = {
    "codice_progetto": "OP1",
    "cup": "J81B21000010006",
    "titolo": "Rete",
    "ente_attuatore": "Comune",
    "azione": "4.4.8.1",
    "fondo": "FSE+",
    "campo_intervento": "152",
    "forma_sostegno": "01",
    "meccanismo_territoriale": "33",
    "attivita_economica": "23",
    "tema_secondario_fse": "09",
    "parita_genere": "02",
    "data_selezione": "2022-01-15",
    "stato": "selezionato",
    "data_avvio": "2022-03-01",
    "costo_ammissibile": 1000.5,
    "tasso_cofinanziamento": 40,
    "comune_istat": "058091",
    "lat": 41.85,
    "lon": 12.42,
}
PARAMETERS = {"as_of": date(2026, 6, 30), "known_comuni": ["058091"]}


def run_operations(records: list[dict], source=PILOT.entities["operations"]) -> dict[int, set[str]]:
    from osservatorio.contract import record_type

    envelopes = [{"source": f"#{i}", "record": r} for i, r in enumerate(records)]
    frame = from_envelopes(envelopes, source, record_type("operations"), PILOT.formats)
    columns = list(frame.columns)
    outcome = SuiteRunner("operations").run(frame, PARAMETERS)
    assert list(frame.columns) == columns  # the frame goes on to the writer as it came
    assert outcome.batch_failures == []
    return {row: {f.rule for f in failures} for row, failures in outcome.row_failures.items()}


def test_generated_rules_quarantine_what_the_contract_forbids() -> None:
    changes = [
        {},
        {"parita_genere": "04"},
        {"lat": 100.0},
        {"forma_sostegno": 7},
        {"cup": "J81B2100001000"},
        {"fondo": None},
        {"campo_intervento": "tre"},
        {"forma_sostegno": 1, "campo_intervento": 5},  # Annex I writes 01 and 005: SFC2021 rejects 1 and 5
        {"campo_intervento": "183", "tema_secondario_fse": "11"},
        {"data_revoca": "2022-01-14", "stato": "revocato"},  # withdrawn the day before its selection
        {"stato": "sospeso"},
        {"data_selezione": None, "data_revoca": "2022-01-14"},  # no selection date: nothing to compare
    ]
    failures = run_operations([OPERATION | change for change in changes])
    assert failures == {
        1: {"gender_equality_domain"},
        2: {"latitude_domain"},
        3: {"form_of_support_domain"},
        4: {"cup_format"},
        5: {"fund_present"},
        6: {"intervention_field_domain"},
        7: {"form_of_support_domain", "intervention_field_domain"},
        8: {"intervention_field_domain", "esf_secondary_theme_domain"},
        9: {"withdrawal_not_before_selection"},
        10: {"status_domain"},
    }


def test_an_optional_field_the_pilot_does_not_send_is_not_an_error() -> None:
    source = PILOT.entities["operations"]
    fields = {k: v for k, v in source.fields.items() if k not in ("gender_equality", "latitude")}
    failures = run_operations([OPERATION], replace(source, fields=fields))
    assert failures == {}


# The project's SDG fields (optional, point-1.2 style): each pilot's vocabulary maps onto the
# contract's yes / no / refused / unknown, a blank is not sent (null), anything else is
# quarantined under the field's own rule.
SDG_FIELDS = ("in_education_training", "at_risk_of_poverty")
ENROLMENT = {
    "id_iscrizione": "E1",
    "codice_progetto": "OP1",
    "codice_fiscale": "RCCMNL83S18D969H",
    "sesso": "M",
    "data_nascita": "1983-11-18",
    "comune_residenza": "058091",
    "titolo_studio": 3,
    "condizione_occupazionale": "disoccupato",
    "mesi_disoccupazione": 14,
    "data_ingresso": "2024-02-01",
    "aggiornato_il": "2026-06-01T10:00:00+00:00",
}
ENROLMENT_PARAMETERS = {
    "as_of": date(2026, 6, 30),
    "period_start": date(2021, 1, 1),
    "period_end": date(2029, 12, 31),
    "fresh_since": None,
}


def run_enrolments(records: list[dict], pilot: str) -> tuple[list[tuple], dict[int, set[tuple[str, str]]]]:
    """(the two SDG fields of each canonical row, {row: {(rule, reason)}}), as the validate task runs them."""
    from osservatorio.contract import record_type
    from osservatorio.validate.derived import add_derived_columns
    from osservatorio.validate.duplicate_entries import ENTRY_CONFLICT

    entry = load_registry()[pilot]
    envelopes = [{"source": f"#{i}", "record": r} for i, r in enumerate(records)]
    contract = record_type("participant_enrolments")
    frame = from_envelopes(envelopes, entry.entities["participant_enrolments"], contract, entry.formats)
    add_derived_columns(frame, "participant_enrolments")
    frame[ENTRY_CONFLICT] = None
    outcome = SuiteRunner("participant_enrolments").run(frame, ENROLMENT_PARAMETERS)
    assert outcome.batch_failures == []
    values = [
        tuple(None if pd.isna(v) else v for v in row)
        for row in frame[list(SDG_FIELDS)].astype(object).itertuples(index=False)
    ]
    return values, {row: {(f.rule, f.reason) for f in fs} for row, fs in outcome.row_failures.items()}


def test_sdg_fields_map_from_the_pilot_vocabulary_and_out_of_vocabulary_values_are_quarantined() -> None:
    tdz = [
        {"in_istruzione_formazione": "si", "nucleo_rischio_poverta": "non_dichiarato"},
        {"in_istruzione_formazione": "non_rilevato", "nucleo_rischio_poverta": "no"},
        {"in_istruzione_formazione": None, "nucleo_rischio_poverta": None},  # not sent: lands as null
        {"in_istruzione_formazione": "forse", "nucleo_rischio_poverta": "si"},
        {"in_istruzione_formazione": "no", "nucleo_rischio_poverta": "ISEE basso"},
    ]
    values, failures = run_enrolments([ENROLMENT | change for change in tdz], "tdz_corviale")
    assert values[:3] == [("yes", "refused"), ("unknown", "no"), (None, None)]
    assert failures == {
        3: {
            ("in_education_training_domain", "in education or training not one of yes, no, refused, unknown")
        },
        4: {("at_risk_of_poverty_domain", "at risk of poverty not one of yes, no, refused, unknown")},
    }
    # COL sends JSON booleans (null: not sent); a 1 for true is not in its vocabulary.
    col = {
        "idIscrizione": "E1", "codiceProgetto": "OP1", "codiceFiscale": "RCCMNL83S18D969H", "genere": "uomo",
        "dataNascita": "1983-11-18", "comuneResidenzaIstat": "058091", "livelloIstruzione": "ISCED 3",
        "condizioneOccupazionale": "disoccupato", "dataIngresso": "2024-02-01",
        "ultimoAggiornamento": "2026-06-01T10:00:00Z",
    }  # fmt: skip
    booleans = [
        {"inIstruzioneFormazione": False, "nucleoRischioPoverta": True},
        {"inIstruzioneFormazione": None, "nucleoRischioPoverta": False},
        {"inIstruzioneFormazione": 1, "nucleoRischioPoverta": None},
    ]
    values, failures = run_enrolments([col | change for change in booleans], "cmrc_col")
    assert values[:2] == [("no", "yes"), (None, "no")]
    assert {rule for rule, _ in failures.pop(2)} == {"in_education_training_domain"}
    assert failures == {}

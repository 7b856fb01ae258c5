import json

from osservatorio.contract import record_type
from osservatorio.registry import EntitySource, ValueFormats, load_registry
from osservatorio.validate.canonical import TYPE_ERRORS, to_canonical

PILOT = load_registry()["tdz_corviale"]
SOURCE = PILOT.entities["participant_enrolments"]
CONTRACT = record_type("participant_enrolments")


def line(**fields: object) -> str:
    record = {
        "id_iscrizione": "E1",
        "codice_progetto": "P1",
        "codice_fiscale": "RCCMNL83S18D969H",
        "sesso": "M",
        "data_nascita": "1983-11-18",
        "titolo_studio": 3,
        "condizione_occupazionale": "disoccupato",
        "data_ingresso": "2024-02-01",
    } | fields
    return json.dumps({"source": "page 1", "record": record})


def test_fields_and_values_are_mapped_to_the_contract() -> None:
    frame = to_canonical([line(sesso="X", disabilita="non_dichiarato")], SOURCE, CONTRACT, PILOT.formats)
    row = frame.iloc[0]
    assert row["gender"] == "non-binary"
    assert row["labour_status"] == "unemployed"
    assert row["disability"] == "refused"
    assert str(row["birth_date"]) == "1983-11-18"
    assert row["isced_level"] == 3
    assert row[TYPE_ERRORS] is None


def test_unmapped_value_is_kept_for_the_suite_to_name() -> None:
    frame = to_canonical([line(sesso="Q")], SOURCE, CONTRACT, PILOT.formats)
    assert frame.iloc[0]["gender"] == "Q"


def test_unparseable_values_are_listed_not_dropped() -> None:
    frame = to_canonical(
        [line(data_nascita="31/02/1990", titolo_studio="tre")], SOURCE, CONTRACT, PILOT.formats
    )
    errors = frame.iloc[0][TYPE_ERRORS]
    assert "birth_date='31/02/1990' is not a date" in errors
    assert "isced_level='tre' is not an integer" in errors


def test_pilot_formats_parse_italian_dates_and_decimal_commas() -> None:
    formats = ValueFormats(date="%d/%m/%Y", decimal_separator=",", thousands_separator=".")
    frame = to_canonical([line(data_nascita="18/11/1983", titolo_studio="3")], SOURCE, CONTRACT, formats)
    assert str(frame.iloc[0]["birth_date"]) == "1983-11-18"
    expenditure = EntitySource("expenditures", {"expenditure_id": "id", "amount": "importo"}, path="/x")
    frame = to_canonical(
        [json.dumps({"source": "f.csv:2", "record": {"id": "S1", "importo": "1.234,56"}})],
        expenditure,
        record_type("expenditures"),
        formats,
    )
    assert frame.iloc[0]["amount"] == 1234.56

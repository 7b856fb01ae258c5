"""Numbers are parsed exactly in the pilot's formats or quarantined, with the value as it was sent."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest

from osservatorio.contract import record_type
from osservatorio.registry import ValueFormats, load_registry
from osservatorio.validate.batch import validate_batch
from osservatorio.validate.canonical import TYPE_ERRORS, from_envelopes, parse_numbers

if TYPE_CHECKING:
    from pathlib import Path

CAL_ADDA = load_registry()["cal_adda_martesana"]  # thousands ".", decimal ","
ITALIAN = CAL_ADDA.formats
PLAIN = ValueFormats()  # decimal ".", no thousands separator
ENROLMENTS = record_type("participant_enrolments")


def parse(texts: list[str | None], kind: str, formats: ValueFormats) -> tuple[list[Any], dict[int, str]]:
    values, problems = parse_numbers(pd.Series(texts, dtype="string"), kind, formats)
    return [None if pd.isna(v) else v for v in values], problems


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.234.567", 1234567),
        ("1234567", 1234567),
        ("1.000", 1000),  # well grouped: a thousand (the contract's bound judges it)
        ("-7", -7),
        ("+12", 12),
        ("3,0", 3),  # whole
        ("9.223.372.036.854.775.807", 2**63 - 1),
        ("-9223372036854775808", -(2**63)),
    ],
)
def test_italian_integers_are_read_exactly(text: str, expected: int) -> None:
    assert parse([text], "integer", ITALIAN) == ([expected], {})


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2.5", "is not an integer (decimal separator ',', thousands separator '.' between groups of 3"),
        ("12.34", "is not an integer"),
        ("1.2345", "is not an integer"),
        ("1234.567", "is not an integer"),
        ("1,2,3", "is not an integer"),
        ("1e5", "is not an integer"),
        ("1 000", "is not an integer"),
        ("12,", "is not an integer"),
        ("--1", "is not an integer"),
        ("١٢", "is not an integer"),  # Arabic-Indic digits: int() would take them
        ("3,5", "is not an integer (not a whole number)"),
        ("99999999999999999999", "is out of the integer range"),
        ("9223372036854775808", "is out of the integer range"),
    ],
)
def test_misread_or_out_of_range_integers_are_problems_not_values(text: str, problem: str) -> None:
    values, problems = parse([text, "5"], "integer", ITALIAN)
    assert values == [None, 5]
    assert problems[0].startswith(problem)
    assert list(problems) == [0]


def test_large_integers_keep_every_digit_beside_missing_values() -> None:
    # 2**53 + 1 is not a float64: a float on the way would make it 2**53.
    values, problems = parse(["9007199254740993", None], "integer", PLAIN)
    assert (values, problems) == ([9007199254740993, None], {})


@pytest.mark.parametrize(
    ("text", "formats", "expected"),
    [
        ("1.234.567,5", ITALIAN, 1234567.5),
        ("1234567,5", ITALIAN, 1234567.5),
        ("-0,75", ITALIAN, -0.75),
        ("1234.5", PLAIN, 1234.5),
    ],
)
def test_numbers_follow_the_pilot_formats(text: str, formats: ValueFormats, expected: float) -> None:
    assert parse([text], "number", formats) == ([expected], {})


@pytest.mark.parametrize(
    ("text", "formats"),
    [("1,234.5", ITALIAN), ("12.34,5", ITALIAN), ("1,000", PLAIN), ("1.2.3", PLAIN), ("NaN", PLAIN)],
)
def test_numbers_in_another_format_are_problems(text: str, formats: ValueFormats) -> None:
    values, problems = parse([text], "number", formats)
    assert values == [None]
    assert problems[0].startswith("is not a number")


def test_a_number_beyond_float_range_is_a_problem_not_infinity() -> None:
    values, problems = parse(["1" + "0" * 400], "number", PLAIN)
    assert values == [None]
    assert problems[0].startswith("is out of the number range")


def envelopes(*months: object) -> list[dict]:
    return [
        {"source": f"f.csv:{i + 2}", "record": {"Mesi di disoccupazione": m}} for i, m in enumerate(months)
    ]


def test_type_errors_name_the_value_as_sent() -> None:
    source = CAL_ADDA.entities["participant_enrolments"]
    frame = from_envelopes(envelopes("2.5", "99999999999999999999", "1.000"), source, ENROLMENTS, ITALIAN)
    errors = frame[TYPE_ERRORS].tolist()
    assert errors[0].startswith("unemployment_months='2.5' is not an integer")
    assert errors[1].startswith("unemployment_months='99999999999999999999' is out of the integer range")
    assert pd.isna(errors[2])
    assert frame["unemployment_months"].tolist()[:2] == [pd.NA, pd.NA]
    assert frame["unemployment_months"].tolist()[2] == 1000


@pytest.mark.parametrize(
    ("sent", "expected", "error"),
    [
        (1234.5, 1234.5, None),  # a JSON number has no thousands separator, whatever the formats
        (3.0, 3.0, None),
        (1e-05, 0.00001, None),
        (float("inf"), None, "is not a number"),
    ],
)
def test_json_numbers_are_read_as_numbers_whatever_the_text_formats(
    sent: float, expected: float | None, error: str | None
) -> None:
    source = replace(CAL_ADDA.entities["expenditures"], fields={"expenditure_id": "id", "amount": "importo"})
    frame = from_envelopes(
        [{"source": "page 1", "record": {"id": "S1", "importo": sent}}],
        source,
        record_type("expenditures"),
        ITALIAN,
    )
    amount, errors = frame["amount"].iloc[0], frame[TYPE_ERRORS].iloc[0]
    assert (None if pd.isna(amount) else amount) == expected
    assert pd.isna(errors) if error is None else error in errors


@pytest.mark.parametrize(
    ("sent", "expected", "error"),
    [(7, 7, None), (7.0, 7, None), (7.5, None, "not a whole number"), (10**20, None, "out of the integer")],
)
def test_json_numbers_in_integer_fields(sent: float, expected: int | None, error: str | None) -> None:
    source = CAL_ADDA.entities["participant_enrolments"]
    frame = from_envelopes(envelopes(sent), source, ENROLMENTS, ITALIAN)
    months, errors = frame["unemployment_months"].iloc[0], frame[TYPE_ERRORS].iloc[0]
    assert (None if pd.isna(months) else months) == expected
    assert pd.isna(errors) if error is None else error in errors


# -- through the suite: the contract's plausible bound, reasons with the value as sent ------------

GOOD = {
    "ID iscrizione": "E0",
    "Codice progetto": "P1",
    "Codice fiscale": "RCCMNL83S18D969H",
    "Sesso": "Maschio",
    "Data di nascita": "18/11/1983",
    "Titolo di studio": "Diploma di scuola superiore",
    "Condizione occupazionale": "Disoccupato/a",
    "Mesi di disoccupazione": "14",
    "Data di ingresso": "01/02/2024",
}


def test_misread_months_are_quarantined_with_the_value_the_pilot_sent(tmp_path: Path) -> None:
    bad = {"B1": "2.5", "B2": "1.000", "B3": "99999999999999999999", "B4": "-3"}
    records = [GOOD | {"ID iscrizione": f"E{i}", "Codice progetto": f"P-{i}"} for i in range(20)]
    records += [
        GOOD | {"ID iscrizione": k, "Codice progetto": k, "Mesi di disoccupazione": v} for k, v in bad.items()
    ]
    path = tmp_path / "participant_enrolments.source.jsonl"
    path.write_text(
        "".join(json.dumps({"source": f"p.csv:{i + 2}", "record": r}) + "\n" for i, r in enumerate(records))
    )

    summary = validate_batch(CAL_ADDA, "participant_enrolments", path, "k" * 40, date(2026, 6, 30))

    assert (summary.valid, summary.quarantined) == (20, 4)
    with open(summary.quarantine_path, encoding="utf-8") as lines:
        entries = {e["record_id"]: e for e in map(json.loads, lines)}
    assert entries["B1"]["failed_rules"] == ["typed_values"]
    assert "unemployment_months='2.5' is not an integer" in entries["B1"]["reason"]
    assert entries["B2"]["failed_rules"] == ["unemployment_months_plausible"]
    assert "above 600" in entries["B2"]["reason"]
    assert "(Mesi di disoccupazione='1.000')" in entries["B2"]["reason"]
    assert entries["B3"]["failed_rules"] == ["typed_values"]
    assert "'99999999999999999999' is out of the integer range" in entries["B3"]["reason"]
    assert entries["B4"]["failed_rules"] == ["unemployment_months_not_negative"]
    assert "(Mesi di disoccupazione='-3')" in entries["B4"]["reason"]
    assert {e["payload"]["unemployment_months"] for e in entries.values()} == set(bad.values())

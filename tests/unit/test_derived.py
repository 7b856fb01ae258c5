"""The derived columns of participant enrolments: age at entry, codice fiscale consistency, residence
in a real comune.

A missing birth date or gender makes a participant incomplete, never a mismatch: a blank birth
date reaches the derived columns as `pd.NaT`, which is an instance of `datetime.date`."""

import pandas as pd
import pytest
from stdnum import luhn

from osservatorio.contract import record_type
from osservatorio.registry import load_registry
from osservatorio.validate.canonical import from_envelopes
from osservatorio.validate.derived import (
    AGE_AT_ENTRY,
    RESIDENCE_NOT_ISTAT,
    TAX_CODE_MISMATCH,
    add_derived_columns,
)

PILOT = load_registry()["tdz_corviale"]
GOOD = {
    "id_iscrizione": "E0",
    "codice_progetto": "P1",
    "codice_fiscale": "RCCMNL83S18D969H",  # a man born 18 Nov 1983
    "sesso": "M",
    "data_nascita": "1983-11-18",
    "data_ingresso": "2024-02-01",
}


def derived(*changes: dict) -> pd.DataFrame:
    envelopes = [{"source": f"#{i}", "record": GOOD | change} for i, change in enumerate(changes)]
    frame = from_envelopes(
        envelopes,
        PILOT.entities["participant_enrolments"],
        record_type("participant_enrolments"),
        PILOT.formats,
    )
    add_derived_columns(frame, "participant_enrolments")
    return frame


def test_a_blank_birth_date_or_gender_is_no_tax_code_mismatch() -> None:
    frame = derived({}, {"data_nascita": None}, {"data_nascita": ""}, {"sesso": None}, {"sesso": " "})
    assert frame[TAX_CODE_MISMATCH].tolist() == [None] * 5
    assert frame[AGE_AT_ENTRY].isna().tolist() == [False, True, True, False, False]


def test_a_blank_entry_date_has_no_age() -> None:
    assert derived({"data_ingresso": None})[AGE_AT_ENTRY].isna().tolist() == [True]


def test_a_present_birth_date_or_gender_is_still_checked() -> None:
    frame = derived(
        {"data_nascita": "1983-11-19"}, {"sesso": "F"}, {"sesso": "F", "data_nascita": "1984-11-18"}
    )
    assert frame[TAX_CODE_MISMATCH].tolist() == ["birth date", "gender", "birth date and gender"]


@pytest.mark.parametrize(
    ("tax_code", "born", "age"),
    [
        ("RCCMNL23S18D969T", "2023-11-18", 0),  # read as 1923 by python-stdnum: only yy is encoded
        ("RCCMNL09S18D969V", "2009-11-18", 14),
        ("RCCMNL13S18D969O", "1913-11-18", 110),  # read as 2013
        ("RCCMNL12S18D969N", "1912-11-18", 111),
    ],
)
def test_the_codice_fiscale_matches_a_birth_date_of_any_century(tax_code: str, born: str, age: int) -> None:
    frame = derived({"codice_fiscale": tax_code, "data_nascita": born})
    assert frame[TAX_CODE_MISMATCH].tolist() == [None]
    assert frame[AGE_AT_ENTRY].tolist() == [age]


def test_a_partita_iva_in_the_tax_code_field_does_not_crash() -> None:
    # python-stdnum takes a valid 11-digit partita IVA for a valid codice fiscale: no birth date in it
    vat = "1234567001" + luhn.calc_check_digit("1234567001")
    assert derived({"codice_fiscale": vat})[TAX_CODE_MISMATCH].tolist() == [None]


def test_a_residence_anywhere_in_italy_is_real_a_made_up_code_is_not() -> None:
    """Roma (the pilot's), Ciampino and Napoli (outside every pilot) are real ISTAT comuni; 058999
    and 999999 are no comune's code; no comune sent is no defect (rural unknown, counted)."""
    codes = ["058091", "058118", "063049", "058999", "999999", None]
    frame = derived(*({"comune_residenza": code} for code in codes))
    flagged = [None if pd.isna(v) else v for v in frame[RESIDENCE_NOT_ISTAT]]
    assert flagged == [None, None, None, "058999", "999999", None]

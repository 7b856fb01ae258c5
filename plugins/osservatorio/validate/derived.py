"""Columns the suites check but no pilot sends: derived from the record itself, prefixed `_` so they
never land. Participant enrolments get the age at entry and the codice fiscale's consistency with
birth date and gender (non-binary participants: the codice fiscale encodes F/M only, not checked)."""

from __future__ import annotations

from datetime import date

import pandas as pd
from stdnum.it import codicefiscale

AGE_AT_ENTRY = "_age_at_entry"
TAX_CODE_MISMATCH = "_tax_code_mismatch"
PROGRAMME_PERIOD = (date(2021, 1, 1), date(2029, 12, 31))  # 2021-2027 programming period, n+2


def _age(birth: object, entry: object) -> object:
    if not isinstance(birth, date) or not isinstance(entry, date):
        return pd.NA
    return entry.year - birth.year - ((entry.month, entry.day) < (birth.month, birth.day))


def _mismatch(tax_code: object, birth: object, gender: object) -> str | None:
    if not isinstance(tax_code, str) or not codicefiscale.is_valid(tax_code):
        return None  # the format and check-character rules report it
    problems = []
    # two-digit years read as 1920-2019: people aged 15-100 in 2021-2029 were born 1921-2014
    if isinstance(birth, date) and codicefiscale.get_birth_date(tax_code) != birth:
        problems.append("birth date")
    if isinstance(gender, str) and gender in ("F", "M") and codicefiscale.get_gender(tax_code) != gender:
        problems.append("gender")
    return " and ".join(problems) or None


def add_derived_columns(frame: pd.DataFrame, entity: str) -> None:
    if entity != "participant_enrolments":
        return
    frame[AGE_AT_ENTRY] = pd.array(
        [_age(b, e) for b, e in zip(frame["birth_date"], frame["entry_date"], strict=True)], dtype="Int64"
    )
    frame[TAX_CODE_MISMATCH] = [
        _mismatch(t, b, g)
        for t, b, g in zip(frame["tax_code"], frame["birth_date"], frame["gender"], strict=True)
    ]

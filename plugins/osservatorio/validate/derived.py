"""Columns the suites check but no pilot sends: derived from the record itself, prefixed `_` so they
never land. Participant enrolments get the age at entry and the codice fiscale's consistency with
birth date and gender (non-binary participants: the codice fiscale encodes F/M only, not checked),
and whether the residence comune is a real ISTAT comune (a participant may live anywhere in Italy).

A missing birth date or gender is not a mismatch (nor an age): the participant is incomplete,
which is not a reason to quarantine (dbt flags it). A missing date reaches here as `pd.NaT`,
which is an instance of `datetime.date`: checked explicitly."""

from __future__ import annotations

from datetime import date

import pandas as pd
from stdnum.it import codicefiscale

from osservatorio.registry import istat_comuni

AGE_AT_ENTRY = "_age_at_entry"
TAX_CODE_MISMATCH = "_tax_code_mismatch"
# The residence comune when it is not a real comune (ISTAT's full list, the dbt seed istat_comuni):
# derived here rather than checked as a value set of 7,896 codes, which GX would write into every
# batch's Data Docs page.
RESIDENCE_NOT_ISTAT = "_residence_comune_not_istat"
PROGRAMME_PERIOD = (date(2021, 1, 1), date(2029, 12, 31))  # 2021-2027 programming period, n+2


def _date(value: object) -> date | None:
    return value if isinstance(value, date) and value is not pd.NaT else None


def _age(birth_value: object, entry_value: object) -> object:
    birth, entry = _date(birth_value), _date(entry_value)
    if birth is None or entry is None:
        return pd.NA
    return entry.year - birth.year - ((entry.month, entry.day) < (birth.month, birth.day))


def _mismatch(tax_code: object, birth_value: object, gender: object) -> str | None:
    # (python-stdnum also takes an 11-digit partita IVA as valid: it holds no birth date)
    if (
        not isinstance(tax_code, str)
        or len(codicefiscale.compact(tax_code)) != 16
        or not codicefiscale.is_valid(tax_code)
    ):
        return None  # the format and check-character rules report it
    problems = []
    if (birth := _date(birth_value)) is not None:
        # The codice fiscale holds the year's last two digits only (stdnum reads them as 1920-2019):
        # compare day, month and the year modulo 100, so that children born since 2020 and people
        # born before 1920 (ages run 0-110) are not mismatches.
        encoded = codicefiscale.get_birth_date(tax_code)
        if (encoded.month, encoded.day, encoded.year % 100) != (birth.month, birth.day, birth.year % 100):
            problems.append("birth date")
    if isinstance(gender, str) and gender in ("F", "M") and codicefiscale.get_gender(tax_code) != gender:
        problems.append("gender")
    return " and ".join(problems) or None


def add_derived_columns(frame: pd.DataFrame, entity: str) -> None:
    if entity != "participant_enrolments":
        return
    comuni = istat_comuni()
    residences = frame["residence_comune"] if "residence_comune" in frame else [None] * len(frame)
    frame[RESIDENCE_NOT_ISTAT] = [c if isinstance(c, str) and c not in comuni else None for c in residences]
    frame[AGE_AT_ENTRY] = pd.array(
        [_age(b, e) for b, e in zip(frame["birth_date"], frame["entry_date"], strict=True)], dtype="Int64"
    )
    frame[TAX_CODE_MISMATCH] = [
        _mismatch(t, b, g)
        for t, b, g in zip(frame["tax_code"], frame["birth_date"], frame["gender"], strict=True)
    ]

"""Well-formed Italian identifiers: codice fiscale, partita IVA, CUP (and ways to break them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stdnum import luhn
from stdnum.it import codicefiscale

if TYPE_CHECKING:
    import random
    from datetime import date

MONTH_LETTERS = "ABCDEHLMPRST"
CONSONANTS = "BCDFGHJKLMNPQRSTVWXYZ"
VOWELS = "AEIOU"
ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _letters(name: str, is_first_name: bool = False) -> str:
    cons = [c for c in name.upper() if c in CONSONANTS]
    vows = [c for c in name.upper() if c in VOWELS]
    if is_first_name and len(cons) > 3:
        cons = [cons[0], cons[2], cons[3]]  # the rule for first names with 4+ consonants
    return "".join((cons + vows + ["X", "X", "X"])[:3])


def tax_code(surname: str, name: str, birth: date, female: bool, birth_place: str) -> str:
    """A codice fiscale with a valid check character, consistent with birth date and gender."""
    day = birth.day + (40 if female else 0)
    body = (
        _letters(surname)
        + _letters(name, is_first_name=True)
        + f"{birth.year % 100:02d}{MONTH_LETTERS[birth.month - 1]}{day:02d}"
        + birth_place
    )
    return body + codicefiscale.calc_check_digit(body)


def break_tax_code(code: str) -> str:
    """The same code with a wrong check character."""
    return code[:15] + ("A" if code[15] != "A" else "B")


def vat_number(company_no: int, office: str) -> str:
    """Partita IVA: 7-digit company number, 3-digit office (province) code, Luhn check digit."""
    body = f"{company_no % 10_000_000 or 1:07d}{office}"
    return body + luhn.calc_check_digit(body)


def break_vat_number(vat: str) -> str:
    return vat[:10] + str((int(vat[10]) + 1) % 10)


def cup(rng: random.Random, year: int, issuer: str = "J") -> str:
    """CUP: issuer letter, 2 digits, nature letter, 2-digit year, 9 alphanumerics (15 chars)."""
    return f"{issuer}{rng.randint(10, 99)}{rng.choice('BCDEFGH')}{year % 100:02d}" + "".join(
        rng.choice("0123456789") for _ in range(9)
    )

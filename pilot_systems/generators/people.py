"""The stable characteristics of a person: the same answer on every enrolment of that person."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import TYPE_CHECKING

from pilot_systems.generators.base import rng, unit, weighted
from pilot_systems.identifiers import tax_code
from pilot_systems.territories import (
    OUTSIDE_RESIDENCE_SHARE,
    OUTSIDE_RESIDENCES,
    RESIDENCE_WEIGHTS,
    TERRITORIES,
)

if TYPE_CHECKING:
    from pilot_systems.generators.base import Canonical, Simulation

NAMES_F = ["Giulia", "Sara", "Martina", "Elena", "Chiara", "Rosa", "Anna", "Francesca", "Valentina", "Paola"]
NAMES_M = ["Marco", "Luca", "Giuseppe", "Andrea", "Paolo", "Davide", "Stefano", "Roberto", "Matteo", "Fabio"]
FOREIGN_F = ["Aisha", "Fatima", "Ioana", "Mariam", "Li", "Priya", "Svetlana", "Nadia"]
FOREIGN_M = ["Ahmed", "Mohamed", "Ion", "Karim", "Wei", "Arjun", "Mamadou", "Olek"]
SURNAMES = [
    "Rossi",
    "Bianchi",
    "Esposito",
    "Romano",
    "Colombo",
    "Ricci",
    "Marino",
    "Greco",
    "Bruno",
    "Gallo",
    "Conti",
    "De Luca",
    "Mancini",
    "Costa",
    "Giordano",
    "Rizzo",
    "Lombardi",
    "Moretti",
]
FOREIGN_SURNAMES = [
    "Popescu",
    "Diallo",
    "El Amrani",
    "Hoxha",
    "Chen",
    "Singh",
    "Kowalski",
    "Mahmoud",
    "Ndiaye",
]
# Belfiore codes of birth places: Italian cities and, for people born abroad, foreign states.
BIRTH_PLACES_IT = {
    "058": ["H501", "H501", "H501", "F839", "G273"],
    "015": ["F205", "F205", "F839", "A794"],
    "001": ["L219", "L219", "L219", "F839", "G273"],
}
EU_BIRTH_PLACES = ["Z129", "Z127"]  # Romania, Poland
THIRD_COUNTRY_BIRTH_PLACES = ["Z330", "Z100", "Z210", "Z336", "Z343", "Z222"]  # MA AL CN EG SN IN
# Age at first entry: a few minors (some under 15, which data quality flags), many of working
# age; ZOT serves residents aged 30 and over.
AGE_BANDS = [((16, 17), 0.03), ((18, 29), 0.25), ((30, 54), 0.55), ((55, 70), 0.17)]
# Besides the bands (and without changing any other person's draws): a few children under 15,
# and a few who enter on a birthday that moves them across a band, or on the day before it.
UNDER_15_SHARE = 0.008
BIRTHDAY_EDGE_SHARE = 0.04
# Ages whose birthday moves a participant across a band: under 15 (data quality), under 18
# (EECO06), 25 (the long-term unemployment threshold), 30 (EECO07 ends at 29), 55 (EECO08).
TURNING_AGES = (15, 18, 25, 30, 55)
SPECIAL = {  # Annex I point 1.2 answers: yes, no, refused (special-category data), unknown
    "disability": [("yes", 0.10), ("no", 0.78), ("refused", 0.08), ("unknown", 0.04)],
    "minority": [("yes", 0.04), ("no", 0.80), ("refused", 0.12), ("unknown", 0.04)],
    "homeless": [("yes", 0.05), ("no", 0.85), ("refused", 0.06), ("unknown", 0.04)],
}


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier (29 Feb becomes 28 Feb in a common year)."""
    year = day.year - years
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def person(sim: Simulation, person_no: int, first_entry: date) -> Canonical:
    r = rng(sim.seed, sim.pilot, "person", person_no)
    female_share = 0.62 if sim.pilot == "tdz_tor_bella_monaca" else 0.52  # TBM focuses on lone women
    roll = r.random()
    gender = "F" if roll < female_share else ("M" if roll < 0.988 else "non-binary")
    female = gender == "F" or (gender == "non-binary" and r.random() < 0.5)  # the CF has only two

    origin = r.random()
    if origin < 0.70:  # Italian, born in Italy
        tcn, background, place = "no", "no", r.choice(BIRTH_PLACES_IT[TERRITORIES[sim.pilot][0].istat[:3]])
    elif origin < 0.75:  # Italian born to foreign parents
        tcn, background, place = "no", "yes", r.choice(BIRTH_PLACES_IT[TERRITORIES[sim.pilot][0].istat[:3]])
    elif origin < 0.80:  # EU citizen
        tcn, background, place = "no", "yes", r.choice(EU_BIRTH_PLACES)
    else:
        tcn, background, place = "yes", "yes", r.choice(THIRD_COUNTRY_BIRTH_PLACES)
    foreign_name = background == "yes" and r.random() < 0.8
    names = (FOREIGN_F if female else FOREIGN_M) if foreign_name else (NAMES_F if female else NAMES_M)
    first_name, last_name = r.choice(names), r.choice(FOREIGN_SURNAMES if foreign_name else SURNAMES)
    if r.random() < 0.03:
        tcn = weighted(r, [("refused", 0.6), ("unknown", 0.4)])
    if r.random() < 0.03:
        background = weighted(r, [("refused", 0.6), ("unknown", 0.4)])

    low, high = weighted(r, AGE_BANDS)  # type: ignore[misc]
    if sim.pilot == "zot_pratico":
        low, high = max(low, 30), max(high, 67)
    age = r.randint(low, high)
    # Whole years at entry are exactly `age`: at least age*365.25 days, less than a year more.
    birth = first_entry - timedelta(days=int(age * 365.25) + 1 + r.randint(0, 360))
    young = unit(sim.seed, sim.pilot, "under-15", person_no)
    if sim.pilot != "zot_pratico" and young < UNDER_15_SHARE:
        low = high = age = 13 + int(young / UNDER_15_SHARE * 2)
        birth = first_entry - timedelta(days=int(age * 365.25) + 1 + int(young * 1e6) % 361)
    edge = unit(sim.seed, sim.pilot, "birthday-edge", person_no)
    if edge < BIRTHDAY_EDGE_SHARE:
        on_birthday = edge < BIRTHDAY_EDGE_SHARE / 2  # else on the day before it
        turning = [b for b in TURNING_AGES if low <= (b if on_birthday else b - 1) <= high]
        if turning:
            pick = unit(sim.seed, sim.pilot, "turning", person_no)
            age = turning[int(pick * len(turning))] - (0 if on_birthday else 1)
        day_after = years_before(first_entry, age + 1) + timedelta(days=1)
        birth = years_before(first_entry, age) if on_birthday else day_after
    comuni = TERRITORIES[sim.pilot]
    residence = r.choices(comuni, weights=RESIDENCE_WEIGHTS[sim.pilot])[0]
    # A few live outside the pilot's territory (anywhere in Italy is valid); a draw of its own, so
    # that every other draw of the person stays as it was.
    elsewhere = unit(sim.seed, sim.pilot, "outside-residence", person_no)
    if elsewhere < OUTSIDE_RESIDENCE_SHARE:
        outside = OUTSIDE_RESIDENCES[sim.pilot]
        residence = outside[int(elsewhere / OUTSIDE_RESIDENCE_SHARE * len(outside))]
    isced = r.choices(range(9), weights=[3, 8, 30, 32, 5, 2, 12, 6, 2])[0]
    if age < 18:  # still at school: at most lower (under 15) or upper secondary
        isced = min(isced, 2 if age < 15 else 3)
    return {
        "tax_code": tax_code(last_name, first_name, birth, female, place),
        "first_name": first_name,
        "last_name": last_name,
        "gender": gender,
        "birth_date": birth,
        "residence_comune": residence.istat,
        "isced_level": isced,
        "third_country_national": tcn,
        "foreign_background": background,
        **{name: weighted(r, answers) for name, answers in SPECIAL.items()},
        "isee": round(r.uniform(1_500, 19_900), 2) if sim.pilot == "zot_pratico" else None,
    }

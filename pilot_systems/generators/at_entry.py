"""Two project answers at entry, not Annex I: in education or training (SDG 8.6, NEET) and a
household at risk of poverty (SDG 1.2, e.g. receiving the Assegno di inclusione).

Like the labour-market status they describe the situation at entry, so they are drawn per
enrolment, each from a draw of its own: every other draw of the record stays as it was.
In education or training is common among the young (school, university, vocational courses) and
rare from 30; a household at risk of poverty is more common among the long-term unemployed, the
inactive and the homeless, and at Tor Bella Monaca (lone mothers).

Each pilot records them its own way (`PRACTICES`): COL's platform has two checkboxes (only yes
or no; refused and not asked are both left null), ZOT's sheet codes yes / no / refused and leaves
unknown blank, and CAL's operators fill in the poverty column only when they have seen the
household's ISEE, so many records leave it blank. A blank is canonical None: not sent, which the
pipeline counts as unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pilot_systems.generators.base import unit

FIELDS = ("in_education_training", "at_risk_of_poverty")
ANSWERS = frozenset({"yes", "no", "refused", "unknown"})


@dataclass(frozen=True)
class Practice:
    """How a pilot's system records the two answers."""

    recordable: frozenset[str] = ANSWERS  # answers its system has a value for; others stay blank
    blank_share: dict[str, float] = field(default_factory=dict)  # per field: left blank anyway


PRACTICES = {
    "tdz_corviale": Practice(),
    "tdz_tor_bella_monaca": Practice(),
    "cmrc_col": Practice(recordable=frozenset({"yes", "no"})),
    "cal_adda_martesana": Practice(blank_share={"at_risk_of_poverty": 0.40}),
    "zot_pratico": Practice(recordable=frozenset({"yes", "no", "refused"})),
}
REFUSED = {"in_education_training": 0.02, "at_risk_of_poverty": 0.07}  # income: more often refused
NOT_ASKED = {"in_education_training": 0.04, "at_risk_of_poverty": 0.05}


def in_education_share(age: int, status: str | None) -> float:
    """Share in education or training at entry, by age (whole years) and labour-market status."""
    if age < 16:
        return 0.92  # compulsory schooling
    if age < 18:
        return 0.75 if status == "inactive" else 0.35
    if age < 25:
        return 0.40 if status == "inactive" else 0.25
    if age < 30:
        return 0.14
    return 0.06 if age < 40 else 0.03


def poverty_share(pilot: str, status: str | None, long_term: bool, homeless: object) -> float:
    """Share of households at risk of poverty at entry."""
    share = {"unemployed": 0.22, "inactive": 0.30, "employed": 0.08, "self_employed": 0.10}.get(
        status or "", 0.2
    )
    if long_term:
        share = 0.42
    if pilot == "tdz_tor_bella_monaca":
        share += 0.08
    return max(share, 0.80) if homeless == "yes" else share


def _answer(pilot: str, name: str, slot: int, seed: int, share_yes: float) -> str | None:
    roll = unit(seed, pilot, "at-entry", name, slot)
    if roll < REFUSED[name]:
        answer = "refused"
    elif roll < REFUSED[name] + NOT_ASKED[name]:
        answer = "unknown"
    else:
        rest = (roll - REFUSED[name] - NOT_ASKED[name]) / (1 - REFUSED[name] - NOT_ASKED[name])
        answer = "yes" if rest < share_yes else "no"
    practice = PRACTICES.get(pilot, Practice())
    if unit(seed, pilot, "at-entry-blank", name, slot) < practice.blank_share.get(name, 0.0):
        return None
    return answer if answer in practice.recordable else None


def answers_at_entry(
    pilot: str,
    seed: int,
    slot: int,
    age: int,
    status: str | None,
    unemployment_months: int | None,
    homeless: object,
) -> dict[str, str | None]:
    """The two canonical answers of the enrolment in `slot` (None: left blank, not sent)."""
    long_term = unemployment_months is not None and unemployment_months > (6 if age < 25 else 12)
    return {
        "in_education_training": _answer(
            pilot, "in_education_training", slot, seed, in_education_share(age, status)
        ),
        "at_risk_of_poverty": _answer(
            pilot, "at_risk_of_poverty", slot, seed, poverty_share(pilot, status, long_term, homeless)
        ),
    }

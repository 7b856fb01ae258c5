"""Two SDG figures of marts.sdg_indicators / marts.sdg_gender_gaps against an independent
plain-Python count from the simulated pilot systems' own records, after the session's one run of
the real DAGs (`pipeline_ran`): the SDG 8.5 gender gap in employment upon leaving, and the SDG 8.6
young people NEET at entry reached, for one pilot at the latest Art. 42 cut-off. The recount uses
the helpers of tests/e2e/expected_indicators.py (the systems' canonical records, the counting rules
of shared/domain.md section 2), never pipeline output or the dbt SQL."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import query, system
from tests.e2e.expected_indicators import UPON_LEAVING_DAYS, age_on, participations, result_indicators

if TYPE_CHECKING:
    from tests.conftest import TestEnv
    from tests.e2e.expected_indicators import Participation

pytestmark = pytest.mark.e2e
PILOT = "cmrc_col"  # the largest pilot of the test systems; its platform records yes/no only
CUTOFF = date(2026, 10, 31)  # the latest Art. 42 cut-off before the systems' "today"


def counted(pilot: str, cutoff: date) -> list[Participation]:
    """Participations the ESF+ indicators count at the cut-off (EECO01): complete point 1.1 data
    on the first enrolment, entered by the cut-off."""
    return [p for p in participations(system(pilot)) if p.complete and p.first["entry_date"] <= cutoff]


def is_neet_at_entry(p: Participation) -> bool:
    """SDG 8.6 at entry: aged 15-29, unemployed or inactive, and the pilot sent 'no' to "in
    education or training". A blank (not sent), refused or unknown answer is never NEET."""
    first = p.first
    return (
        15 <= age_on(first["birth_date"], first["entry_date"]) <= 29
        and first["labour_status"] in ("unemployed", "inactive")
        and first.get("in_education_training") == "no"
    )


def has_left(p: Participation, cutoff: date) -> bool:
    """Out of the operation at the cut-off with the upon-leaving window closed by it."""
    exit_ = p.exit_at(cutoff)
    return exit_ is not None and exit_ + timedelta(days=UPON_LEAVING_DAYS) <= cutoff


def by_gender(people: list[Participation]) -> Counter[str]:
    counts = Counter(p.first["gender"] for p in people)
    counts["total"] = len(people)
    return counts


def test_neet_reached_matches_an_independent_count(test_env: TestEnv, pipeline_ran: None) -> None:
    neet = [p for p in counted(PILOT, CUTOFF) if is_neet_at_entry(p)]
    expected = by_gender(neet)
    assert expected["total"] > 0  # the test data have NEET participants: the comparison means something
    rows = query(
        test_env,
        "SELECT gender, numerator FROM marts.sdg_indicators WHERE mapping_id = 'sdg_8_6__neet_reached'"
        " AND territory_level = 'pilot' AND territory_code = %s AND period_type = 'cutoff'"
        " AND period_end_date = %s",
        PILOT,
        CUTOFF,
    )
    assert {g: int(n) for g, n in rows} == {g: n for g, n in expected.items() if n}


def test_employment_gender_gap_matches_an_independent_count(test_env: TestEnv, pipeline_ran: None) -> None:
    leavers = [p for p in counted(PILOT, CUTOFF) if has_left(p, CUTOFF)]
    employed = [p for p in leavers if "EECR04" in result_indicators(p, CUTOFF)]
    denominators, numerators = by_gender(leavers), by_gender(employed)
    assert denominators["F"]
    assert denominators["M"]
    women_rate = Decimal(numerators["F"]) / denominators["F"]
    men_rate = Decimal(numerators["M"]) / denominators["M"]
    [row] = query(
        test_env,
        "SELECT women_count, women_denominator, men_count, men_denominator, total_count,"
        " total_denominator, gap_percentage_points FROM marts.sdg_gender_gaps"
        " WHERE mapping_id = 'sdg_8_5__employment_gap' AND territory_level = 'pilot'"
        " AND territory_code = %s AND period_type = 'cutoff' AND period_end_date = %s",
        PILOT,
        CUTOFF,
    )
    assert row[:6] == (
        numerators["F"],
        denominators["F"],
        numerators["M"],
        denominators["M"],
        numerators["total"],
        denominators["total"],
    )
    # PostgreSQL's round() takes halves away from zero
    assert row[6] == (100 * (women_rate - men_rate)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

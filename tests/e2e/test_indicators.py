"""All 24 ESF+ common indicators of marts.esf_indicators, per pilot, action and gender, at two
Art. 42 cut-offs, against an independent plain-Python count from the simulated systems' own
records (tests/e2e/expected_indicators.py), after one run of the real DAGs (`pipeline_ran`,
shared with test_pipeline.py). The mart has one row per fund and descriptive column: values are
summed over them."""

from __future__ import annotations

import csv
import functools
from collections import Counter
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pytest

from pilot_systems.territories import TERRITORIES
from tests.e2e.conftest import PILOTS, query, system
from tests.e2e.expected_indicators import (
    ACTIONS,
    INDICATORS,
    NOT_APPLICABLE,
    PERSON_GENDERS,
    POINT_1_1,
    SEEDS,
    age_on,
    all_cells,
    expected_by_fund,
    expected_indicators,
    participations,
    plus_months,
)

if TYPE_CHECKING:
    from tests.conftest import TestEnv

pytestmark = pytest.mark.e2e
CUTOFFS = (date(2026, 10, 31), date(2026, 6, 30))
with (SEEDS / "comuni_degree_of_urbanisation.csv").open(encoding="utf-8") as _seed:
    DEGREES = {r["comune_code"] for r in csv.DictReader(_seed)}  # comuni with a known degree

Cells = dict[tuple[str, str, str, str, date], int]  # (indicator, pilot, action, gender, cut-off)


@functools.cache
def expected() -> Cells:
    out: Cells = {}
    for pilot in PILOTS:
        for cutoff in CUTOFFS:
            counts = expected_indicators(system(pilot), cutoff)
            for indicator, action, gender in all_cells():
                out[(indicator, pilot, action, gender, cutoff)] = counts[(indicator, action, gender)]
    return out


@pytest.fixture(scope="module")
def mart(test_env: TestEnv, pipeline_ran: None) -> Cells:
    rows = query(
        test_env,
        "SELECT indicator_code, pilot_id, action_code, gender, cutoff_date, sum(indicator_value)"
        " FROM marts.esf_indicators WHERE pilot_id = ANY(%s) AND cutoff_date = ANY(%s)"
        " GROUP BY 1, 2, 3, 4, 5",
        list(PILOTS),
        list(CUTOFFS),
    )
    return {(i, p, a, g, c): int(v) for i, p, a, g, c, v in rows}


def total(cells: Cells, indicator: str, cutoff: date, pilot: str | None = None) -> int:
    return sum(
        v for (i, p, _, _, c), v in cells.items() if i == indicator and c == cutoff and pilot in (None, p)
    )


# -- the mart against the independent count ---------------------------------------------------
def test_the_mart_has_a_row_for_every_cell(mart: Cells) -> None:
    assert set(mart) == set(expected())


@pytest.mark.parametrize("indicator", INDICATORS)
@pytest.mark.parametrize("cutoff", CUTOFFS, ids=str)
def test_indicator_equals_the_count_from_the_source(mart: Cells, cutoff: date, indicator: str) -> None:
    differing = []
    for key, value in expected().items():
        _, pilot, action, gender, _ = key
        if key[0] == indicator and key[4] == cutoff and mart.get(key) != value:
            differing.append(f"{pilot} {action} {gender}: expected {value}, mart {mart.get(key)}")
    assert not differing, f"{indicator} at {cutoff}:\n" + "\n".join(differing)


@pytest.mark.parametrize("cutoff", CUTOFFS, ids=str)
def test_every_value_is_under_the_fund_of_its_operation(test_env: TestEnv, mart: Cells, cutoff: date) -> None:
    rows = query(
        test_env,
        "SELECT pilot_id, indicator_code, action_code, fund, gender, sum(indicator_value)"
        " FROM marts.esf_indicators WHERE pilot_id = ANY(%s) AND cutoff_date = %s GROUP BY 1, 2, 3, 4, 5",
        list(PILOTS),
        cutoff,
    )
    by_fund = {(p, i, a, f, g): int(v) for p, i, a, f, g, v in rows if v}
    expected_funds = {
        (pilot, *key): n
        for pilot in PILOTS
        for key, n in expected_by_fund(system(pilot), cutoff).items()
        if n
    }
    differing = sorted(
        f"{k}: expected {expected_funds.get(k, 0)}, mart {by_fund.get(k, 0)}"
        for k in set(by_fund) | set(expected_funds)
        if by_fund.get(k, 0) != expected_funds.get(k, 0)
    )
    assert not differing, "\n".join(differing[:40])


@pytest.mark.parametrize("cutoff", CUTOFFS, ids=str)
def test_the_mart_passes_the_sfc_consistency_rules(mart: Cells, cutoff: date) -> None:
    """SFC2021 validation: EECO01 = EECO02+04+05; the age bands and education levels of the
    participants; a result in persons never exceeds the participants."""
    for pilot in PILOTS:
        for action in ACTIONS:
            for gender in (*PERSON_GENDERS, NOT_APPLICABLE):

                def v(code: str, p: str = pilot, a: str = action, g: str = gender) -> int:
                    return mart.get((code, p, a, g, cutoff), 0)

                where = (pilot, action, gender)
                assert v("EECO01") == v("EECO02") + v("EECO04") + v("EECO05"), where
                assert v("EECO03") <= v("EECO02"), where
                assert v("EECO06") + v("EECO07") + v("EECO08") <= v("EECO01"), where
                assert v("EECO09") + v("EECO10") + v("EECO11") == v("EECO01"), where
                assert v("EECR01") + v("EECR04") <= v("EECO01"), where
                assert all(v(f"EECR0{n}") <= v("EECO01") for n in range(1, 6)), where
                if gender == NOT_APPLICABLE:
                    assert all(v(f"EECO{n:02d}") == 0 for n in range(1, 18)), where
                else:
                    assert v("EECO18") == v("EECO19") == 0, where


# -- the independent count is not trivial: every indicator and rule is exercised -------------
@pytest.mark.parametrize("cutoff", CUTOFFS, ids=str)
def test_every_indicator_has_something_to_count(cutoff: date) -> None:
    cells = expected()
    zero = [i for i in INDICATORS if total(cells, i, cutoff) == 0]
    assert not zero, f"nothing counted for {zero} at {cutoff}"
    for pilot in PILOTS:
        assert total(cells, "EECO01", cutoff, pilot) > 200
        assert total(cells, "EECO19", cutoff, pilot) > 0
        assert total(cells, "EECR04", cutoff, pilot) > 0
        assert (total(cells, "EECO06", cutoff, pilot) > 0) == (pilot != "zot_pratico")  # ZOT: 30+
    assert total(cells, "EECO16", cutoff, "cmrc_col") > 50  # the homeless operation's participants
    assert total(cells, "EECO17", cutoff, "zot_pratico") > 20  # Rosta, San Gillio, Villarbasse
    assert {a for (i, _, a, _, c), v in cells.items() if i == "EECO01" and c == cutoff and v} == set(ACTIONS)
    assert {g for (i, _, _, g, c), v in cells.items() if i == "EECO01" and c == cutoff and v} == set(
        PERSON_GENDERS
    )
    for pilot in PILOTS:  # the earlier cut-off counts fewer: the cumulative values grow
        assert total(cells, "EECO01", CUTOFFS[1], pilot) < total(cells, "EECO01", CUTOFFS[0], pilot)


def test_the_test_systems_meet_the_edges_of_the_rules() -> None:
    """The cases that tell a right implementation from a nearly right one all occur."""
    cutoff = CUTOFFS[0]
    seen: Counter[str] = Counter()
    for pilot in PILOTS:
        sim = system(pilot)
        labels = Counter(label for r in sim.records("participant_enrolments") for label in r.defects)
        seen.update({k: v for k, v in labels.items() if k in ("same_day_duplicate", "conflicting_same_day")})
        for p in participations(sim):
            entries = [e["entry_date"] for e in p.enrolments]
            if not p.complete:
                seen["incomplete first enrolment"] += 1
                if any(all(e[f] is not None for f in POINT_1_1) for e in p.enrolments[1:]):
                    seen["incomplete first, complete re-entry"] += 1
                continue
            age = age_on(p.first["birth_date"], p.first["entry_date"])
            birth, entry = p.first["birth_date"], p.first["entry_date"]
            seen["entry on the birthday"] += (birth.month, birth.day) == (entry.month, entry.day)
            day_after = entry + timedelta(days=1)
            seen["entry the day before the birthday"] += (birth.month, birth.day) == (
                day_after.month,
                day_after.day,
            )
            seen["complete first, incomplete re-entry"] += any(
                any(e[f] is None for f in POINT_1_1) for e in p.enrolments[1:]
            )
            seen.update([f"age {age}"] if age in (17, 18, 29, 30, 54, 55) else [])
            seen["under 15"] += age < 15
            seen["re-entry"] += len(set(entries)) > 1
            stays = [(e["entry_date"], e["exit_date"]) for e in p.enrolments]
            seen["stay open under a closed one"] += any(
                e1 < e2 and x1 is None and x2 is not None for e1, x1 in stays for e2, x2 in stays
            )
            seen["later-starting stay ends first"] += any(
                e1 < e2 and x1 is not None and x2 is not None and x2 < x1
                for e1, x1 in stays
                for e2, x2 in stays
            )
            home = {c.istat for c in TERRITORIES[pilot]}
            seen["residence outside the pilot's territory"] += p.first["residence_comune"] not in home
            no_degree = p.first["residence_comune"] not in DEGREES
            seen["residence without a known degree of urbanisation"] += no_degree
            seen["re-entry after the earlier cut-off"] += entries[0] <= CUTOFFS[1] < entries[-1]
            seen["same-day pair landed"] += len(set(entries)) < len(entries)
            last_day = [e for e in p.enrolments if e["entry_date"] == entries[-1]]
            seen["same-day pair, one still open"] += len(last_day) > 1 and None in {
                e["exit_date"] for e in last_day
            }
            seen["still in: exit after the cut-off"] += any(
                e["exit_date"] and e["exit_date"] > cutoff for e in p.enrolments
            )
            exit_ = p.exit_at(cutoff)
            if exit_ is None:
                seen["events of participants still in"] += bool(p.events)
                continue
            for event in p.events:
                days = (event["event_date"] - exit_).days
                seen.update([f"event at exit {days:+d}"] if days in (-1, 0, 28, 29) else [])
                seen["follow-up answer"] += bool(event["from_follow_up"])
                six = plus_months(exit_, 6)
                if event["event_date"] in (six, six + timedelta(days=1)):
                    seen["event on or just after exit + 6 months"] += 1
            seen["six months not yet passed"] += plus_months(exit_, 6) > cutoff
            window_end = exit_ + timedelta(days=28)
            open_window = window_end > cutoff and any(exit_ <= e["event_date"] <= cutoff for e in p.events)
            seen["upon-leaving window still open at the cut-off, with an event"] += open_window
            window = [
                e
                for e in p.events
                if exit_ <= e["event_date"] <= window_end <= cutoff
                and e["event_type"] in ("job_searching", "employment", "self_employment")
            ]
            if window:
                last = max(e["event_date"] for e in window)
                types = {e["event_type"] for e in window if e["event_date"] == last}
                seen["job searching and employment on the deciding day"] += len(types) > 1 and (
                    "job_searching" in types
                )
    missing = [
        case
        for case in (
            "same_day_duplicate",
            "conflicting_same_day",
            "incomplete first enrolment",
            "incomplete first, complete re-entry",
            "complete first, incomplete re-entry",
            "entry on the birthday",
            "entry the day before the birthday",
            "under 15",
            *(f"age {a}" for a in (17, 18, 29, 30, 54, 55)),
            "re-entry",
            "re-entry after the earlier cut-off",
            "stay open under a closed one",
            "later-starting stay ends first",
            "residence outside the pilot's territory",
            "residence without a known degree of urbanisation",
            "upon-leaving window still open at the cut-off, with an event",
            "same-day pair landed",
            "same-day pair, one still open",
            "still in: exit after the cut-off",
            "events of participants still in",
            *(f"event at exit {d:+d}" for d in (-1, 0, 28, 29)),
            "follow-up answer",
            "event on or just after exit + 6 months",
            "six months not yet passed",
            "job searching and employment on the deciding day",
        )
        if not seen[case]
    ]
    assert not missing, (missing, seen)

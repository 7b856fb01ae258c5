"""The audit drill-down, end to end: every non-zero cell of marts.esf_indicators at one cut-off is
explained by marts.indicator_cell_sources(...), member by member, down to the source records
(pilot, batch, file and line or page, record id, hash), with pseudonymised keys only."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import PILOTS, query, system

if TYPE_CHECKING:
    from tests.conftest import TestEnv

pytestmark = pytest.mark.e2e
CUTOFF = date(2026, 10, 31)
TAX_CODE = re.compile(r"[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]")


def test_every_non_zero_cell_drills_down_to_as_many_members(test_env: TestEnv, pipeline_ran: None) -> None:
    cells = query(
        test_env,
        "SELECT indicator_code, pilot_id, action_code, gender, fund, indicator_value"
        " FROM marts.esf_indicators WHERE cutoff_date = %s AND indicator_value > 0 AND pilot_id = ANY(%s)",
        CUTOFF,
        list(PILOTS),
    )
    assert len({cell[0] for cell in cells}) == 24  # every indicator has some non-zero cell
    mismatched = []
    for code, pilot, action, gender, fund, value in cells:
        [(members, without_records)] = query(
            test_env,
            "SELECT count(DISTINCT member_id), count(*) FILTER (WHERE source_record_id IS NULL)"
            " FROM marts.indicator_cell_sources(%s, %s, %s, %s, %s, %s)",
            code, CUTOFF, pilot, action, gender, fund,
        )  # fmt: skip
        if members != value or without_records:
            mismatched.append((code, pilot, action, gender, fund, value, members))
    assert mismatched == []


def test_a_result_cell_names_the_deciding_event_and_where_each_record_came_from(
    test_env: TestEnv, pipeline_ran: None
) -> None:
    [(pilot, action, gender, fund)] = query(
        test_env,
        "SELECT pilot_id, action_code, gender, fund FROM marts.esf_indicators"
        " WHERE cutoff_date = %s AND indicator_code = 'EECR04' AND pilot_id = 'cmrc_col'"
        " ORDER BY indicator_value DESC LIMIT 1",
        CUTOFF,
    )
    rows = query(
        test_env,
        "SELECT member_id, record_type, batch_id, source_location, source_record_id, record_hash"
        " FROM marts.indicator_cell_sources('EECR04', %s, %s, %s, %s, %s)",
        CUTOFF, pilot, action, gender, fund,
    )  # fmt: skip
    by_member: dict[str, set[str]] = {}
    for member, record_type, batch_id, location, record_id, record_hash in rows:
        by_member.setdefault(member, set()).add(record_type)
        assert batch_id.startswith(f"{pilot}/{record_type}/")
        assert location
        assert record_id
        assert len(record_hash) == 64
    # each member: its enrolment(s) and exactly the event that decided it
    assert by_member
    assert all(kinds == {"participant_enrolments", "result_events"} for kinds in by_member.values())
    events = {r[4] for r in rows if r[1] == "result_events"}
    served = {
        str(rec.canonical["event_id"]): rec.canonical["event_type"]
        for rec in system(pilot).records("result_events")
    }
    assert {served[event] for event in events} <= {"employment", "self_employment"}


def test_the_drill_down_shows_no_direct_identifier(test_env: TestEnv, pipeline_ran: None) -> None:
    text = " ".join(
        str(value)
        for row in query(
            test_env,
            "SELECT m.*, s.* FROM marts.esf_indicator_members AS m"
            " JOIN marts.esf_member_source_records AS s USING (member_id) LIMIT 5000",
        )
        for value in row
    )
    assert text
    assert not TAX_CODE.search(text)


def test_every_code_is_present_for_every_action_pilot_gender_and_cutoff(
    test_env: TestEnv, pipeline_ran: None
) -> None:
    [(cells, short)] = query(
        test_env,
        "SELECT count(*),"
        " count(*) FILTER (WHERE codes <> CASE gender WHEN 'not_applicable' THEN 2 ELSE 22 END) FROM ("
        "  SELECT cutoff_date, pilot_id, action_code, gender, fund, count(DISTINCT indicator_code) AS codes"
        "  FROM marts.esf_indicators WHERE pilot_id = ANY(%s)"
        "  GROUP BY cutoff_date, pilot_id, action_code, gender, fund) AS per_cell",
        list(PILOTS),
    )
    [(cutoffs,)] = query(test_env, "SELECT count(DISTINCT cutoff_date) FROM marts.esf_indicators")
    assert short == 0
    # 5 pilots x 2 actions x 4 genders x 5 funds, at every cut-off: the 22 person indicators under
    # F, M and non-binary, the 2 entity indicators under not_applicable (only possible cells)
    assert cells == len(PILOTS) * 2 * 4 * 5 * cutoffs
    assert cutoffs >= 29  # every Art. 42 cut-off from 2021-03-31 to 2026-10-31 at least

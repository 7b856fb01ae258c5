"""The public SDG views after one real run of the pipeline (`pipeline_ran`): the attack of issue 25
point 5 (every primary cell keeps an interval at least the protection level wide, computed by
linear programming from what the views publish, read as public_reader), the same cell hidden in
every view (linked tables), and a threshold under the legal floor refused by dbt."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import psycopg
import pytest

from osservatorio.publish.disclosure_audit import DEFAULT_PROTECTION_LEVEL, PublicCell, audit_public_cells
from tests.conftest import dbt_target
from tests.e2e.conftest import query

if TYPE_CHECKING:
    from tests.conftest import TestEnv

pytestmark = pytest.mark.e2e

Family = tuple[str, str]


def public_reader_uri(env: dict[str, str]) -> str:
    return (
        f"postgresql://public_reader:{env['OSSERVATORIO_PUBLIC_READER_PASSWORD']}@{env['OSSERVATORIO_PG_HOST']}:"
        f"{env['OSSERVATORIO_PG_PORT']}/{env['OSSERVATORIO_WAREHOUSE_DB']}"
    )


@pytest.fixture(scope="module")
def published(test_env: TestEnv, pipeline_ran: None) -> dict[Family, list[PublicCell]]:
    """What the public reads: open_data.sdg_public_counts, as public_reader, per cell family."""
    with psycopg.connect(public_reader_uri(test_env.env)) as conn:
        rows = conn.execute(
            "SELECT group_code, outcome_code, territory_level, territory_code, parent_territory_level,"
            " parent_territory_code, gender, cell_value, is_suppressed FROM open_data.sdg_public_counts"
        ).fetchall()
    families: dict[Family, list[PublicCell]] = defaultdict(list)
    for group, outcome, level, code, parent_level, parent_code, gender, value, hidden in rows:
        assert (value is None) == hidden
        families[(group, outcome)].append(PublicCell(level, code, parent_level, parent_code, gender, value))
    return families


@pytest.fixture(scope="module")
def truth(test_env: TestEnv, pipeline_ran: None) -> dict[Family, dict[tuple[str, str, str], tuple[int, str]]]:
    """The true cells and why each is hidden, as the pipeline sees them (never published)."""
    rows = query(
        test_env,
        "SELECT group_code, outcome_code, territory_level, territory_code, gender, cell_value,"
        " coalesce(suppression, '') FROM intermediate.int_public_cells__suppressed",
    )
    cells: dict[Family, dict[tuple[str, str, str], tuple[int, str]]] = defaultdict(dict)
    for group, outcome, level, code, gender, value, suppression in rows:
        cells[(group, outcome)][(level, code, gender)] = (value, suppression)
    return cells


def test_the_public_views_resist_the_attack(published: dict, truth: dict) -> None:
    """For every cell family, each primary cell's interval is at least the protection level wide."""
    figures = defaultdict(int)
    min_width = float("inf")
    unsafe = []
    for family, cells in sorted(published.items()):
        primary = [key for key, (_, why) in truth[family].items() if why == "primary"]
        figures["families"] += 1
        figures["cells"] += len(cells)
        figures["primary"] += len(primary)
        figures["secondary"] += sum(why == "secondary" for _, why in truth[family].values())
        figures["zeros"] += sum(cell.value == 0 for cell in cells)
        if not primary:
            continue
        result = audit_public_cells(cells, primary)
        min_width = min(min_width, result.min_width)
        unsafe += [(family, key, result.intervals[key]) for key in result.unsafe]
    print(
        f"\npublic views audit: {figures['families']} families, {figures['cells']} cells, "
        f"{figures['primary']} primary, {figures['secondary']} secondary, "
        f"{figures['zeros']} zeros published, "
        f"smallest primary interval width {min_width} (protection level {DEFAULT_PROTECTION_LEVEL})"
    )
    assert figures["primary"] > 0  # otherwise the attack proves nothing
    assert figures["secondary"] > 0
    assert unsafe == []


def test_a_hidden_cell_is_exactly_a_suppressed_one(published: dict, truth: dict) -> None:
    """The public view hides what the suppression hid, and publishes the true value otherwise."""
    for family, cells in published.items():
        assert {cell.key for cell in cells} == set(truth[family])
        for cell in cells:
            value, why = truth[family][cell.key]
            assert cell.value == (None if why else value), (family, cell)


def test_every_view_hides_the_same_cells(test_env: TestEnv, pipeline_ran: None) -> None:
    """Linked tables: a rate or a gap is hidden exactly when a count it is made of is hidden in
    sdg_public_counts, and shows that count's value otherwise."""
    uri = public_reader_uri(test_env.env)
    with psycopg.connect(uri) as conn:
        counts = {
            row[:5]: row[5]
            for row in conn.execute(
                "SELECT group_code, outcome_code, territory_level, territory_code, gender, cell_value"
                " FROM open_data.sdg_public_counts"
            ).fetchall()
        }
        rates = conn.execute(
            "SELECT group_code, outcome_code, denominator_outcome_code, territory_level, territory_code,"
            " gender, numerator_value, denominator_value, rate, is_suppressed FROM open_data.sdg_public_rates"
        ).fetchall()
        gaps = conn.execute(
            "SELECT group_code, outcome_code, denominator_outcome_code, territory_level, territory_code,"
            " women_rate, men_rate, gap_percentage_points, is_suppressed"
            " FROM open_data.sdg_public_gender_gaps"
        ).fetchall()
    hidden = object()

    def count(group: str, outcome: str, level: str, code: str, gender: str) -> object:
        key = (group, outcome, level, code, gender)
        if key not in counts:
            return 0  # the family has nobody at this node
        return hidden if counts[key] is None else counts[key]

    assert rates
    assert gaps
    for group, outcome, denominator, level, code, gender, num, den, rate, is_hidden in rates:
        inputs = (count(group, outcome, level, code, gender), count(group, denominator, level, code, gender))
        assert is_hidden == (hidden in inputs)
        if is_hidden:
            assert (num, den, rate) == (None, None, None)
        else:
            assert (num, den) == inputs
    for group, outcome, denominator, level, code, women, men, gap, is_hidden in gaps:
        inputs = [count(group, outcome, level, code, g) for g in ("F", "M")]
        inputs += (
            [count(group, denominator, level, code, g) for g in ("F", "M")]
            if denominator
            else [count(group, outcome, level, code, "total")]
        )
        assert is_hidden == (hidden in inputs)
        if is_hidden:
            assert (women, men, gap) == (None, None, None)
    assert any(row[-1] for row in rates)  # some rates are hidden
    assert not all(row[-1] for row in rates)


def test_the_public_total_reached_is_eeco01(test_env: TestEnv, pipeline_ran: None) -> None:
    """Nothing counted twice: every participant reached at the published cut-off, in the public
    view, is the EECO01 figure of marts.esf_indicators at that cut-off (every fund and pilot)."""
    [(cutoff, public)] = query(
        test_env,
        "SELECT cutoff_date, cell_value FROM open_data.sdg_public_counts"
        " WHERE group_code = 'all_participants' AND outcome_code = 'reached'"
        " AND territory_level = 'it' AND gender = 'total'",
    )
    [(eeco01,)] = query(
        test_env,
        "SELECT sum(indicator_value) FROM marts.esf_indicators"
        " WHERE indicator_code = 'EECO01' AND cutoff_date = %s",
        cutoff,
    )
    assert public == eeco01 > 0


def test_a_threshold_under_the_legal_floor_stops_dbt(test_env: TestEnv) -> None:
    result = test_env.run(
        "dbt", "parse", "--project-dir", "dbt_project", "--target-path", dbt_target("target-floor-check"),
        "--vars", "{disclosure_threshold: 2}", check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "below 3, the minimum frequency of the SISTAN rules" in result.stdout + result.stderr

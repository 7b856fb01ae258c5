"""summary.html: self-contained, escaped, three inline SVG charts, targets flagged as
illustrative, and honest about packages without indicator tables."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from osservatorio.publish.compliance.html_summary import summary_html
from osservatorio.publish.compliance.tables import (
    FINANCIAL_TABLE_1,
    INDICATOR_PROGRESS,
    TABLE_6_OUTPUTS,
    TABLE_10_RESULTS,
    PackageTable,
)

JUNE, AUGUST = date(2031, 6, 30), date(2031, 8, 31)
NASTY = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


def indicator(code: str, gender: str, value: int, name: str = "Total participants") -> tuple:
    return (
        JUNE,
        "203106",
        "2021IT16FFPR003",
        "4",
        "ESO4.8",
        "less developed",
        code,
        name,
        "persons",
        gender,
        value,
    )


def tables(illustrative: bool = True) -> list[PackageTable]:
    financial = [
        (JUNE, "203106", "2021IT16FFPR003", "4", "ESO4.8", "ESF+", "less developed", "public",
         Decimal("4000.00"), Decimal("40.00"), Decimal("1000.00"), Decimal("20.00"), Decimal("800.00"),
         Decimal("250.00"), Decimal("6.25"), 3),
    ]  # fmt: skip
    outputs = [
        indicator("EECO01", "F", 6, NASTY),
        indicator("EECO01", "M", 4, NASTY),
        indicator("EECO01", "total", 10, NASTY),
    ]
    results = [indicator("EECR04", "non-binary", 1, "Employed upon leaving")]
    progress = [(JUNE, "EECO01", "Total participants", 2029, 200, 50, illustrative)]
    return [
        PackageTable(FINANCIAL_TABLE_1, financial),
        PackageTable(TABLE_6_OUTPUTS, outputs),
        PackageTable(TABLE_10_RESULTS, results),
        PackageTable(INDICATOR_PROGRESS, progress),
    ]


def test_page_is_self_contained_and_escaped() -> None:
    page = summary_html(tables(), JUNE, "203106")
    assert page.startswith("<!DOCTYPE html>")
    for external in ("<script", "<img", "http:", "https:", "<link", "@import", "url("):
        assert external not in page, external
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x" in page
    assert page.count("<svg") == 3


def test_indicators_by_gender_leave_out_the_total() -> None:
    page = summary_html(tables(), JUNE, "203106")
    chart = page[page.index("<svg") : page.index("</svg>")]
    assert ">Women</text>" in chart
    assert ">Men</text>" in chart
    assert ">Non-binary</text>" in chart
    assert ">10</text>" not in chart  # the total row is not a bar
    assert ">6</text>" in chart


def test_targets_are_flagged_illustrative_only_when_they_are() -> None:
    page = summary_html(tables(illustrative=True), JUNE, "203106")
    assert "Targets are illustrative." in page
    assert "target 2029 (illustrative)" in page
    assert "25.0% of target" in page  # 50 of 200
    real = summary_html(tables(illustrative=False), JUNE, "203106")
    assert "illustrative" not in real


def test_financial_progress_shows_cost_and_declared_expenditure() -> None:
    page = summary_html(tables(), JUNE, "203106")
    assert "25.0% declared" in page  # 250 of 1,000
    assert ">1,000.00</text>" in page
    assert ">250.00</text>" in page


def test_table_1_shows_every_annex_vii_column() -> None:
    page = summary_html(tables(), JUNE, "203106")
    section = page[page.index("<h2>Table 1: financial data (CPR Annex VII)</h2>") :].split("<h2>")[1]
    for header in (
        "basis for calculation",
        "financial allocation (EUR)",
        "co-financing rate (%)",
        "total eligible cost of selected operations (EUR)",
        "share of the allocation covered (%)",
        "public contribution (EUR)",
        "eligible expenditure declared (EUR)",
        "share of the allocation declared (%)",
        "selected operations",
    ):
        assert f"<th>{header}</th>" in section
    cells = [c.split("</td>")[0] for c in section.split("<td")[1:]]
    values = [c.split(">", 1)[1] for c in cells]
    assert values == [
        "4", "ESO4.8", "ESF+", "less developed", "public", "4,000.00", "40.00", "1,000.00", "20.00",
        "800.00", "250.00", "6.25", "3",
    ]  # fmt: skip


def test_an_august_package_says_why_it_has_no_indicator_chart() -> None:
    august = [t for t in tables() if t.spec not in (TABLE_6_OUTPUTS, TABLE_10_RESULTS)]
    page = summary_html(august, AUGUST, "203108")
    assert "Tables 6 and 10 are transmitted only for the June and December cut-offs; 203108 has none." in page
    assert page.count("<svg") == 2


def test_the_page_depends_only_on_rows_and_cutoff() -> None:
    assert summary_html(tables(), JUNE, "203106") == summary_html(tables(), JUNE, "203106")


def test_each_pilot_says_how_far_its_data_had_landed_and_a_short_one_is_flagged() -> None:
    from datetime import UTC, datetime

    from osservatorio.publish.compliance.landings import PilotLanding

    def at(month: int, day: int) -> datetime:
        return datetime(2031, month, day, tzinfo=UTC)

    pilots = [
        PilotLanding(
            "cmrc_col", last_interval=(at(11, 19), at(11, 20)), reaching_cutoff=(at(6, 30), at(7, 1))
        ),
        PilotLanding("zot_pratico", last_interval=(at(6, 14), at(6, 15)), reaching_cutoff=None),
        PilotLanding("<b>new</b>", last_interval=None, reaching_cutoff=None),
    ]
    page = summary_html(tables(), JUNE, "203106", pilots)
    section = page[page.index("<h2>Data landed per pilot</h2>") :]
    complete = section[section.index("<td>cmrc_col</td>") :].split("</tr>")[0]
    assert "30/06/2031 00:00 – 01/07/2031 00:00 UTC" in complete  # the interval that reached the cut-off
    assert "landed up to the cut-off" in complete
    assert "NOT" not in complete
    short = section[section.index("<td>zot_pratico</td>") :].split("</tr>")[0]
    assert "14/06/2031 00:00 – 15/06/2031 00:00 UTC" in short
    assert "NOT landed up to the cut-off" in short
    assert "&lt;b&gt;new&lt;/b&gt;" in section
    assert "<b>new</b>" not in page
    assert "nothing landed" in section
    warning = section[section.index('<p class="warning">') :].split("</p>")[0]
    assert "zot_pratico" in warning
    assert "cmrc_col" not in warning
    # Later intervals landing do not change the page of a pilot landed up to the cut-off.
    later = [PilotLanding("cmrc_col", (at(12, 1), at(12, 2)), (at(6, 30), at(7, 1))), *pilots[1:]]
    assert summary_html(tables(), JUNE, "203106", later) == page

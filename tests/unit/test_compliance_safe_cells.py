"""Formula neutralisation: a text cell a spreadsheet would run as a formula is published with a
leading quote, in CSV files; numbers, dates and booleans stay what they are."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from osservatorio.publish.compliance.csv_files import write_csv
from osservatorio.publish.compliance.safe_cells import csv_text, neutralise, safe_value
from osservatorio.publish.compliance.tables import DATA_QUALITY_ANNEX, PackageTable

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.parametrize(
    "text",
    ["=1+1", '=HYPERLINK("http://x","y")', "+39 06 1234", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1", "="],
)
def test_a_formula_trigger_gets_a_leading_quote(text: str) -> None:
    assert neutralise(text) == "'" + text
    assert safe_value(text) == "'" + text
    assert csv_text(text) == "'" + text


@pytest.mark.parametrize("text", ["Roma Capitale", "", " =1+1", "1=1", "a-b", "'=already quoted", "\n=1"])
def test_other_text_is_unchanged(text: str) -> None:
    assert neutralise(text) == text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (-5, "-5"),  # a negative number is a number, not a formula
        (Decimal("-1200.50"), "-1200.50"),
        (Decimal("1200000.00"), "1200000.00"),
        (True, "true"),
        (False, "false"),
        (date(2031, 6, 30), "2031-06-30"),
        ("-5", "'-5"),  # text that starts with a minus is text
    ],
)
def test_csv_cells(value: object, expected: str) -> None:
    assert csv_text(value) == expected


def test_safe_value_leaves_numbers_alone() -> None:
    assert safe_value(-3) == -3
    assert safe_value(Decimal("-3.10")) == Decimal("-3.10")


def test_csv_file_round_trips_awkward_text_and_uses_lf(tmp_path: Path) -> None:
    rows = [
        (date(2031, 6, 30), "quarantine_open", "cmrc_col", None, '=cmd|" /C calc"!A0', 2),
        (date(2031, 6, 30), "quarantine_open", "zot_pratico", "4.4.8.1", 'comma, "quote"\nnew line', -1),
    ]
    path = write_csv(tmp_path, PackageTable(DATA_QUALITY_ANNEX, rows))
    assert path.name == "data_quality_annex.csv"
    data = path.read_bytes()
    assert data.startswith(b"cutoff_date,section,pilot_id,action_code,detail,value\n")
    assert data.count(b"\n") == 4  # header, two rows, one newline inside a quoted field
    assert b"\r" not in data
    back = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert back[1] == ["2031-06-30", "quarantine_open", "cmrc_col", "", '\'=cmd|" /C calc"!A0', "2"]
    assert back[2] == [
        "2031-06-30",
        "quarantine_open",
        "zot_pratico",
        "4.4.8.1",
        'comma, "quote"\nnew line',
        "-1",
    ]

"""`summary.html`: the package at a glance for a program officer, one self-contained page.

Inline CSS and inline SVG charts only (no script, no font, no image, no link to anything), so it
opens the same offline, from a download or an archive years later. Every text from the warehouse
is HTML-escaped. The page depends only on the rows and the cut-off (no version, no generation
time), so a rebuild from the same rows gives the same bytes; those live in manifest.json. It also
says how far each pilot's data had landed, flagging a pilot short of the cut-off (landings.py).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from html import escape
from typing import TYPE_CHECKING, Any

from osservatorio.publish.compliance.svg_charts import Bar, BarGroup, bar_chart, format_number
from osservatorio.publish.compliance.workbook import WORKBOOK_NAME

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date, datetime
    from pathlib import Path

    from osservatorio.publish.compliance.landings import PilotLanding
    from osservatorio.publish.compliance.tables import PackageTable

SUMMARY_NAME = "summary.html"
# Genders of Tables 6 and 10 in chart order; "total" is their sum and is not drawn.
GENDERS = {"F": "Women", "M": "Men", "non-binary": "Non-binary", "not_applicable": "Entities (no gender)"}
_GENDER_COLOURS = {"F": "#b2182b", "M": "#2166ac", "non-binary": "#5aae61", "not_applicable": "#777777"}
_ANNEX_TEXT = ("section", "pilot_id", "action_code", "detail")
_TARGET, _ACHIEVED = "#bbbbbb", "#1b7837"
_COST, _DECLARED = "#92c5de", "#2166ac"
_STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 1em 0; } td, th { border: 1px solid #ccc; padding: .2em .6em; }
td.n { text-align: right; } svg { font-size: 12px; } svg text.group { font-weight: bold; }
.warning { background: #fff3cd; border: 1px solid #e0b000; padding: .6em 1em; }
.empty { color: #666; font-style: italic; }
"""


def _rows(tables: dict[str, PackageTable], slug: str) -> list[dict[str, Any]]:
    table = tables.get(slug)
    return table.records() if table else []


def _percent(part: int | Decimal, whole: int | Decimal) -> str:
    return f"{Decimal(part) * 100 / Decimal(whole):.1f}%" if whole else "no target"


def indicators_by_gender(tables: dict[str, PackageTable]) -> list[BarGroup]:
    """Tables 6 and 10 summed over programme, priority, objective and category, per indicator."""
    values: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in _rows(tables, "table_6_outputs") + _rows(tables, "table_10_results"):
        if row["gender"] in GENDERS:
            indicator = (row["indicator_code"], row["indicator_name"] or "")
            values[indicator][row["gender"]] += row["indicator_value"] or 0
    return [
        BarGroup(
            f"{code} {name}".strip(),
            tuple(Bar(GENDERS[g], by_gender[g], _GENDER_COLOURS[g]) for g in GENDERS if g in by_gender),
        )
        for (code, name), by_gender in sorted(values.items())
    ]


def progress_against_targets(tables: dict[str, PackageTable]) -> list[BarGroup]:
    groups = []
    for row in _rows(tables, "indicator_progress"):
        label = f"{row['indicator_code']} {row['indicator_name'] or ''}".strip()
        label += f", target {row['target_year']}" + (" (illustrative)" if row["is_illustrative"] else "")
        target, achieved = row["target_value"] or 0, row["achieved_value"] or 0
        groups.append(
            BarGroup(
                label,
                (Bar("target", target, _TARGET), Bar("achieved", achieved, _ACHIEVED)),
                f"{_percent(achieved, target)} of target" if target else "no target",
            )
        )
    return groups


def financial_progress(tables: dict[str, PackageTable]) -> list[BarGroup]:
    groups = []
    for row in _rows(tables, "financial_table_1"):
        label = " · ".join(
            str(row[c] or "")
            for c in ("priority_code", "specific_objective_code", "fund_code", "category_of_region")
        )
        cost = row["total_eligible_cost"] or Decimal(0)
        declared = row["eligible_expenditure_declared"] or Decimal(0)
        groups.append(
            BarGroup(
                f"Priority {label}, {row['selected_operations']} operations",
                (Bar("eligible cost", cost, _COST), Bar("expenditure declared", declared, _DECLARED)),
                f"{_percent(declared, cost)} declared" if cost else "no eligible cost",
            )
        )
    return groups


# Table 1 as the Commission reads it: every CPR Annex VII column (header, Table 1 column).
_TABLE_1_COLUMNS = (
    ("priority", "priority_code"),
    ("specific objective", "specific_objective_code"),
    ("fund", "fund_code"),
    ("category of region", "category_of_region"),
    ("basis for calculation", "basis_for_calculation"),
    ("financial allocation (EUR)", "financial_allocation"),
    ("co-financing rate (%)", "cofinancing_rate"),
    ("total eligible cost of selected operations (EUR)", "total_eligible_cost"),
    ("share of the allocation covered (%)", "selected_share_of_allocation"),
    ("public contribution (EUR)", "public_contribution"),
    ("eligible expenditure declared (EUR)", "eligible_expenditure_declared"),
    ("share of the allocation declared (%)", "declared_share_of_allocation"),
    ("selected operations", "selected_operations"),
)


def _table_1(tables: dict[str, PackageTable]) -> str:
    rows = _rows(tables, "financial_table_1")
    if not rows:
        return ""

    def cell(value: object) -> str:
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            return f'<td class="n">{escape(format_number(value))}</td>'
        return f"<td>{escape('' if value is None else str(value))}</td>"

    head = "<tr>" + "".join(f"<th>{escape(title)}</th>" for title, _ in _TABLE_1_COLUMNS) + "</tr>"
    body = "".join("<tr>" + "".join(cell(r[c]) for _, c in _TABLE_1_COLUMNS) + "</tr>" for r in rows)
    note = (
        "<p>Basis, allocation and co-financing rate come from the programme's financial plan"
        " (reference seed programme_financial_plan); operations count as selected from their"
        " selection date until withdrawn.</p>\n"
    )
    return f"{note}<table>{head}{body}</table>\n"


def _section(title: str, chart: str, empty: str, before: str = "") -> str:
    body = chart if chart else f'<p class="empty">{escape(empty)}</p>'
    return f"<h2>{escape(title)}</h2>\n{before}{body}\n"


def _contents(tables: dict[str, PackageTable]) -> str:
    rows = "".join(
        f'<tr><td>{escape(t.spec.file_name)}</td><td class="n">{len(t.rows)}</td></tr>'
        for t in tables.values()
    )
    return f"<table><tr><th>file</th><th>rows</th></tr>{rows}</table>\n"


def _quality_annex(tables: dict[str, PackageTable]) -> str:
    rows = _rows(tables, "data_quality_annex")
    if not rows:
        return '<p class="empty">Nothing to report at this cut-off.</p>\n'
    cells = "".join(
        "<tr>"
        + "".join(f"<td>{escape(str(r[c] or ''))}</td>" for c in _ANNEX_TEXT)
        + f'<td class="n">{escape(format_number(r["value"] or 0))}</td></tr>'
        for r in rows
    )
    head = "<tr><th>section</th><th>pilot</th><th>action</th><th>detail</th><th>value</th></tr>"
    return f"<table>{head}{cells}</table>\n"


def _pilot_landings(pilots: Sequence[PilotLanding]) -> str:
    """Per pilot, how far its data had landed (landings.py): the interval that reached the
    cut-off, or the last one landed and a flag when it falls short."""
    if not pilots:
        return '<p class="empty">No pilot data landed.</p>\n'

    def span(interval: tuple[datetime, datetime]) -> str:
        return f"{interval[0]:%d/%m/%Y %H:%M} – {interval[1]:%d/%m/%Y %H:%M} UTC"

    rows = []
    for pilot in pilots:
        if pilot.reaching_cutoff is not None:
            cells = f"<td>{span(pilot.reaching_cutoff)}</td><td>landed up to the cut-off</td>"
        elif pilot.last_interval is not None:
            cells = (
                f"<td>{span(pilot.last_interval)}</td>"
                '<td class="warning"><strong>NOT landed up to the cut-off</strong>:'
                " its values are incomplete</td>"
            )
        else:
            cells = '<td>none</td><td class="warning"><strong>nothing landed</strong></td>'
        rows.append(f"<tr><td>{escape(pilot.pilot_id)}</td>{cells}</tr>")
    head = (
        "<tr><th>pilot</th><th>data interval landed (as known at the package's known_at)</th>"
        "<th>status</th></tr>"
    )
    note = (
        "<p>For a pilot landed up to the cut-off: the data interval that reached it. Otherwise: the "
        "last data interval landed (of its most lagging record type). Exact times in manifest.json.</p>\n"
    )
    flagged = [p.pilot_id for p in pilots if not p.covers_cutoff]
    warning = (
        f'<p class="warning"><strong>Incomplete:</strong> {escape(", ".join(flagged))} had not landed '
        "data up to the cut-off when this package was computed.</p>\n"
        if flagged
        else ""
    )
    return f"{warning}{note}<table>{head}{''.join(rows)}</table>\n"


def summary_html(
    tables: list[PackageTable], cutoff: date, period: str, pilots: Sequence[PilotLanding] = ()
) -> str:
    by_slug = {t.spec.slug: t for t in tables}
    illustrative = any(r["is_illustrative"] for r in _rows(by_slug, "indicator_progress"))
    warning = (
        '<p class="warning"><strong>Targets are illustrative.</strong> They come from a targets seed, '
        "not from the programme's adopted targets, and stay illustrative until real targets are "
        "entered. Do not read the progress below as performance against the programme.</p>\n"
        if illustrative
        else ""
    )
    no_indicators = (
        f"Tables 6 and 10 are transmitted only for the June and December cut-offs; {period} has none."
        if "table_6_outputs" not in by_slug
        else "No indicator values at this cut-off."
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8">'
        f"<title>ESF+ compliance package {escape(period)}</title><style>{_STYLE}</style></head><body>\n"
        f"<h1>ESF+ compliance package: cut-off {cutoff:%d/%m/%Y} (submission period {escape(period)})</h1>\n"
        "<p>Cumulative data up to the cut-off, ESF+ operations only. The tables are in the CSV files "
        f"and in {escape(WORKBOOK_NAME)}; checksums, source batches and version in manifest.json.</p>\n"
        + _contents(by_slug)
        + _section(
            "Indicators by gender (Tables 6 and 10)",
            bar_chart("Indicators by gender", indicators_by_gender(by_slug)),
            no_indicators,
        )
        + _section(
            "Progress against targets",
            bar_chart("Progress against targets", progress_against_targets(by_slug)),
            "No targets at this cut-off.",
            warning,
        )
        + _section(
            "Financial progress (Table 1): eligible cost and expenditure declared",
            bar_chart("Financial progress", financial_progress(by_slug)),
            "No selected operations at this cut-off.",
        )
        + "<h2>Table 1: financial data (CPR Annex VII)</h2>\n"
        + _table_1(by_slug)
        + "<h2>Data-quality annex</h2>\n"
        + _quality_annex(by_slug)
        + "<h2>Data landed per pilot</h2>\n"
        + _pilot_landings(pilots)
        + "</body></html>\n"
    )


def write_summary(
    folder: Path, tables: list[PackageTable], cutoff: date, period: str, pilots: Sequence[PilotLanding] = ()
) -> Path:
    path = folder / SUMMARY_NAME
    path.write_text(summary_html(tables, cutoff, period, pilots), encoding="utf-8", newline="\n")
    return path

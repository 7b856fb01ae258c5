"""The tables of a package, read for one cut-off in a deterministic order.

The compliance schema (built by dbt; a scratch copy such as `compliance_pkg_<run hash>` for a past
`known_at`) holds one table per package file, each with a `cutoff_date` column. The columns read
are named here, not discovered, so that a column added upstream never changes a published file
by surprise, and a missing one fails loudly. Rows are ordered by every column in the order
listed, so the same rows always give the same files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from osservatorio.publish.compliance.cutoffs import carries_indicator_tables

if TYPE_CHECKING:
    from datetime import date

    import psycopg

_FINANCIAL_KEYS = (
    "cutoff_date",
    "submission_period",
    "programme_code",
    "priority_code",
    "specific_objective_code",
    "fund_code",
    "category_of_region",
)
# CPR Annex VII Table 1, every column in the Annex's order: the financial plan's basis, allocation
# and rate, then the selected operations' cost and share, public cost, declared expenditure and share.
_TABLE_1_MEASURES = (
    "basis_for_calculation",
    "financial_allocation",
    "cofinancing_rate",
    "total_eligible_cost",
    "selected_share_of_allocation",
    "public_contribution",
    "eligible_expenditure_declared",
    "declared_share_of_allocation",
    "selected_operations",
)
# Table 2: one row per combination of CPR Annex I codes (dimensions 01-07), with Table 1's amounts.
ANNEX_I_CODE_COLUMNS = (
    "intervention_field_code",
    "form_of_support_code",
    "territorial_delivery_code",
    "economic_activity_code",
    "location_code",
    "esf_secondary_theme_code",
    "gender_equality_code",
)
_TABLE_2_MEASURES = (
    "total_eligible_cost",
    "public_contribution",
    "eligible_expenditure_declared",
    "selected_operations",
)
_INDICATOR_COLUMNS = (
    "cutoff_date",
    "submission_period",
    "programme_code",
    "priority_code",
    "specific_objective_code",
    "category_of_region",
    "indicator_code",
    "indicator_name",
    "unit",
    "gender",
    "indicator_value",
)
# The Kohesio headers, in order (domain.md §3); which are required is the Kohesio schema's to say
# (publish/schemas/kohesio_list_of_operations_2021_2027.json, checked by list_schema.py).
KOHESIO_COLUMNS = (
    "Operation_Unique_Identifier",
    "CountryID",
    "Operation_Name_Programme_Language",
    "Operation_Name_English",
    "Country",
    "Location_Indicator_Postcode",
    "Operation_Start_Date",
    "Operation_Expected_End_Date",
    "Operation_End_Date",
    "CoFinancing_Rate",
    "Total_Eligible_Expenditure_amount",
    "Total_Eligible_Expenditure_Currency",
    "Total_Eligible_Expenditure_Exchange_Rate",
    "Location_Indicator_NUTS_code",
    "Beneficiary_Name",
    "Location_Indicator_latitude_longitude",
    "Category_Of_Intervention",
    "Fund_Code",
    "Programme_Code",
    "Operation_Summary_English",
    "Operation_Summary_Programme_Language",
    "Programming_Period",
    "Programme_Name",
    "Program_Priority_Axis_Code",
    "Program_Priority_Axis_Name",
    "Program_Specific_Objective_Code",
    "Program_Specific_Objective_Name",
    "Program_Thematic_Objective_Code",
    "Program_Thematic_Objective_Name",
    "Fund_Name",
    "Date_Of_Last_Update",
    "Beneficiary_Unique_Identifier",
    "Social_Media_Links",
)


@dataclass(frozen=True)
class TableSpec:
    """One package table: where it is read from and which file and sheet it becomes."""

    source: str  # table in the compliance schema
    slug: str  # file stem and sheet name (Excel allows 31 characters)
    columns: tuple[str, ...]  # selected, in this order
    published: tuple[str, ...]  # written to the file, in this order
    indicator_table: bool = False  # only for June and December cut-offs

    @property
    def file_name(self) -> str:
        return f"{self.slug}.csv"


FINANCIAL_TABLE_1 = TableSpec(
    "compliance_financial_table_1",
    "financial_table_1",
    _FINANCIAL_KEYS + _TABLE_1_MEASURES,
    _FINANCIAL_KEYS + _TABLE_1_MEASURES,
)
FINANCIAL_TABLE_2 = TableSpec(
    "compliance_financial_table_2",
    "financial_table_2",
    _FINANCIAL_KEYS + ANNEX_I_CODE_COLUMNS + _TABLE_2_MEASURES,
    _FINANCIAL_KEYS + ANNEX_I_CODE_COLUMNS + _TABLE_2_MEASURES,
)
TABLE_6_OUTPUTS = TableSpec(
    "compliance_table_6_outputs", "table_6_outputs", _INDICATOR_COLUMNS, _INDICATOR_COLUMNS, True
)
TABLE_10_RESULTS = TableSpec(
    "compliance_table_10_results", "table_10_results", _INDICATOR_COLUMNS, _INDICATOR_COLUMNS, True
)
LIST_OF_OPERATIONS = TableSpec(
    "compliance_list_of_operations",
    "list_of_operations",
    ("cutoff_date", *KOHESIO_COLUMNS),
    KOHESIO_COLUMNS,  # exactly the 33 Kohesio headers: no cutoff_date column
)
DATA_QUALITY_ANNEX = TableSpec(
    "compliance_data_quality_annex",
    "data_quality_annex",
    ("cutoff_date", "section", "pilot_id", "action_code", "detail", "value"),
    ("cutoff_date", "section", "pilot_id", "action_code", "detail", "value"),
)
INDICATOR_PROGRESS = TableSpec(
    "compliance_indicator_progress",
    "indicator_progress",
    (
        "cutoff_date",
        "indicator_code",
        "indicator_name",
        "target_year",
        "target_value",
        "achieved_value",
        "is_illustrative",
    ),
    (
        "cutoff_date",
        "indicator_code",
        "indicator_name",
        "target_year",
        "target_value",
        "achieved_value",
        "is_illustrative",
    ),
)
# File and sheet order of every package.
PACKAGE_TABLES = (
    FINANCIAL_TABLE_1,
    FINANCIAL_TABLE_2,
    TABLE_6_OUTPUTS,
    TABLE_10_RESULTS,
    LIST_OF_OPERATIONS,
    DATA_QUALITY_ANNEX,
    INDICATOR_PROGRESS,
)


@dataclass(frozen=True)
class PackageTable:
    """A table's published columns and rows (values as psycopg returns them: str, int, Decimal,
    date, bool or None)."""

    spec: TableSpec
    rows: list[tuple[Any, ...]]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.spec.published

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def specs_for(cutoff: date) -> tuple[TableSpec, ...]:
    """The tables a cut-off's package holds: Tables 6 and 10 only in `YYYY06` and `YYYY12`."""
    indicators = carries_indicator_tables(cutoff)
    return tuple(spec for spec in PACKAGE_TABLES if indicators or not spec.indicator_table)


def read_table(conn: psycopg.Connection, schema: str, spec: TableSpec, cutoff: date) -> PackageTable:
    from psycopg import sql

    selected = [sql.Identifier(c) for c in spec.columns]
    query = sql.SQL("SELECT {cols} FROM {table} WHERE cutoff_date = %s ORDER BY {order}").format(
        cols=sql.SQL(", ").join(selected),
        table=sql.Identifier(schema, spec.source),
        order=sql.SQL(", ").join(sql.SQL("{} NULLS FIRST").format(c) for c in selected),
    )
    rows = conn.execute(query, (cutoff,)).fetchall()
    keep = [spec.columns.index(c) for c in spec.published]  # the list of operations drops cutoff_date
    return PackageTable(spec, [tuple(row[i] for i in keep) for row in rows])


def read_package_tables(conn: psycopg.Connection, schema: str, cutoff: date) -> list[PackageTable]:
    """Every table of the cut-off's package, in file order."""
    return [read_table(conn, schema, spec, cutoff) for spec in specs_for(cutoff)]

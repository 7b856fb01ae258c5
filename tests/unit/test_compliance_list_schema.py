"""The repository's Table Schema for the list of operations: the 33 Kohesio fields, the 11
required ones, 2021-2027 codes; frictionless accepts a good list and names what is wrong in a bad one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from osservatorio.publish.compliance.csv_files import write_csv
from osservatorio.publish.compliance.list_schema import load_schema, validate_list_file
from osservatorio.publish.compliance.tables import KOHESIO_COLUMNS, LIST_OF_OPERATIONS, PackageTable

if TYPE_CHECKING:
    from pathlib import Path

# domain.md §3, typed independently: the header line and its starred (required) fields.
DOMAIN_HEADERS = """Operation_Unique_Identifier, CountryID, Operation_Name_Programme_Language*,
Operation_Name_English, Country*, Location_Indicator_Postcode, Operation_Start_Date*,
Operation_Expected_End_Date, Operation_End_Date*, CoFinancing_Rate*, Total_Eligible_Expenditure_amount*,
Total_Eligible_Expenditure_Currency*, Total_Eligible_Expenditure_Exchange_Rate,
Location_Indicator_NUTS_code, Beneficiary_Name*, Location_Indicator_latitude_longitude,
Category_Of_Intervention*, Fund_Code, Programme_Code, Operation_Summary_English,
Operation_Summary_Programme_Language*, Programming_Period*, Programme_Name, Program_Priority_Axis_Code,
Program_Priority_Axis_Name, Program_Specific_Objective_Code, Program_Specific_Objective_Name,
Program_Thematic_Objective_Code, Program_Thematic_Objective_Name, Fund_Name, Date_Of_Last_Update,
Beneficiary_Unique_Identifier, Social_Media_Links"""
NAMES = [h.strip() for h in DOMAIN_HEADERS.replace("\n", " ").split(",")]


def good(op_id: str, **fields: str) -> tuple:
    row = dict.fromkeys(KOHESIO_COLUMNS, "")
    row.update(
        Operation_Unique_Identifier=op_id,
        CountryID="IT",
        Operation_Name_Programme_Language="Territori a Disoccupazione Zero",
        Country="Italia",
        Operation_Start_Date="01/03/2024",
        Operation_End_Date="31/12/2027",
        CoFinancing_Rate="40.5",
        Total_Eligible_Expenditure_amount="1200000.00",
        Total_Eligible_Expenditure_Currency="EUR",
        Location_Indicator_NUTS_code="ITI43",
        Location_Indicator_latitude_longitude="12.49, 41.89",
        Beneficiary_Name="Roma Capitale",
        Category_Of_Intervention="153",
        Fund_Code="ESF+",
        Operation_Summary_Programme_Language="Nuovi posti di lavoro da bisogni locali",
        Programming_Period="2021-2027",
        Date_Of_Last_Update="30/06/2031",
    )
    row.update(fields)
    return tuple(row[c] for c in KOHESIO_COLUMNS)


def validate(tmp_path: Path, *rows: tuple) -> list[tuple]:
    table = PackageTable(LIST_OF_OPERATIONS, list(rows))
    found = validate_list_file(write_csv(tmp_path, table), table)
    return [(v.table, v.row, v.key, v.rule, v.detail.split(":")[0]) for v in found]


def test_the_schema_has_the_33_kohesio_fields_in_order_and_the_11_required() -> None:
    fields = load_schema()["fields"]
    assert [f["name"] for f in fields] == [n.rstrip("*") for n in NAMES]
    assert list(KOHESIO_COLUMNS) == [n.rstrip("*") for n in NAMES]
    required = [f["name"] for f in fields if f.get("constraints", {}).get("required")]
    assert required == [n.rstrip("*") for n in NAMES if n.endswith("*")]
    assert len(fields) == 33
    assert len(required) == 11


def test_a_good_list_is_valid(tmp_path: Path) -> None:
    rows = [
        good("OP-1"),
        good("OP-2", Category_Of_Intervention="001", CoFinancing_Rate="100", Location_Indicator_NUTS_code=""),
        good(
            "OP-3",
            Category_Of_Intervention="182",
            CoFinancing_Rate="0",
            Total_Eligible_Expenditure_amount="0",
        ),
        good(
            "OP-4", Total_Eligible_Expenditure_Currency="CHF", Total_Eligible_Expenditure_Exchange_Rate="0.95"
        ),
    ]
    assert validate(tmp_path, *rows) == []


def test_a_bad_list_names_row_field_and_rule(tmp_path: Path) -> None:
    found = validate(
        tmp_path,
        good("OP-1", CoFinancing_Rate="120"),  # a percentage is at most 100
        good("OP-2", Fund_Code="ESF"),  # the 2014-2020 code
        good("OP-3", Category_Of_Intervention="183"),  # 2021-2027 fields end at 182
        good("OP-4", Category_Of_Intervention="000"),
        good("OP-5", Operation_Start_Date="2024-03-01"),  # not dd/mm/yyyy
        good("OP-6", Beneficiary_Name=""),  # required
        good("OP-6"),  # the identifier is unique
        good("OP-8", Total_Eligible_Expenditure_amount="1.200.000,00"),  # `.` decimals only
        good("OP-9", Programming_Period="2014-2020"),
    )
    table, key = "compliance_list_of_operations", "Operation_Unique_Identifier"
    assert found == [
        (
            table,
            1,
            f"{key} OP-1",
            'Table Schema constraint-error (constraint "maximum" is "100")',
            "field CoFinancing_Rate",
        ),
        (table, 2, f"{key} OP-2", found[1][3], "field Fund_Code"),
        (table, 3, f"{key} OP-3", found[2][3], "field Category_Of_Intervention"),
        (table, 4, f"{key} OP-4", found[3][3], "field Category_Of_Intervention"),
        (table, 5, f"{key} OP-5", found[4][3], "field Operation_Start_Date"),
        (
            table,
            6,
            f"{key} OP-6",
            'Table Schema constraint-error (constraint "required" is "True")',
            "field Beneficiary_Name",
        ),
        (table, 7, f"{key} OP-6", found[6][3], "field Operation_Unique_Identifier"),
        (table, 8, f"{key} OP-8", found[7][3], "field Total_Eligible_Expenditure_amount"),
        (table, 9, f"{key} OP-9", found[8][3], "field Programming_Period"),
    ]
    assert "enum" in found[1][3]
    assert all("pattern" in found[i][3] for i in (2, 3, 4))
    assert "unique" in found[6][3]
    assert "type-error" in found[7][3]


def test_a_wrong_header_is_reported(tmp_path: Path) -> None:
    path = write_csv(tmp_path, PackageTable(LIST_OF_OPERATIONS, [good("OP-1")]))
    text = path.read_text(encoding="utf-8").replace("Fund_Code", "Fund", 1)
    path.chmod(0o644)
    path.write_text(text, encoding="utf-8")
    found = validate_list_file(path, PackageTable(LIST_OF_OPERATIONS, [good("OP-1")]))
    assert [(v.row, v.key, v.rule) for v in found] == [(None, "header", "Table Schema incorrect-label")]

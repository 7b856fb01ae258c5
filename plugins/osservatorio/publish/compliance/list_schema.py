"""The list of operations validated with frictionless against the repository's Table Schema
(`publish/schemas/kohesio_list_of_operations_2021_2027.json`), on the very CSV file that is
about to be published: what frictionless finds is what Kohesio's ingestion would find.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from osservatorio.publish.compliance.errors import Violation
from osservatorio.publish.compliance.kohesio_rules import operation_key

if TYPE_CHECKING:
    from osservatorio.publish.compliance.tables import PackageTable

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "kohesio_list_of_operations_2021_2027.json"


def load_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def frictionless_report(csv_path: Path) -> Any:
    """frictionless' report on `csv_path` (UTF-8, `,`, one header row) against the schema."""
    from frictionless import Dialect, Resource, Schema, formats

    resource = Resource(
        path=csv_path.name,
        basepath=str(csv_path.parent),  # frictionless refuses absolute paths as unsafe
        schema=Schema.from_descriptor(load_schema()),
        format="csv",
        encoding="utf-8",
        dialect=Dialect(header_rows=[1], controls=[formats.CsvControl(delimiter=",")]),
    )
    return resource.validate()


def validate_list_file(csv_path: Path, table: PackageTable) -> list[Violation]:
    """One violation per frictionless error; `row` is the data row (the header is file row 1)."""
    report = frictionless_report(csv_path)
    if report.valid:
        return []
    records = table.records()
    violations = []
    for row_number, field, kind, note, message in report.flatten(
        ["rowNumber", "fieldName", "type", "note", "message"]
    ):
        row = row_number - 1 if row_number else None
        key = operation_key(records[row - 1]) if row and row <= len(records) else "header"
        rule = f"Table Schema {kind}" + (f" ({note})" if note else "")
        detail = f"field {field}: {message}" if field else message
        violations.append(Violation(table.spec.source, row, key, rule, detail))
    return violations

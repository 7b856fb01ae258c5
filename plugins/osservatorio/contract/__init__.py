"""The canonical data contract: one Frictionless Table Schema per record type (YAML beside this file).

Each field's `constraints` (required, enum, pattern, minimum, maximum), its `type` and the
schema's `primaryKey` are the structural rules of the record type: the validation suite generates
its structural expectations from them (`osservatorio.validate.contract_expectations`). A field's
`title` is its readable name in quarantine reasons (e.g. "operation code missing").

A field may take its enum from a dbt seed instead of listing it (`enum_from: <seed>.<column>`,
e.g. the Annex I point 1.2 answers): the loader fills `constraints.enum` with that column, in the
seed's order, so the models and the contract read one list and every reader sees a plain enum.
"""

from __future__ import annotations

import copy
import csv
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from osservatorio.paths import CONTRACT_DIR, DBT_PROJECT_DIR

SEEDS_DIR = DBT_PROJECT_DIR / "seeds"


@dataclass(frozen=True)
class ContractField:
    name: str
    type: str  # Frictionless type: string, integer, number, date, datetime, boolean
    required: bool
    direct_identifier: bool  # never lands: replaced by a pseudonymous key


@dataclass(frozen=True)
class RecordType:
    name: str
    fields: tuple[ContractField, ...]
    primary_key: tuple[str, ...] = ()

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def names_of_type(self, *types: str) -> list[str]:
        return [f.name for f in self.fields if f.type in types]


def seed_column(seed: str, column: str) -> list[str]:
    """One column of a dbt seed, in file order (the seed is the one list; nothing here repeats it)."""
    with (SEEDS_DIR / f"{seed}.csv").open(encoding="utf-8", newline="") as handle:
        return [row[column] for row in csv.DictReader(handle)]


def _resolve(field: dict[str, Any]) -> dict[str, Any]:
    """The field with `enum_from` replaced, in its place, by `constraints.enum` (other constraints kept)."""
    if "enum_from" not in field:
        return field
    seed, column = field["enum_from"].split(".")
    resolved: dict[str, Any] = {}
    for key, value in field.items():
        if key == "enum_from":
            resolved["constraints"] = {**field.get("constraints", {}), "enum": seed_column(seed, column)}
        elif key != "constraints":
            resolved[key] = value
    return resolved


@cache
def _schema(name: str) -> dict[str, Any]:
    schema = yaml.safe_load((CONTRACT_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    schema["fields"] = [_resolve(field) for field in schema["fields"]]
    return schema


def table_schema(name: str) -> dict[str, Any]:
    """The record type's Table Schema as written (a fresh copy: callers may change it)."""
    return copy.deepcopy(_schema(name))


@cache
def record_type(name: str) -> RecordType:
    schema = _schema(name)
    return RecordType(
        name=schema["name"],
        primary_key=tuple(schema.get("primaryKey") or ()),
        fields=tuple(
            ContractField(
                name=f["name"],
                type=f["type"],
                required=bool(f.get("constraints", {}).get("required", False)),
                direct_identifier=f.get("sensitive") == "direct_identifier",
            )
            for f in schema["fields"]
        ),
    )

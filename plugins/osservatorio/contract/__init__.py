"""The canonical data contract: one Frictionless Table Schema per record type (YAML beside this file).

Each field's `constraints` (required, enum, pattern, minimum, maximum), its `type` and the
schema's `primaryKey` are the structural rules of the record type: the validation suite generates
its structural expectations from them (`osservatorio.validate.contract_expectations`). A field's
`title` is its readable name in quarantine reasons (e.g. "operation code missing").
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from osservatorio.paths import CONTRACT_DIR


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


@cache
def _schema(name: str) -> dict[str, Any]:
    return yaml.safe_load((CONTRACT_DIR / f"{name}.yaml").read_text(encoding="utf-8"))


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

"""The canonical data contract: one Frictionless Table Schema per record type (YAML beside this file)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

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

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def names_of_type(self, *types: str) -> list[str]:
        return [f.name for f in self.fields if f.type in types]


@cache
def record_type(name: str) -> RecordType:
    schema = yaml.safe_load((CONTRACT_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    return RecordType(
        name=schema["name"],
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

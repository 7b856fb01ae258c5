"""The pilot registry (config/pilots.yaml), read into typed objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

import yaml

from osservatorio.paths import CONFIG_DIR

if TYPE_CHECKING:
    from pathlib import Path

REGISTRY_FILE = CONFIG_DIR / "pilots.yaml"
CHANNELS = {"rest_api"}


@dataclass(frozen=True)
class EntitySource:
    """Where one canonical record type comes from and how its fields map onto the contract."""

    entity: str
    path: str
    fields: dict[str, str]  # canonical name -> source field name
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # canonical field -> value map
    page_size: int = 500


@dataclass(frozen=True)
class Pilot:
    pilot_id: str
    name: str
    channel: str
    connection_id: str
    schedule: str
    comuni: tuple[str, ...]
    nuts3: str
    fund: str
    actions: tuple[str, ...]
    max_bad_row_share: float
    entities: dict[str, EntitySource]


class RegistryError(ValueError):
    """The registry file is malformed; the message names the pilot and the key."""


def _pilot(pilot_id: str, raw: dict) -> Pilot:
    try:
        if raw["channel"] not in CHANNELS:
            raise RegistryError(
                f"pilot {pilot_id}: unknown channel {raw['channel']!r} (known: {sorted(CHANNELS)})"
            )
        entities = {
            name: EntitySource(
                entity=name,
                path=spec["path"],
                fields=dict(spec["fields"]),
                values={k: {str(s): str(c) for s, c in v.items()} for k, v in spec.get("values", {}).items()},
                page_size=int(spec.get("page_size", 500)),
            )
            for name, spec in raw["entities"].items()
        }
        return Pilot(
            pilot_id=pilot_id,
            name=raw["name"],
            channel=raw["channel"],
            connection_id=raw["connection_id"],
            schedule=raw["schedule"],
            comuni=tuple(raw["territory"]["comuni"]),
            nuts3=raw["territory"]["nuts3"],
            fund=raw["fund"],
            actions=tuple(raw["actions"]),
            max_bad_row_share=float(raw["max_bad_row_share"]),
            entities=entities,
        )
    except KeyError as missing:
        raise RegistryError(f"pilot {pilot_id}: missing key {missing} in {REGISTRY_FILE.name}") from None


@cache
def load_registry(path: Path = REGISTRY_FILE) -> dict[str, Pilot]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {pilot_id: _pilot(pilot_id, spec) for pilot_id, spec in raw["pilots"].items()}

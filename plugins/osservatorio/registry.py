"""The pilot registry (config/pilots.yaml), read into typed objects.

A pilot names its channel and, per canonical record type (see contract/), where the records
are and how the pilot's fields and values map onto the contract. Channel details:

- rest_api: `api` gives the dialect of the pilot's API (page or cursor pagination, parameter
  and key names); each entity gives its `path`.
- csv_drop / xlsx_drop: each entity gives the `file_pattern` (glob) of its files in the
  inbox folder named by the pilot's Airflow connection (extra `path`).

`formats` says how the pilot writes values: date and datetime formats (strptime), the decimal
separator and the thousands separator, and the words it uses for true/false.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from osservatorio.paths import CONFIG_DIR, DBT_PROJECT_DIR

REGISTRY_FILE = CONFIG_DIR / "pilots.yaml"
# ISTAT's full list of comuni, the dbt seed reference.istat_comuni (one list for dbt and validation)
ISTAT_COMUNI_SEED = DBT_PROJECT_DIR / "seeds" / "istat_comuni.csv"
REGISTRY_ENV = "OSSERVATORIO_REGISTRY"  # another registry file (tests, a second deployment)
CHANNELS = {"rest_api", "csv_drop", "xlsx_drop"}
FILE_CHANNELS = {"csv_drop", "xlsx_drop"}


@dataclass(frozen=True)
class ValueFormats:
    date: str = "%Y-%m-%d"
    datetime: str = "ISO8601"  # "ISO8601" or a strptime format
    decimal_separator: str = "."
    thousands_separator: str = ""
    true_values: tuple[str, ...] = ("true", "1", "si", "sì", "yes")
    false_values: tuple[str, ...] = ("false", "0", "no")


@dataclass(frozen=True)
class ApiDialect:
    """How a pilot's REST API pages and filters (names in the pilot's language)."""

    pagination: str = "page"  # page | cursor
    records_key: str = "dati"
    page_param: str = "pagina"
    size_param: str = "dimensione"
    total_pages_key: str = "pagine_totali"
    cursor_param: str = "cursore"
    next_cursor_key: str = "cursore_successivo"
    updated_since_param: str = "aggiornati_dal"


@dataclass(frozen=True)
class EntitySource:
    """Where one canonical record type comes from and how its fields map onto the contract."""

    entity: str
    fields: dict[str, str]  # canonical name -> source field name
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # canonical field -> value map
    path: str | None = None  # rest_api: resource path
    file_pattern: str | None = None  # file channels: glob in the inbox
    page_size: int = 500
    # Batch freshness gate: the newest `source_updated_at` of a batch may be at most this many
    # days older than the end of its data interval (None: record type not checked).
    max_staleness_days: int | None = None
    # Source fields deliberately not read (names, fields outside the contract): any other field
    # the registry does not map is unknown and refuses the batch (the pilot changed its format).
    ignored: tuple[str, ...] = ()


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
    formats: ValueFormats = ValueFormats()
    api: ApiDialect = ApiDialect()


class RegistryError(ValueError):
    """The registry file is malformed; the message names the pilot and the key."""


def _entity(pilot_id: str, channel: str, name: str, spec: dict[str, Any]) -> EntitySource:
    source = EntitySource(
        entity=name,
        fields={str(k): str(v) for k, v in spec["fields"].items()},
        values={k: {str(s): str(c) for s, c in v.items()} for k, v in (spec.get("values") or {}).items()},
        path=spec.get("path"),
        file_pattern=spec.get("file_pattern"),
        page_size=int(spec.get("page_size", 500)),
        max_staleness_days=int(spec["max_staleness_days"]) if "max_staleness_days" in spec else None,
        ignored=tuple(str(name) for name in spec.get("ignored") or ()),
    )
    needed = "file_pattern" if channel in FILE_CHANNELS else "path"
    if getattr(source, needed) is None:
        raise RegistryError(f"pilot {pilot_id}: entity {name} needs '{needed}' for channel {channel}")
    return source


def _pilot(pilot_id: str, raw: dict[str, Any]) -> Pilot:
    try:
        channel = raw["channel"]
        if channel not in CHANNELS:
            raise RegistryError(f"pilot {pilot_id}: unknown channel {channel!r} (known: {sorted(CHANNELS)})")
        formats = raw.get("formats") or {}
        return Pilot(
            pilot_id=pilot_id,
            name=raw["name"],
            channel=channel,
            connection_id=raw["connection_id"],
            schedule=raw["schedule"],
            comuni=tuple(str(c) for c in raw["territory"]["comuni"]),
            nuts3=raw["territory"]["nuts3"],
            fund=raw["fund"],
            actions=tuple(str(a) for a in raw["actions"]),
            max_bad_row_share=float(raw["max_bad_row_share"]),
            entities={name: _entity(pilot_id, channel, name, spec) for name, spec in raw["entities"].items()},
            formats=ValueFormats(**{k: tuple(v) if isinstance(v, list) else v for k, v in formats.items()}),
            api=ApiDialect(**(raw.get("api") or {})),
        )
    except KeyError as missing:
        raise RegistryError(f"pilot {pilot_id}: missing key {missing} in {REGISTRY_FILE.name}") from None
    except TypeError as wrong:
        raise RegistryError(f"pilot {pilot_id}: {wrong}") from None


def load_registry(path: Path | None = None) -> dict[str, Pilot]:
    return _load(path or Path(os.environ.get(REGISTRY_ENV) or REGISTRY_FILE))


@cache
def _load(path: Path) -> dict[str, Pilot]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {pilot_id: _pilot(pilot_id, spec) for pilot_id, spec in raw["pilots"].items()}


def known_comuni() -> set[str]:
    """The programme's reference list of comuni: every pilot's territory (ISTAT codes)."""
    return {comune for pilot in load_registry().values() for comune in pilot.comuni}


@cache
def istat_comuni() -> frozenset[str]:
    """Every real comune (ISTAT pro_com_t): a participant may live anywhere in Italy."""
    with ISTAT_COMUNI_SEED.open(encoding="utf-8", newline="") as seed:
        return frozenset(row["pro_com_t"] for row in csv.DictReader(seed))

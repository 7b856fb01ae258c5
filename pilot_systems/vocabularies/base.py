"""A pilot's vocabulary: its names for fields and coded values, and how it writes values.

Generators speak canonical (the contract's names and values); a vocabulary renders a record
the way the pilot's own system shows it: JSON-native values for REST APIs, text for CSV files,
typed cells for XLSX. The pipeline's registry (config/pilots.yaml) has to describe the same
vocabulary from the other side; tests/pilot_systems check that both agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pilot_systems.generators.base import Canonical

ENTITIES = ("operations", "participant_enrolments", "result_events", "supported_entities", "expenditures")


@dataclass(frozen=True)
class EntityVocabulary:
    resource: str  # REST path below the pilot (e.g. /api/v1/partecipanti) or file-name stem
    fields: dict[str, str]  # canonical name -> source name, in the order the pilot writes them
    values: dict[str, dict[object, str]] = field(default_factory=dict)  # canonical field -> value map
    id_field: str = ""  # canonical name of the record's own id

    @property
    def id_source_name(self) -> str:
        return self.fields[self.id_field]


@dataclass(frozen=True)
class ApiNames:
    """Names of the REST API's parameters and response keys (rest_api pilots only)."""

    pagination: str  # page | cursor
    records_key: str
    size_param: str
    updated_since_param: str
    page_param: str = ""
    page_key: str = ""
    size_key: str = ""
    total_key: str = ""
    total_pages_key: str = ""
    cursor_param: str = ""
    next_cursor_key: str = ""


@dataclass(frozen=True)
class SourceFormat:
    """How the pilot writes values. `datetime`: a strftime format, or "iso" / "iso_z"."""

    channel: str  # rest_api | csv_drop | xlsx_drop
    date: str = "%Y-%m-%d"
    datetime: str = "iso"
    decimal_separator: str = "."
    thousands_separator: str = ""
    true_word: str = "true"
    false_word: str = "false"


@dataclass(frozen=True)
class Vocabulary:
    system: str  # the name of the pilot's record system
    format: SourceFormat
    entities: dict[str, EntityVocabulary]
    api: ApiNames | None = None
    file_names: dict[str, str] = field(default_factory=dict)  # entity -> strftime pattern of its file

    def render(self, entity: str, record: Canonical) -> dict[str, object]:
        vocab = self.entities[entity]
        out: dict[str, object] = {}
        for name, source_name in vocab.fields.items():
            value = record.get(name)
            mapping = vocab.values.get(name)
            if mapping is not None and value is not None:
                value = mapping.get(value, str(value))  # out-of-domain values pass through as text
            out[source_name] = render_value(value, self.format)
        return out


def _number_text(value: float, fmt: SourceFormat) -> str:
    decimals = max(2, len(repr(value).partition(".")[2]))
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", fmt.decimal_separator).replace("\0", fmt.thousands_separator)


def _datetime_text(value: datetime, fmt: SourceFormat) -> str:
    value = value.astimezone(UTC)
    if fmt.datetime == "iso":
        return value.isoformat(timespec="seconds")
    if fmt.datetime == "iso_z":
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.strftime(fmt.datetime)


def render_value(value: object, fmt: SourceFormat) -> object:
    if value is None:
        return "" if fmt.channel == "csv_drop" else None
    if fmt.channel == "xlsx_drop":  # typed cells: dates and numbers stay dates and numbers
        if isinstance(value, bool):
            return fmt.true_word if value else fmt.false_word
        if isinstance(value, datetime):
            return value.astimezone(UTC).replace(tzinfo=None)
        return value
    if isinstance(value, bool):
        return (fmt.true_word if value else fmt.false_word) if fmt.channel == "csv_drop" else value
    if isinstance(value, datetime):
        return _datetime_text(value, fmt)
    if isinstance(value, date):
        return value.strftime(fmt.date)
    if isinstance(value, float) and fmt.channel == "csv_drop":
        return _number_text(value, fmt)
    if fmt.channel == "csv_drop":
        return str(value)
    return value

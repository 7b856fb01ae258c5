"""config/pilots.yaml describes each simulated pilot exactly: every mapped source field exists,
every canonical field the pilot has is mapped, value maps and formats turn every generated source
value back into its canonical value."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from osservatorio.contract import record_type
from osservatorio.registry import ValueFormats, load_registry
from osservatorio.validate.canonical import TYPE_ERRORS, from_envelopes
from pilot_systems.system import PilotSystem
from pilot_systems.vocabularies import ENTITIES, VOCABULARIES

EXTRAS = {"first_name", "last_name", "isee"}  # sent by pilots, never mapped (names, ISEE)
PILOTS = list(VOCABULARIES)


def as_text(value: object) -> str:
    """A source value as the pipeline reads it before its value map: JSON booleans as true/false."""
    return str(value).lower() if isinstance(value, bool) else str(value)


@pytest.fixture(scope="module")
def registry() -> dict:
    return load_registry()


@pytest.mark.parametrize("pilot", PILOTS)
def test_registry_maps_every_field_the_pilot_sends(pilot: str, registry: dict) -> None:
    entry, vocabulary = registry[pilot], VOCABULARIES[pilot]
    assert entry.channel == vocabulary.format.channel
    system = PilotSystem(pilot, size=50, seed=1, defect_rate=0)
    for entity in ENTITIES:
        sent = next(system.records(entity)).record
        mapped = entry.entities[entity].fields
        assert set(mapped.values()) <= set(sent), f"{entity}: registry names fields the pilot lacks"
        ours = {c: s for c, s in vocabulary.entities[entity].fields.items() if c not in EXTRAS}
        assert mapped == ours, entity


@pytest.mark.parametrize("pilot", PILOTS)
def test_registry_value_maps_invert_the_pilot_vocabulary(pilot: str, registry: dict) -> None:
    entry, vocabulary = registry[pilot], VOCABULARIES[pilot]
    for entity in ENTITIES:
        ours = vocabulary.entities[entity].values
        theirs = entry.entities[entity].values
        assert set(theirs) == set(ours), entity
        for field, mapping in ours.items():
            assert theirs[field] == {
                as_text(source): str(canonical) for canonical, source in mapping.items()
            }, field


def parse(value: object, canonical: object, formats: ValueFormats) -> object:
    """Read a source value the way the registry says, into the type of its canonical value."""
    if isinstance(canonical, bool):
        words = formats.true_values if canonical else formats.false_values
        return canonical if str(value).lower() in {w.lower() for w in words} else f"unreadable {value!r}"
    if isinstance(canonical, datetime):
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC)
        if formats.datetime == "ISO8601":
            return datetime.fromisoformat(str(value))
        return datetime.strptime(str(value), formats.datetime).replace(tzinfo=UTC)
    if isinstance(canonical, date):
        if isinstance(value, datetime | date):
            return value if type(value) is date else value.date()  # type: ignore[union-attr]
        fmt = "%Y-%m-%d" if formats.date == "ISO8601" else formats.date
        return datetime.strptime(str(value), fmt).date()
    if isinstance(canonical, int | float):
        text = str(value)
        if formats.thousands_separator:
            text = text.replace(formats.thousands_separator, "")
        return type(canonical)(text.replace(formats.decimal_separator, "."))
    return str(value)


@pytest.mark.parametrize("pilot", PILOTS)
def test_registry_formats_read_every_value_back(pilot: str, registry: dict) -> None:
    entry = registry[pilot]
    system = PilotSystem(pilot, size=400, seed=4, defect_rate=0)
    for entity in ENTITIES:
        source = entry.entities[entity]
        for rec in itertools.islice(system.records(entity), 400):
            for field, name in source.fields.items():
                value, canonical = rec.record[name], rec.canonical[field]
                if canonical is None:
                    assert value in (None, ""), (entity, field, value)
                    continue
                if field in source.values:
                    assert as_text(value) in source.values[field], (entity, field, value)
                    value = source.values[field][as_text(value)]
                    if isinstance(canonical, int):
                        value = int(value)
                assert parse(value, canonical, entry.formats) == canonical, (entity, field, value, canonical)


@pytest.mark.parametrize("pilot", PILOTS)
def test_the_validate_mapping_turns_the_sdg_answers_into_their_canonical_values(
    pilot: str, registry: dict
) -> None:
    """The project's SDG fields through the validate task's own mapping: every pilot's answer
    becomes its contract value, and a blank (not sent) becomes null, never a value."""
    fields = ("in_education_training", "at_risk_of_poverty")
    source = registry[pilot].entities["participant_enrolments"]
    sent = list(PilotSystem(pilot, size=1000, seed=3, defect_rate=0).records("participant_enrolments"))
    names = [source.fields[f] for f in fields]
    envelopes = [{"source": "x", "record": {n: rec.record[n] for n in names}} for rec in sent]
    frame = from_envelopes(envelopes, source, record_type("participant_enrolments"), registry[pilot].formats)
    assert frame[TYPE_ERRORS].isna().all()
    for field in fields:
        mapped = [None if pd.isna(value) else value for value in frame[field].astype(object)]
        assert mapped == [rec.canonical[field] for rec in sent], field
        assert set(mapped) <= {"yes", "no", "refused", "unknown", None}

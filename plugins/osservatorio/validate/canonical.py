"""Map source records (the pilot's vocabulary) onto a canonical record type, as a DataFrame.

Values are never silently lost: a source value missing from the registry's value map is kept
as it is (the suite then names it), and a value that does not parse as its contract type is
listed in the `_type_errors` column (the suite quarantines the row with that list).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from collections.abc import Iterable

    from osservatorio.contract import RecordType
    from osservatorio.registry import EntitySource

ROW = "_row"  # position of the record in the batch (GX reports failing rows by it)
SOURCE = "_source"  # where the record came from (file and line, or page)
TYPE_ERRORS = "_type_errors"


def _parse(series: pd.Series, kind: str) -> pd.Series:
    text = series.astype("string").str.strip()
    if kind == "date":
        return pd.to_datetime(text, format="ISO8601", errors="coerce").dt.date
    if kind == "datetime":
        return pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
    if kind in ("integer", "number"):
        numbers = pd.to_numeric(text, errors="coerce")
        if kind == "integer":
            numbers = numbers.where(numbers.isna() | (numbers % 1 == 0))
            return numbers.astype("Int64")
        return numbers
    return text


def to_canonical(lines: Iterable[str], source: EntitySource, record_type: RecordType) -> pd.DataFrame:
    """Turn extracted JSON lines (`{"source": ..., "record": {...}}`) into canonical columns."""
    envelopes = [json.loads(line) for line in lines]
    raw = pd.DataFrame([e["record"] for e in envelopes])
    frame = pd.DataFrame(index=range(len(envelopes)))
    frame[ROW] = range(len(envelopes))
    frame[SOURCE] = [e["source"] for e in envelopes]
    type_errors: list[list[str]] = [[] for _ in range(len(frame))]
    for field in record_type.fields:
        source_name = source.fields.get(field.name)
        if source_name is None:
            continue  # derived later (person_key) or not sent by this pilot
        original = raw[source_name] if source_name in raw else pd.Series([None] * len(frame))
        original = original.astype("object").where(original.notna(), None)
        if field.name in source.values:
            mapping = source.values[field.name]
            original = original.map(lambda v, m=mapping: m.get(str(v), v) if v is not None else None)
        parsed = _parse(original, field.type)
        for i in (original.notna() & parsed.isna()).to_numpy().nonzero()[0]:
            type_errors[i].append(f"{field.name}={original.iloc[i]!r} is not a {field.type}")
        frame[field.name] = parsed
    frame[TYPE_ERRORS] = ["; ".join(errors) if errors else None for errors in type_errors]
    return frame

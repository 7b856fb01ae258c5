"""Map source records (the pilot's vocabulary) onto a canonical record type, as a DataFrame.

Values are never silently lost: a source value missing from the registry's value map is kept
as it is (the suite then names it), and a value that does not parse as its contract type with
the pilot's formats is listed in the `_type_errors` column (the suite quarantines the row).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from collections.abc import Iterable

    from osservatorio.contract import RecordType
    from osservatorio.registry import EntitySource, ValueFormats

ROW = "_row"  # position of the record in the batch (GX reports failing rows by it)
SOURCE = "_source"  # where the record came from (file and line, or page)
TYPE_ERRORS = "_type_errors"
SHAPE_ERRORS = "_shape_errors"  # file rows with more or fewer cells than the header


def _as_text(series: pd.Series) -> pd.Series:
    """Source values as trimmed text; empty strings are missing values."""
    text = series.map(lambda v: None if v is None else (str(v).lower() if isinstance(v, bool) else str(v)))
    text = text.astype("string").str.strip()
    return text.mask(text == "")


def _parse(text: pd.Series, kind: str, formats: ValueFormats) -> pd.Series:
    if kind == "date":
        fmt = "ISO8601" if formats.date in ("ISO8601", "%Y-%m-%d") else formats.date
        return pd.to_datetime(text, format=fmt, errors="coerce").dt.date
    if kind == "datetime":
        return pd.to_datetime(text, format=formats.datetime, errors="coerce", utc=True)
    if kind in ("integer", "number"):
        if formats.thousands_separator:
            text = text.str.replace(formats.thousands_separator, "", regex=False)
        if formats.decimal_separator != ".":
            text = text.str.replace(formats.decimal_separator, ".", regex=False)
        numbers = pd.to_numeric(text, errors="coerce")
        if kind == "integer":
            return numbers.where(numbers.isna() | (numbers % 1 == 0)).astype("Int64")
        return numbers.astype("Float64")
    if kind == "boolean":
        lowered = text.str.lower()
        truth = {v.lower(): True for v in formats.true_values} | {
            v.lower(): False for v in formats.false_values
        }
        return lowered.map(truth, na_action="ignore").astype("boolean")
    return text


def to_canonical(
    lines: Iterable[str],
    source: EntitySource,
    record_type: RecordType,
    formats: ValueFormats,
    first_row: int = 0,
) -> pd.DataFrame:
    """Turn extracted JSON lines (`{"source": ..., "record": {...}}`) into canonical columns."""
    return from_envelopes([json.loads(line) for line in lines], source, record_type, formats, first_row)


def from_envelopes(
    envelopes: list[dict],
    source: EntitySource,
    record_type: RecordType,
    formats: ValueFormats,
    first_row: int = 0,
) -> pd.DataFrame:
    """The same, from already parsed lines (the batch validator parses each line once)."""
    raw = pd.DataFrame([e["record"] for e in envelopes])
    frame = pd.DataFrame(index=range(len(envelopes)))
    frame[ROW] = range(first_row, first_row + len(envelopes))
    frame[SOURCE] = [e["source"] for e in envelopes]
    type_errors: list[list[str]] = [[] for _ in range(len(frame))]
    for field in record_type.fields:
        source_name = source.fields.get(field.name)
        if source_name is None:
            continue  # derived later (person_key) or not sent by this pilot
        original = raw[source_name] if source_name in raw else pd.Series([None] * len(frame), dtype="object")
        text = _as_text(original.astype("object").where(original.notna(), None))
        if field.name in source.values:
            mapping = source.values[field.name]
            text = text.map(lambda v, m=mapping: m.get(v, v), na_action="ignore").astype("string")
        parsed = _parse(text, field.type, formats)
        for i in (text.notna() & parsed.isna()).to_numpy().nonzero()[0]:
            type_errors[i].append(f"{field.name}={text.iloc[i]!r} is not a {field.type}")
        frame[field.name] = parsed
    frame[TYPE_ERRORS] = ["; ".join(errors) if errors else None for errors in type_errors]
    frame[SHAPE_ERRORS] = [_shape_error(e["record"]) for e in envelopes]
    return frame


def _shape_error(record: dict) -> str | None:
    """The file readers mark rows that do not fit the header (see extract/file_table.py)."""
    if record.get("_extra_cells"):
        return f"{len(record['_extra_cells'])} cell(s) beyond the header: {record['_extra_cells']!r}"
    if record.get("_missing_cells"):
        return f"{record['_missing_cells']} cell(s) missing at the end of the row"
    return None

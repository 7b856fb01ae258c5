"""Map source records (the pilot's vocabulary) onto a canonical record type, as a DataFrame.

Values are never silently lost: a source value missing from the registry's value map is kept
as it is (the suite then names it), and a value that does not parse as its contract type with
the pilot's formats is listed in the `_type_errors` column (the suite quarantines the row).
Numbers are parsed exactly or not at all (`parse_numbers`): `2.5` from a pilot whose thousands
separator is `.` is an error, not 25. Text the extraction had to escape (NUL, bytes not valid in
the file's encoding: extract/text_safety.py) is listed in `_text_errors`.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from functools import cache
from math import isfinite
from typing import TYPE_CHECKING, Any

import pandas as pd

from osservatorio.envelope import BAD_TEXT

if TYPE_CHECKING:
    from collections.abc import Iterable

    from osservatorio.contract import RecordType
    from osservatorio.registry import EntitySource, ValueFormats

ROW = "_row"  # position of the record in the batch (GX reports failing rows by it)
SOURCE = "_source"  # where the record came from (file and line, or page)
TYPE_ERRORS = "_type_errors"
SHAPE_ERRORS = "_shape_errors"  # file rows with more or fewer cells than the header
TEXT_ERRORS = "_text_errors"  # values that held NUL or undecodable bytes (escaped at extraction)
NUMERIC = ("integer", "number")
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # the landing's bigint: a value beyond it would wrap


def _number_text(value: int | float, decimal: str) -> str:
    """A JSON number as the pilot would write it as text, so one parse rule holds (as for XLSX
    cells, extract/xlsx_values.py): never in scientific notation, whole floats without decimals."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return str(value)
    return format(Decimal(repr(value)), "f").replace(".", decimal)  # inf, nan: not a number


def _as_text(series: pd.Series, kind: str, formats: ValueFormats) -> pd.Series:
    """Source values as trimmed text; empty strings are missing values."""

    def text(v: object) -> str | None:
        if v is None:
            return None
        if isinstance(v, bool):
            return str(v).lower()
        if kind in NUMERIC and isinstance(v, int | float):
            return _number_text(v, formats.decimal_separator)
        return str(v)

    texts = series.map(text).astype("string").str.strip()
    return texts.mask(texts == "")


@cache
def number_pattern(thousands: str, decimal: str) -> re.Pattern[str]:
    """A number as text in a pilot's formats: optional sign, digits with the thousands separator
    only between groups of 3 (`1.234.567`) or not at all, at most one decimal separator followed
    by digits. No exponent, no spaces, nothing else."""
    whole = "[0-9]+"
    if thousands:
        whole = f"[0-9]{{1,3}}(?:{re.escape(thousands)}[0-9]{{3}})+|{whole}"
    return re.compile(f"[+-]?(?:{whole})(?:{re.escape(decimal)}[0-9]+)?")


def _article(kind: str) -> str:
    return "an" if kind[0] in "aeiou" else "a"


def _not_a_number(kind: str, formats: ValueFormats) -> str:
    grouping = formats.thousands_separator
    thousands = f", thousands separator {grouping!r} between groups of 3 digits" if grouping else ""
    return f"is not {_article(kind)} {kind} (decimal separator {formats.decimal_separator!r}{thousands})"


def _to_integer(plain: str) -> tuple[int | None, str | None]:
    """(value, problem) of text already matched by `number_pattern`, with `.` decimals."""
    if len(plain) <= 18 and "." not in plain:
        return int(plain), None  # at most 18 digits: always inside int64
    exact = Decimal(plain)
    if exact != exact.to_integral_value():
        return None, "is not an integer (not a whole number)"
    if not INT64_MIN <= exact <= INT64_MAX:
        return None, f"is out of the integer range ({INT64_MIN} to {INT64_MAX})"
    return int(exact), None


def _to_number(plain: str) -> tuple[float | None, str | None]:
    value = float(plain)  # correctly rounded to the nearest float64, like Decimal(plain) would be
    return (value, None) if isfinite(value) else (None, "is out of the number range (64-bit float)")


def parse_numbers(text: pd.Series, kind: str, formats: ValueFormats) -> tuple[pd.Series, dict[int, str]]:
    """Parse `integer` or `number` text in the pilot's formats, exactly: (values, problem by position).

    The pattern is matched vectorised; only matching values are converted, one by one, by int()
    or Decimal (pd.to_numeric goes through float64: it wraps or rounds large integers). A value
    that is not exactly a number of its kind is null with its problem: the suite quarantines it."""
    pattern = number_pattern(formats.thousands_separator, formats.decimal_separator)
    present = text.notna().to_numpy(dtype=bool)
    matched = text.str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)
    plain = text[matched]
    if formats.thousands_separator:
        plain = plain.str.replace(formats.thousands_separator, "", regex=False)
    if formats.decimal_separator != ".":
        plain = plain.str.replace(formats.decimal_separator, ".", regex=False)
    convert = _to_integer if kind == "integer" else _to_number
    values: list[Any] = [None] * len(text)
    problems = dict.fromkeys((present & ~matched).nonzero()[0].tolist(), _not_a_number(kind, formats))
    for position, value_text in zip(matched.nonzero()[0].tolist(), plain.tolist(), strict=True):
        value, problem = convert(value_text)
        if problem is None:
            values[position] = value
        else:
            problems[position] = problem
    dtype = "Int64" if kind == "integer" else "Float64"
    return pd.Series(pd.array(values, dtype=dtype), index=text.index), problems


def _parse(text: pd.Series, kind: str, formats: ValueFormats) -> pd.Series:
    if kind == "date":
        # Exactly a date: pandas' "ISO8601" would also take a time (dropped unseen) or an offset
        # (and then fail the whole column on mixed offsets).
        fmt = "%Y-%m-%d" if formats.date == "ISO8601" else formats.date
        return pd.to_datetime(text, format=fmt, errors="coerce").dt.date
    if kind == "datetime":
        return pd.to_datetime(text, format=formats.datetime, errors="coerce", utc=True)
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
        # A JSON object or list where a value belongs (REST): an error, never its Python text.
        nested = original.map(lambda v: isinstance(v, dict | list)).to_numpy(dtype=bool)
        for i in nested.nonzero()[0].tolist():
            value = original.iloc[i]
            shown = json.dumps(value, ensure_ascii=False, default=str)
            shown = shown if len(shown) <= 80 else shown[:77] + "..."
            if field.direct_identifier:  # never echo a codice fiscale, not even inside junk
                shown = "(value not shown)"
            kind = "object" if isinstance(value, dict) else "list"
            type_errors[i].append(
                f"{field.name}={shown} is a JSON {kind}, not {_article(field.type)} {field.type}"
            )
        if nested.any():
            original = original.astype("object").where(~nested, None)
        text = _as_text(original.astype("object").where(original.notna(), None), field.type, formats)
        if field.name in source.values:
            mapping = source.values[field.name]
            text = text.map(lambda v, m=mapping: m.get(v, v), na_action="ignore").astype("string")
        if field.type in NUMERIC:
            parsed, problems = parse_numbers(text, field.type, formats)
        else:
            parsed = _parse(text, field.type, formats)
            failed = (text.notna() & parsed.isna()).to_numpy().nonzero()[0].tolist()
            problems = dict.fromkeys(failed, f"is not {_article(field.type)} {field.type}")
        for i, problem in sorted(problems.items()):
            type_errors[i].append(f"{field.name}={text.iloc[i]!r} {problem}")
        frame[field.name] = parsed
    frame[TYPE_ERRORS] = ["; ".join(errors) if errors else None for errors in type_errors]
    frame[SHAPE_ERRORS] = [_shape_error(e["record"]) for e in envelopes]
    frame[TEXT_ERRORS] = [_text_error(e["record"]) for e in envelopes]
    return frame


def _shape_error(record: dict) -> str | None:
    """The file readers mark rows that do not fit the header (see extract/file_table.py)."""
    if record.get("_extra_cells"):
        return f"{len(record['_extra_cells'])} cell(s) beyond the header: {record['_extra_cells']!r}"
    if record.get("_missing_cells"):
        return f"{record['_missing_cells']} cell(s) missing at the end of the row"
    if "_not_an_object" in record:  # a REST page's list item that is not a record (rest_api.py)
        return f"the record is not a JSON object: {json.dumps(record['_not_an_object'], default=str)[:80]}"
    # A value under a blank header cell belongs to no column: landing the row would drop it.
    if unnamed := {k: v for k, v in record.items() if k.startswith("_unnamed_")}:
        cells = ", ".join(f"column {k.removeprefix('_unnamed_')}: {v!r}" for k, v in unnamed.items())
        return f"value(s) under a blank header cell ({cells})"
    return None


def _text_error(record: dict) -> str | None:
    """Values the extraction had to escape to store them (extract/text_safety.py): not as sent."""
    bad = record.get(BAD_TEXT)
    if not isinstance(bad, dict) or not bad:
        return None
    return "; ".join(f"{field}: {problem}" for field, problem in bad.items())

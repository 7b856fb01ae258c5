"""Duplicate (person, operation) entries within a batch, across all of its chunks.

A duplicate entry is the same codice fiscale entering the same operation on the same date under
more than one enrolment id: a double registration, not a re-entry (a re-entry has a later entry
date and is legitimate: the participation keeps the first entry, see int_participations). The
same id sent twice is a different case, settled at landing.

- When the copies agree on every Annex I point 1.1 datum (gender, birth date, education level,
  labour-market status; two blanks agree) they are one participation: every copy lands, and dbt
  merges them and flags the duplicate in data quality.
- When they conflict on any of them, nobody can tell which one is right: every copy is
  quarantined (rule `duplicate_entry_conflict`) with a reason that names the other enrolment
  id(s) and the data that differ, so that the pilot decides which one stands. The reason never
  shows a codice fiscale.

The point 1.1 data are compared as the suite reads them: mapped onto the contract with the
pilot's value map and formats (`canonical.from_envelopes`), so `Maschio` and `M`, `3` and `03`,
a blank cell and a missing key agree; a value that does not parse is compared as sent.

Chunks are validated one at a time, so a first pass over the batch keeps three 8-byte digests
per record (entry, enrolment id, point 1.1 data as sent: 24 MB per million records) and finds
the candidate entries: more than one id and more than one distinct point 1.1 digest. The values
are digested as sent (trimmed, blank as missing), which is cheap: two copies sent alike read
alike, so an entry whose copies were sent alike is no conflict; copies sent differently may still
read alike (`3` and `"3"`). The chance that two different values share a 64-bit digest in a batch
of a million is about 3e-8. Only when there are candidates (rare), a second pass reads their
records' point 1.1 data as the suite does and keeps the entries whose copies really differ, with
a reason per id naming the others (`conflicts`); the chunks then look their rows up
(`conflict_column`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from functools import cache
from itertools import chain, islice
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from osservatorio.contract import record_type
from osservatorio.validate.canonical import from_envelopes
from osservatorio.validate.json_values import json_value

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from osservatorio.contract import RecordType
    from osservatorio.registry import EntitySource, ValueFormats

RECORD_TYPE = "participant_enrolments"
ENTRY_FIELDS = ("tax_code", "operation_id", "entry_date")
# Annex I point 1.1 data, with the names the reasons give them (the contract's titles, shortened)
CORE_FIELDS = {
    "gender": "gender",
    "birth_date": "birth date",
    "isced_level": "education",
    "labour_status": "labour status",
}
ENTRY_CONFLICT = "_entry_conflict"  # derived column the suite checks (null: no conflict)
SHOWN_IDS = 5  # other enrolment ids named in one reason at most
PASS_CHUNK = 50_000


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def entry_digest(record: dict[str, Any], source: EntitySource) -> int | None:
    """Digest of the (person, operation, entry date) the pilot sent; None when one is missing."""
    parts = []
    for name in ENTRY_FIELDS:
        value = record.get(source.fields[name]) if name in source.fields else None
        if _blank(value):
            return None
        parts.append(str(value).strip().upper())
    return _digest("\x1f".join(parts))


def enrolment_id(record: dict[str, Any], source: EntitySource) -> str | None:
    """The enrolment id as sent (trimmed); None when missing (its own rule quarantines it)."""
    value = record.get(source.fields["enrolment_id"])
    return None if _blank(value) else str(value).strip()


@cache
def _core_type() -> RecordType:
    full = record_type(RECORD_TYPE)
    return dataclasses.replace(full, fields=tuple(f for f in full.fields if f.name in CORE_FIELDS))


def core_values(envelopes: list[dict], source: EntitySource, formats: ValueFormats) -> list[tuple[Any, ...]]:
    """Per record, its point 1.1 data as the suite reads them (None: missing); a value that does
    not parse as its type is kept as sent, marked, so that it differs from a blank and from any
    value that parses."""
    names = [name for name in CORE_FIELDS if name in source.fields]  # unmapped: missing for all
    sent = [
        {source.fields[n]: envelope["record"].get(source.fields[n]) for n in names} for envelope in envelopes
    ]
    frame = from_envelopes([{"source": "", "record": r} for r in sent], source, _core_type(), formats)
    columns = []
    for name in CORE_FIELDS:
        if name not in names:
            columns.append([None] * len(envelopes))
            continue
        raw = [record[source.fields[name]] for record in sent]
        parsed = map(json_value, frame[name].tolist())
        columns.append(
            [
                value
                if value is not None or _blank(as_sent)
                else ("not parsed", json.dumps(as_sent, default=str))
                for value, as_sent in zip(parsed, raw, strict=True)
            ]
        )
    return list(zip(*columns, strict=True))


def _chunks(lines: IO[str], size: int) -> Iterator[list[dict]]:
    while chunk := list(islice(lines, size)):
        yield [json.loads(line) for line in chunk]


def _sent_core(record: dict[str, Any], source: EntitySource) -> str:
    """The point 1.1 data as sent, trimmed, blank as missing (equal text reads as equal data)."""
    values = []
    for name in CORE_FIELDS:
        value = record.get(source.fields[name]) if name in source.fields else None
        values.append(None if _blank(value) else value.strip() if isinstance(value, str) else value)
    return json.dumps(values, default=str)


def candidate_entries(lines: IO[str], source: EntitySource) -> set[int]:
    """First pass: the entry digests under more than one enrolment id whose copies were not all
    sent with the same point 1.1 data (the second pass decides whether they read differently)."""
    flat = chain.from_iterable(  # (entry, id, data) triples, flattened: no Python object per record
        (entry, _digest(record_id), _digest(_sent_core(record, source)))
        for line in lines
        if (entry := entry_digest(record := json.loads(line)["record"], source)) is not None
        and (record_id := enrolment_id(record, source)) is not None
    )
    triples = np.fromiter(flat, dtype=np.uint64).reshape(-1, 3)
    if not len(triples):
        return set()
    triples = np.unique(triples, axis=0)  # distinct (entry, id, point 1.1 data)
    entries_ids, ids = np.unique(np.unique(triples[:, :2], axis=0)[:, 0], return_counts=True)
    entries_data, data = np.unique(np.unique(triples[:, [0, 2]], axis=0)[:, 0], return_counts=True)
    return set(np.intersect1d(entries_ids[ids > 1], entries_data[data > 1]).tolist())


def conflict_reason(others: list[str], fields: list[str]) -> str:
    """Why a record is quarantined as a conflicting duplicate entry: the other ids, what differs."""
    shown = ", ".join(others[:SHOWN_IDS])
    if len(others) > SHOWN_IDS:
        shown += f" and {len(others) - SHOWN_IDS} more"
    which = "enrolment" if len(others) == 1 else "enrolments"
    return (
        f"the same person entered the same operation on the same date as {which} {shown}"
        f" with different point 1.1 data ({', '.join(fields)})"
    )


def conflicts(
    lines: IO[str],
    source: EntitySource,
    formats: ValueFormats,
    entries: set[int],
    chunk_size: int = PASS_CHUNK,
) -> dict[tuple[int, str], str]:
    """Second pass, over the candidate `entries` only: (entry digest, enrolment id) -> reason, for
    the entries whose copies read differently (as the suite reads them)."""
    copies: dict[int, list[tuple[str, tuple[Any, ...]]]] = {}
    for envelopes in _chunks(lines, chunk_size):
        keyed = [
            (entry, record_id, envelope)
            for envelope in envelopes
            if (entry := entry_digest(envelope["record"], source)) in entries
            and (record_id := enrolment_id(envelope["record"], source)) is not None
        ]
        if keyed:
            cores = core_values([envelope for _, _, envelope in keyed], source, formats)
            for (entry, record_id, _), core in zip(keyed, cores, strict=True):
                copies.setdefault(entry, []).append((record_id, core))
    reasons = {}
    for entry, records in copies.items():
        # (all copies of the entry are compared: every id's reason names the same data)
        differ = [
            label
            for i, label in enumerate(CORE_FIELDS.values())
            if len({json.dumps(core[i], default=str) for _, core in records}) > 1
        ]
        if not differ:
            continue  # sent differently, read alike: one participation
        ids = sorted({record_id for record_id, _ in records})
        for record_id in ids:
            reasons[entry, record_id] = conflict_reason([i for i in ids if i != record_id], differ)
    return reasons


def conflict_column(
    envelopes: list[dict], source: EntitySource, reasons: dict[tuple[int, str], str]
) -> list[str | None]:
    """Per record of a chunk: its reason if it is a copy of a conflicting duplicate entry."""
    column: list[str | None] = []
    for envelope in envelopes:
        entry = entry_digest(envelope["record"], source)
        record_id = enrolment_id(envelope["record"], source)
        column.append(None if entry is None or record_id is None else reasons.get((entry, record_id)))
    return column


def find_conflicts(
    path: Path, source: EntitySource, formats: ValueFormats, chunk_size: int = PASS_CHUNK
) -> dict[tuple[int, str], str]:
    """Both passes over the extracted batch at `path`: (entry digest, enrolment id) -> reason."""
    with path.open(encoding="utf-8") as lines:
        entries = candidate_entries(lines, source)
    if not entries:
        return {}
    with path.open(encoding="utf-8") as lines:
        return conflicts(lines, source, formats, entries, chunk_size)

"""No duplicate (person, operation) entry within a batch, across all of its chunks.

A duplicate entry is the same codice fiscale entering the same operation on the same date under
more than one enrolment id: a double registration, not a re-entry (a re-entry has a later entry
date and is legitimate: the participation keeps the first entry, see int_participations). Every
copy is quarantined, so that the pilot decides which one stands; the same id sent twice is a
different case, settled at landing.

Chunks are validated one at a time, so a first pass over the batch keeps two 8-byte digests per
record (entry and enrolment id: 16 MB per million records) and counts the ids per entry; the
chance that two different entries share a 64-bit digest in a batch of a million is about 3e-8.
"""

from __future__ import annotations

import hashlib
import json
from itertools import chain
from typing import IO, TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from osservatorio.registry import EntitySource

RECORD_TYPE = "participant_enrolments"
ENTRY_FIELDS = ("tax_code", "operation_id", "entry_date")
DUPLICATE_ENTRIES = "_duplicate_entries"  # derived column the suite checks (<= 1)


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def entry_digest(record: dict[str, Any], source: EntitySource) -> int | None:
    """Digest of the (person, operation, entry date) the pilot sent; None when one is missing."""
    parts = []
    for name in ENTRY_FIELDS:
        value = record.get(source.fields[name]) if name in source.fields else None
        if value is None or not str(value).strip():
            return None
        parts.append(str(value).strip().upper())
    return _digest("\x1f".join(parts))


def duplicate_entry_counts(lines: IO[str], source: EntitySource) -> dict[int, int]:
    """Entry digest -> number of distinct enrolment ids, for entries under more than one id.

    Copies under the same id are not counted twice: that is the landing's id rule (identical
    copies land once, differing ones are quarantined)."""
    id_field = source.fields["enrolment_id"]
    flat = chain.from_iterable(  # (entry, id) pairs, flattened: no Python object per record
        (entry, _digest(str(record.get(id_field))))
        for line in lines
        if (entry := entry_digest(record := json.loads(line)["record"], source)) is not None
    )
    pairs = np.fromiter(flat, dtype=np.uint64).reshape(-1, 2)
    entries, ids_per_entry = np.unique(np.unique(pairs, axis=0)[:, 0], return_counts=True)
    repeated = ids_per_entry > 1
    return dict(zip(entries[repeated].tolist(), ids_per_entry[repeated].tolist(), strict=True))


def entry_counts(envelopes: list[dict], source: EntitySource, repeated: dict[int, int]) -> list[int | None]:
    """Per record of a chunk: how many enrolment ids share its entry (None: no full key)."""
    digests = (entry_digest(envelope["record"], source) for envelope in envelopes)
    return [None if d is None else repeated.get(d, 1) for d in digests]

"""Validate one extracted batch: canonical mapping, GX suite, quarantine, pseudonymisation.

Writes two files beside the extracted one: `valid.jsonl` (canonical records ready to land, no
direct identifiers) and `quarantine.jsonl` (failing records with every failed rule and a
human-readable reason). Every received record ends in exactly one of them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from osservatorio.contract import record_type as load_record_type
from osservatorio.privacy.pseudonymise import person_key
from osservatorio.validate.canonical import ROW, SOURCE, TYPE_ERRORS, to_canonical
from osservatorio.validate.suite import run_suite

if TYPE_CHECKING:
    from pathlib import Path

    from osservatorio.registry import Pilot


class BatchRejected(RuntimeError):
    """The whole batch is refused: nothing of it is loaded. The message says pilot, source and why."""


@dataclass(frozen=True)
class ValidationSummary:
    valid_path: str
    quarantine_path: str
    received: int
    valid: int
    quarantined: int


def record_hash(record: dict[str, Any]) -> str:
    """SHA-256 of the record as the pilot sent it (sorted keys): detects changed resends."""
    return hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _jsonable(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def validate_batch(pilot: Pilot, entity: str, extracted: Path, secret_key: str) -> ValidationSummary:
    source = pilot.entities[entity]
    contract = load_record_type(entity)
    lines = extracted.read_text(encoding="utf-8").splitlines()
    originals = [json.loads(line) for line in lines]
    frame = to_canonical(lines, source, contract)
    outcome = run_suite(frame, entity)
    where = f"pilot {pilot.pilot_id}, {entity} from {source.path}"
    if outcome.batch_failures:
        raise BatchRejected(f"{where}: batch refused, nothing loaded: " + "; ".join(outcome.batch_failures))
    bad_share = len(outcome.row_failures) / max(len(frame), 1)
    if bad_share > pilot.max_bad_row_share:
        raise BatchRejected(
            f"{where}: {len(outcome.row_failures)} of {len(frame)} records invalid ({bad_share:.0%}),"
            " above the "
            f"pilot's limit of {pilot.max_bad_row_share:.0%}: batch refused, nothing loaded"
        )

    identifiers = [f.name for f in contract.fields if f.direct_identifier]
    key_field = contract.fields[0].name  # the record's own id comes first in every contract
    valid_path = extracted.with_name(f"{entity}.valid.jsonl")
    quarantine_path = extracted.with_name(f"{entity}.quarantine.jsonl")
    data_columns = [c for c in frame.columns if c not in (ROW, SOURCE, TYPE_ERRORS, *identifiers)]
    valid = quarantined = 0
    with valid_path.open("w", encoding="utf-8") as good, quarantine_path.open("w", encoding="utf-8") as bad:
        for values in frame.to_dict("records"):
            position = values[ROW]
            keys = (
                {"person_key": person_key(values["tax_code"], secret_key)} if values.get("tax_code") else {}
            )
            envelope = {
                "source": values[SOURCE],
                "record_id": _jsonable(values[key_field]),
                "hash": record_hash(originals[position]["record"]),
            }
            failures = outcome.row_failures.get(position)
            if failures is None:
                record = {c: _jsonable(values[c]) for c in data_columns} | keys
                good.write(json.dumps(envelope | {"record": record}, ensure_ascii=False) + "\n")
                valid += 1
                continue
            reasons = []
            for failure in failures:
                shown = (
                    ""
                    if failure.column in identifiers or failure.column is None
                    else (f" ({failure.column}={_jsonable(values.get(failure.column))!r})")
                )
                reasons.append(failure.reason + shown)
            if values[TYPE_ERRORS]:
                reasons.append(values[TYPE_ERRORS])
            # The payload keeps the fields the registry maps, with direct identifiers replaced.
            sent = originals[position]["record"]
            payload = {
                name: sent.get(src) for name, src in source.fields.items() if name not in identifiers
            } | keys
            bad.write(
                json.dumps(
                    envelope
                    | {
                        "failed_rules": sorted({f.rule for f in failures}),
                        "reason": "; ".join(dict.fromkeys(reasons)),
                        "payload": payload,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
            quarantined += 1
    summary = ValidationSummary(str(valid_path), str(quarantine_path), len(frame), valid, quarantined)
    if summary.received != summary.valid + summary.quarantined:
        raise RuntimeError(f"{where}: records lost in validation: {asdict(summary)}")
    return summary

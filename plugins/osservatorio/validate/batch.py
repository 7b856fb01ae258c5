"""Validate one extracted batch: canonical mapping, GX suite, quarantine, pseudonymisation.

Reads the extracted JSON lines in chunks (memory does not grow with the batch) and writes two
files beside them: `<entity>.valid.jsonl` (canonical records ready to land, no direct
identifiers) and `<entity>.quarantine.jsonl` (failing records with every failed rule and a
human-readable reason). Every received record ends in exactly one of them.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from typing import IO, TYPE_CHECKING, Any

import pandas as pd

from osservatorio.contract import record_type as load_record_type
from osservatorio.contract import table_schema
from osservatorio.envelope import header_key, record_hash
from osservatorio.errors import BatchRejected
from osservatorio.privacy.pseudonymise import entity_key, person_key, record_hmac
from osservatorio.registry import known_comuni
from osservatorio.validate.canonical import ROW, SHAPE_ERRORS, SOURCE, TYPE_ERRORS, from_envelopes
from osservatorio.validate.derived import (
    PROGRAMME_PERIOD,
    RESIDENCE_NOT_ISTAT,
    TAX_CODE_MISMATCH,
    add_derived_columns,
)
from osservatorio.validate.duplicate_entries import ENTRY_CONFLICT, conflict_column, find_conflicts
from osservatorio.validate.duplicate_entries import RECORD_TYPE as ENTRY_RECORD_TYPE
from osservatorio.validate.json_values import json_value
from osservatorio.validate.suite import ChunkMaximum, RowFailure, SuiteRunner

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from great_expectations.core import ExpectationSuiteValidationResult

    from osservatorio.registry import EntitySource, Pilot

CHUNK_SIZE = 50_000
# Fields whose values a quarantine reason never repeats, besides the direct identifiers (dropped
# before landing): quarantine reasons reach analysts (marts.quarantine_open). A partita IVA is
# keyed in the marts (`entity_key`), and a beneficiary id is a partita IVA or a codice fiscale.
NEVER_ECHOED = ("entity_vat_number", "beneficiary_id")


@dataclass(frozen=True)
class ValidationSummary:
    valid_path: str
    quarantine_path: str
    received: int
    valid: int
    quarantined: int
    failures_by_rule: dict[str, int]  # kept in raw.validation_results: data quality over time


def _structure_errors(envelopes: list[dict], source: EntitySource, required: list[str]) -> list[str]:
    """The pilot changed its format: a required field no record of the chunk carries at all, or a
    field the registry neither maps nor ignores (named with the first record that has it).

    `required` also holds the contract's `core_datum` fields (Annex I point 1.1): a record may
    leave one blank (an incomplete participant lands), but a chunk where no record carries the
    field at all is a pilot that stopped sending it."""
    present: set[str] = set()
    for envelope in envelopes:
        present.update(envelope["record"])
    errors = []
    if missing := [
        f"{source.fields[name]} ({name})"
        for name in required
        if name in source.fields and source.fields[name] not in present
    ]:
        errors.append(f"required field(s) absent from every record: {', '.join(missing)}")
    # Keys starting with "_" are the file readers' own marks (cells beyond the header, ...).
    known = {header_key(name) for name in (*source.fields.values(), *source.ignored)}
    if unknown := sorted(k for k in present if not k.startswith("_") and header_key(k) not in known):
        first = {k: next(e["source"] for e in envelopes if k in e["record"]) for k in unknown}
        listed = ", ".join(f"{k!r} (first in {where})" for k, where in first.items())
        errors.append(f"unknown field(s) {listed}: neither mapped nor ignored in config/pilots.yaml")
    return errors


def fresh_since(source: EntitySource, as_of: date) -> datetime | None:
    """Oldest acceptable `source_updated_at` for the newest record of a batch (freshness gate)."""
    if source.max_staleness_days is None:
        return None
    return datetime.combine(as_of, time(), tzinfo=UTC) - timedelta(days=source.max_staleness_days)


def _failed_batch_maxima(chunk_maxima: list[ChunkMaximum]) -> dict[str, str]:
    """`batch_max` gates the batch fails (rule -> message): no chunk reached the bound although
    some chunk had values (a batch that never fills the column is not judged)."""
    failures = {}
    for rule in dict.fromkeys(m.rule for m in chunk_maxima):
        outcomes = [m for m in chunk_maxima if m.rule == rule]
        observed = [m.observed for m in outcomes if m.observed is not None]
        if observed and not any(m.success for m in outcomes):
            bound = outcomes[0].bound
            failures[rule] = f"{rule}: {outcomes[0].reason} (newest: {max(observed)}, limit: {bound})"
    return failures


def _result_meta(pilot: Pilot, entity: str, as_of: date, spec: dict[str, Any]) -> dict[str, Any]:
    """What the Data Docs page says about the batch (GX result `meta`)."""
    return {
        "active_batch_definition": {
            "datasource_name": pilot.pilot_id,
            "data_connector_name": pilot.channel,
            "data_asset_name": entity,
            "batch_identifiers": {"as_of": as_of.isoformat()},
        },
        "batch_spec": {"pilot": pilot.pilot_id, "record_type": entity} | spec,
    }


def _chunks(lines: IO[str], size: int) -> Iterator[list[str]]:
    while chunk := list(islice(lines, size)):
        yield chunk


class _BatchWriter:
    """Writes one chunk's rows to the valid and quarantine files."""

    def __init__(self, pilot: Pilot, entity: str, secret_key: str, good: IO[str], bad: IO[str]) -> None:
        self.source = pilot.entities[entity]
        contract = load_record_type(entity)
        self.identifiers = [f.name for f in contract.fields if f.direct_identifier]
        self.key_field = contract.fields[0].name  # the record's own id comes first in every contract
        self.secret_key, self.good, self.bad = secret_key, good, bad
        self.valid = self.quarantined = 0

    def write(
        self, frame: pd.DataFrame, originals: list[dict], failures_by_row: dict[int, list[RowFailure]]
    ) -> None:
        # Columns starting with "_" are the pipeline's own (position, source, derived checks).
        data_columns = [c for c in frame.columns if not c.startswith("_") and c not in self.identifiers]
        error_columns = [c for c in frame.columns if self._lists_errors(c)]
        for position, values in enumerate(frame.to_dict("records")):
            keys = self._keys(values)
            sent = originals[position]["record"]
            envelope = {
                "source": values[SOURCE],
                "record_id": json_value(values[self.key_field]),
                "hash": record_hash(sent),
                "hmac": record_hmac(sent, self.secret_key),
            }
            failures = failures_by_row.get(values[ROW])
            if failures is None:
                record = {c: json_value(values[c]) for c in data_columns} | keys
                self.good.write(json.dumps(envelope | {"record": record}, ensure_ascii=False) + "\n")
                self.valid += 1
                continue
            reasons = [self._reason(failure, values, sent) for failure in failures]
            # (pandas may hold "no error" as None or NaN: only text is an error message)
            reasons += [values[c] for c in error_columns if isinstance(values[c], str)]
            # The payload keeps the fields the registry maps, with direct identifiers replaced.
            payload = {
                name: sent.get(src)
                for name, src in self.source.fields.items()
                if name not in self.identifiers
            } | keys
            entry = envelope | {
                "failed_rules": sorted({f.rule for f in failures}),
                "reason": "; ".join(dict.fromkeys(reasons)),
                "payload": payload,
            }
            self.bad.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
            self.quarantined += 1

    def _keys(self, values: dict[str, Any]) -> dict[str, str]:
        """The keyed stand-ins of identifying values: `person_key` for a codice fiscale (which is
        dropped), `entity_key` for a partita IVA (which stays in raw, for the pipeline only)."""
        keys = {}
        if json_value(tax_code := values.get("tax_code")):
            keys["person_key"] = person_key(tax_code, self.secret_key)
        if isinstance(vat := json_value(values.get("entity_vat_number")), str) and vat.strip():
            keys["entity_key"] = entity_key(vat, self.secret_key)
        return keys

    @staticmethod
    def _lists_errors(column: str) -> bool:
        """canonical.py's columns of mapping problems (`_type_errors`, `_shape_errors`, ...)."""
        return column.startswith("_") and column.endswith("_errors")

    def _reason(self, failure: RowFailure, values: dict[str, Any], sent: dict[str, Any]) -> str:
        if failure.column == ENTRY_CONFLICT:
            # names the other enrolment id(s) and the data that differ, never the codice fiscale
            return values[ENTRY_CONFLICT]
        if (
            failure.column is None
            or failure.column in (*self.identifiers, *NEVER_ECHOED)
            or failure.column in (TYPE_ERRORS, SHAPE_ERRORS, TAX_CODE_MISMATCH)
            or self._lists_errors(failure.column)
        ):
            return failure.reason  # never echo a codice fiscale or a partita IVA into the quarantine
        # The value as the pilot sent it, under the pilot's name: the parsed one may differ
        # (`1.000` months is 1000) and would hide what to correct at the source.
        # a derived check on a sent field names that field (the comune as sent, not the derived column)
        column = "residence_comune" if failure.column == RESIDENCE_NOT_ISTAT else failure.column
        source_field = self.source.fields.get(column)
        if source_field is not None and sent.get(source_field) is not None:
            return f"{failure.reason} ({source_field}={sent[source_field]!r})"
        value = json_value(values.get(failure.column))  # derived columns (age at entry)
        return failure.reason if value is None else f"{failure.reason} ({failure.column}={value!r})"


@dataclass
class _Progress:
    """What validation has seen so far, kept for the batch's Data Docs page even when refused."""

    runner: SuiteRunner | None = None
    received: int = 0
    chunk_maxima: list[ChunkMaximum] = field(default_factory=list)


def _where(pilot: Pilot, entity: str) -> str:
    source = pilot.entities[entity]
    return f"pilot {pilot.pilot_id}, {entity} from {source.path or source.file_pattern}"


def validate_batch(
    pilot: Pilot,
    entity: str,
    extracted: Path,
    secret_key: str,
    as_of: date,
    chunk_size: int = CHUNK_SIZE,
    publish: Callable[[ExpectationSuiteValidationResult], object] | None = None,
) -> ValidationSummary:
    """`as_of` is the end of the batch's data interval: a record dated after it is in the future.

    `publish` receives the batch's GX result (all chunks folded), refused batches included: it
    renders the Data Docs page, where a refused batch needs looking at most."""
    progress = _Progress()
    refusal: str | None = None
    try:
        return _validate(pilot, entity, extracted, secret_key, as_of, chunk_size, progress)
    except BatchRejected as refused:
        refusal = str(refused)
        raise
    finally:
        if publish is not None and progress.runner is not None:
            failed = _failed_batch_maxima(progress.chunk_maxima)
            decided = {m.rule: m.rule not in failed for m in progress.chunk_maxima}
            spec = {"source": _where(pilot, entity), "received": progress.received, "refused": refusal}
            publish(progress.runner.fold.batch_result(decided, _result_meta(pilot, entity, as_of, spec)))


def _validate(
    pilot: Pilot,
    entity: str,
    extracted: Path,
    secret_key: str,
    as_of: date,
    chunk_size: int,
    progress: _Progress,
) -> ValidationSummary:
    source = pilot.entities[entity]
    contract = load_record_type(entity)
    where = _where(pilot, entity)
    valid_path = extracted.with_name(f"{entity}.valid.jsonl")
    quarantine_path = extracted.with_name(f"{entity}.quarantine.jsonl")
    parameters = {
        "as_of": as_of,
        "known_comuni": sorted(known_comuni()),
        "period_start": PROGRAMME_PERIOD[0],
        "period_end": PROGRAMME_PERIOD[1],
        "fresh_since": fresh_since(source, as_of),
    }
    failures_by_rule: Counter[str] = Counter()
    core = [f["name"] for f in table_schema(entity)["fields"] if f.get("core_datum")]
    required = [f.name for f in contract.fields if f.required] + core
    conflicts: dict[tuple[int, str], str] | None = None
    if entity == ENTRY_RECORD_TYPE:
        conflicts = find_conflicts(extracted, source, pilot.formats, chunk_size)
    with (
        extracted.open(encoding="utf-8") as lines,
        valid_path.open("w", encoding="utf-8") as good,
        quarantine_path.open("w", encoding="utf-8") as bad,
    ):
        writer = _BatchWriter(pilot, entity, secret_key, good, bad)
        for chunk in _chunks(lines, chunk_size):
            envelopes = [json.loads(line) for line in chunk]  # parsed once per chunk
            if wrong := _structure_errors(envelopes, source, required):
                raise BatchRejected(
                    f"{where}: batch refused, nothing loaded: {'; '.join(wrong)}"
                    " (did the pilot change its format?)"
                )
            progress.runner = runner = progress.runner or SuiteRunner(entity)
            frame = from_envelopes(envelopes, source, contract, pilot.formats, first_row=progress.received)
            add_derived_columns(frame, entity)
            if conflicts is not None:
                frame[ENTRY_CONFLICT] = pd.Series(
                    conflict_column(envelopes, source, conflicts), dtype="object"
                )
            outcome = runner.run(frame, parameters)
            if outcome.batch_failures:
                raise BatchRejected(
                    f"{where}: batch refused, nothing loaded: " + "; ".join(outcome.batch_failures)
                )
            progress.chunk_maxima += outcome.chunk_maxima
            writer.write(frame, envelopes, outcome.row_failures)
            failures_by_rule.update(f.rule for row in outcome.row_failures.values() for f in row)
            progress.received += len(frame)
    summary = ValidationSummary(
        str(valid_path),
        str(quarantine_path),
        progress.received,
        writer.valid,
        writer.quarantined,
        dict(failures_by_rule),
    )
    if summary.received != summary.valid + summary.quarantined:
        raise RuntimeError(f"{where}: records lost in validation: {asdict(summary)}")
    if stale := _failed_batch_maxima(progress.chunk_maxima):
        raise BatchRejected(f"{where}: batch refused, nothing loaded: " + "; ".join(stale.values()))
    bad_share = summary.quarantined / max(summary.received, 1)
    if bad_share > pilot.max_bad_row_share:
        raise BatchRejected(
            f"{where}: {summary.quarantined} of {summary.received} records invalid ({bad_share:.0%}),"
            f" above the pilot's limit of {pilot.max_bad_row_share:.0%}: batch refused, nothing loaded"
        )
    return summary

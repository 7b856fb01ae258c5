"""One batch through the pipeline: extract -> validate -> land, each step as the ingestion DAG's
tasks run it (dags/ingest_pilots.py calls these; tests and benchmarks run them in-process).

Every outcome is accounted for: a landed batch's received records are loaded, unchanged or
quarantined (the ledger's CHECK); a refused batch loads nothing, keeps its files in the inbox, and
its refusal is recorded in the warehouse with its invalid records (land/refusals.py). The error a
refused step raises opens with the reason and the top reasons with example lines.

What only an Airflow task adds is here too, so that the DAG's task bodies stay a few lines: the
pseudonymisation key from its Variable, the batch's Data Docs page, and a refusal turned into a
task that fails at once.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from osservatorio.errors import BatchRejected, FileRejected, RunConfigurationError
from osservatorio.land.refusals import describe, quarantine_entries, record_refusal, top_reasons
from osservatorio.land.warehouse import Batch, batch_for, land_batch
from osservatorio.manifest import BatchManifest, Extraction, LandedBatch, RunInterval, ValidatedBatch

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    import psycopg
    from great_expectations.core import ExpectationSuiteValidationResult

    from osservatorio.channels import Channel
    from osservatorio.registry import Pilot

log = logging.getLogger(__name__)


def landing_batch(batch: BatchManifest) -> Batch:
    return batch_for(batch.pilot_id, batch.entity, batch.interval.start, batch.interval.end)


def extract_step(channel: Channel, batch: BatchManifest, warehouse: psycopg.Connection) -> Extraction:
    """The channel's extraction; a refused file is recorded as the batch's refusal (stage extract)."""
    try:
        return channel.extract(batch, warehouse)
    except FileRejected as refused:
        record_refusal(warehouse, landing_batch(batch), "extract", str(refused))
        raise


def validate_step(
    pilot: Pilot,
    extraction: Extraction,
    secret_key: str,
    warehouse: psycopg.Connection,
    publish: Callable[[ExpectationSuiteValidationResult], object] | None = None,
) -> ValidatedBatch:
    """Validation (validate/batch.py); a refusal is recorded with the records judged invalid so far."""
    from osservatorio.validate.batch import validate_batch

    batch = extraction.batch
    try:
        summary = validate_batch(
            pilot, batch.entity, extraction.path, secret_key, batch.as_of, publish=publish
        )
    except BatchRejected as refused:
        quarantine = extraction.path.with_name(f"{batch.entity}.quarantine.jsonl")
        top = top_reasons(quarantine_entries(quarantine))
        record_refusal(
            warehouse,
            landing_batch(batch),
            "validate",
            str(refused),
            received=extraction.received,
            entries=quarantine_entries(quarantine),
            top=top,
        )
        raise BatchRejected(describe(str(refused), top)) from None
    if summary.quarantined:
        top = top_reasons(quarantine_entries(Path(summary.quarantine_path)))
        log.warning(
            "%d of %d records quarantined: %s",
            summary.quarantined,
            summary.received,
            describe("", top).lstrip(),
        )
    return ValidatedBatch(
        extraction=extraction,
        valid_path=Path(summary.valid_path),
        quarantine_path=Path(summary.quarantine_path),
        received=summary.received,
        failures_by_rule=summary.failures_by_rule,
    )


def land_step(pilot: Pilot, channel: Channel, ready: ValidatedBatch, conn: psycopg.Connection) -> LandedBatch:
    """Land valid records and the quarantine in one transaction with the channel's own step (the
    file ledger), then the channel's follow-up (archiving files). The bad-row gate is applied
    here, where duplicate ids are known too; a refusal is recorded (stage land)."""
    extraction, batch = ready.extraction, ready.extraction.batch
    landing = replace(
        landing_batch(batch),
        watermark_from=extraction.watermark_from,
        watermark_to=extraction.watermark_to,
    )
    source = pilot.entities[batch.entity]
    counts = land_batch(
        conn,
        landing,
        ready.valid_path,
        ready.quarantine_path,
        ready.received,
        in_transaction=lambda c: channel.in_transaction(c, extraction),
        failures_by_rule=ready.failures_by_rule,
        max_bad_share=pilot.max_bad_row_share,
        describe_batch=f"pilot {pilot.pilot_id}, {batch.entity} from {source.path or source.file_pattern}",
    )
    channel.after_commit(conn, extraction)
    return LandedBatch(batch, ready.received, counts.loaded, counts.unchanged, counts.quarantined)


@dataclass(frozen=True)
class BatchOutcome:
    """What happened to one batch: landed (with its counts) or refused (with the message)."""

    batch: BatchManifest
    landed: LandedBatch | None
    refusal: str | None  # the error message, when refused

    @property
    def refused(self) -> bool:
        return self.landed is None


def ingest_batch(
    pilot: Pilot,
    entity: str,
    interval: RunInterval,
    channel: Channel,
    warehouse: psycopg.Connection,
    secret_key: str,
) -> BatchOutcome:
    """The three steps in-process (tests, benchmarks): a refusal is an outcome, not an exception."""
    batch = BatchManifest(pilot.pilot_id, entity, interval)
    try:
        autocommit = warehouse.autocommit
        warehouse.autocommit = True  # as the extract task: lookups only, no transaction held open
        try:
            extraction = extract_step(channel, batch, warehouse)
        finally:
            warehouse.autocommit = autocommit
        ready = validate_step(pilot, extraction, secret_key, warehouse)
        return BatchOutcome(batch, land_step(pilot, channel, ready, warehouse), None)
    except (FileRejected, BatchRejected) as refused:
        return BatchOutcome(batch, None, str(refused))


# In an Airflow task (dags/ingest_pilots.py).


def pseudonymisation_key() -> str:
    """The pseudonymisation key, from its Airflow Variable; without it the run is misconfigured."""
    from airflow.sdk import Variable

    from osservatorio.privacy.pseudonymise import KEY_VARIABLE

    if not (secret_key := Variable.get(KEY_VARIABLE, default=None)):
        # (a missing Variable raises AirflowRuntimeError, which the retry policy cannot tell apart)
        raise RunConfigurationError(f"Airflow Variable {KEY_VARIABLE} is not set: see scripts/env.sh")
    return secret_key


def validate_step_with_data_docs(
    pilot: Pilot, extraction: Extraction, secret_key: str, warehouse: psycopg.Connection
) -> ValidatedBatch:
    """validate_step, publishing the batch's Data Docs page (refused batches included); the
    validated batch names its page."""
    from osservatorio.validate.data_docs import publish_batch_result
    from osservatorio.validate.suite import load_suite_definition

    batch = extraction.batch
    suite = load_suite_definition(batch.entity)
    pages: list[str] = []

    def publish(result: ExpectationSuiteValidationResult) -> None:
        try:
            page = publish_batch_result(result, suite, batch.pilot_id, batch.key)
        except Exception:  # a view of the result: never the reason a batch fails to land
            log.exception("Data Docs not built for this batch (the validation itself stands)")
            return
        pages.append(str(page))
        log.info("Data Docs of this batch: file://%s", page)

    ready = validate_step(pilot, extraction, secret_key, warehouse, publish)
    return replace(ready, data_docs_page=pages[0] if pages else None)


@contextmanager
def refusals_fail_the_task() -> Iterator[None]:
    """A refused file or batch fails the task at once (AirflowFailException): bad data does not
    heal on retry. The whole refusal (reason, top reasons with example lines) is logged as the
    task's first ERROR, before Airflow's traceback; the exception then carries its first line
    only, not a repeat."""
    from airflow.sdk.exceptions import AirflowFailException

    try:
        yield
    except (FileRejected, BatchRejected) as refused:
        logging.getLogger("osservatorio").error("BATCH REFUSED, nothing loaded: %s", refused)
        raise AirflowFailException(str(refused).splitlines()[0]) from None

"""Ingestion DAGs, one per pilot of the registry (config/pilots.yaml): extract -> validate -> load.

One DAG per pilot (generated here, rather than one file each) so that onboarding a pilot is a
registry entry, and so that each pilot has its own schedule, runs, retries and backfills: a
failing pilot never blocks the others.

A run covers one data interval (osservatorio/scheduling.py): `plan` fixes it, also for manual
runs that have none. Each record type of the pilot is then an independent extract -> validate
-> load chain over the pilot's channel (osservatorio/channels/), and `announce_landing` emits one
event on the pilot's landing asset, which schedules the indicator build (build_esf_indicators).

Tasks are idempotent per data interval: the batch id derives from it, a rerun supersedes the
batch's earlier rows (kept as history), and a record version already current is not landed twice.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task

from osservatorio.assets import pilot_landing_asset
from osservatorio.lineage import landing_task
from osservatorio.registry import Pilot, load_registry
from osservatorio.scheduling import INGEST_ARGS, ingest_timetable


@task
def plan() -> dict:
    """The data interval this run covers: its own, or for a manual run without one the last
    complete interval before it was triggered."""
    from airflow.sdk import get_current_context

    from osservatorio.scheduling import run_interval

    return run_interval(get_current_context()).to_xcom()


@task(show_return_value_in_logs=False)  # the manifest: a long dict, in XCom anyway
def extract(pilot_id: str, entity: str, interval: dict) -> dict:
    """Read the pilot's channel into the batch's work folder, untouched (JSON lines)."""
    from airflow.sdk.exceptions import AirflowFailException

    from osservatorio.channels import channel_for
    from osservatorio.errors import FileRejected
    from osservatorio.manifest import BatchManifest, RunInterval
    from osservatorio.pipeline import extract_step
    from osservatorio.warehouse import connect_from_airflow

    batch = BatchManifest(pilot_id, entity, RunInterval.from_xcom(interval))
    with connect_from_airflow() as warehouse:
        warehouse.autocommit = True  # lookups only: no transaction held open while extracting
        try:
            return extract_step(channel_for(load_registry()[pilot_id]), batch, warehouse).to_xcom()
        except FileRejected as refused:
            raise AirflowFailException(_refusal(refused)) from None  # a broken file does not heal on retry


def _refusal(refused: Exception) -> str:
    """Log the whole refusal (reason, top reasons with example lines) as the task's first ERROR,
    before Airflow's traceback; the exception then carries its first line only, not a repeat."""
    import logging

    logging.getLogger("osservatorio").error("BATCH REFUSED, nothing loaded: %s", refused)
    return str(refused).splitlines()[0]


@task(show_return_value_in_logs=False)
def validate(extracted: dict) -> dict:
    """Map onto the contract, run the GX suite, split valid records from quarantined ones."""
    import logging
    from dataclasses import replace

    from airflow.sdk import Variable
    from airflow.sdk.exceptions import AirflowFailException

    from osservatorio.errors import BatchRejected, RunConfigurationError
    from osservatorio.manifest import Extraction
    from osservatorio.pipeline import validate_step
    from osservatorio.privacy.pseudonymise import KEY_VARIABLE
    from osservatorio.validate.data_docs import publish_batch_result
    from osservatorio.validate.suite import load_suite_definition
    from osservatorio.warehouse import connect_from_airflow

    extraction = Extraction.from_xcom(extracted)
    batch = extraction.batch
    suite = load_suite_definition(batch.entity)
    log = logging.getLogger(__name__)
    pages: list[str] = []

    def publish(result) -> None:  # the batch's Data Docs page, refused batches included
        try:
            page = publish_batch_result(result, suite, batch.pilot_id, batch.key)
        except Exception:  # a view of the result: never the reason a batch fails to land
            log.exception("Data Docs not built for this batch (the validation itself stands)")
            return
        pages.append(str(page))
        log.info("Data Docs of this batch: file://%s", page)

    if not (secret_key := Variable.get(KEY_VARIABLE, default=None)):
        # (a missing Variable raises AirflowRuntimeError, which the retry policy cannot tell apart)
        raise RunConfigurationError(f"Airflow Variable {KEY_VARIABLE} is not set: see scripts/env.sh")
    with connect_from_airflow() as warehouse:
        try:
            ready = validate_step(load_registry()[batch.pilot_id], extraction, secret_key, warehouse, publish)
        except BatchRejected as refused:
            raise AirflowFailException(_refusal(refused)) from None  # bad data does not heal on retry
    return replace(ready, data_docs_page=pages[0] if pages else None).to_xcom()


@landing_task  # a @task that reports its datasets to OpenLineage (osservatorio/lineage.py)
def load(validated: dict) -> dict:
    """Land valid records and the quarantine in one transaction; the channel's own step (the
    file ledger) commits with them, and its follow-up (archiving files) runs after the commit.
    The bad-row gate is applied here too, counting the duplicate ids only landing sees."""
    from airflow.sdk.exceptions import AirflowFailException

    from osservatorio.channels import channel_for
    from osservatorio.errors import BatchRejected
    from osservatorio.manifest import ValidatedBatch
    from osservatorio.pipeline import land_step
    from osservatorio.warehouse import connect_from_airflow

    ready = ValidatedBatch.from_xcom(validated)
    pilot = load_registry()[ready.extraction.batch.pilot_id]
    with connect_from_airflow() as conn:
        try:
            return land_step(pilot, channel_for(pilot), ready, conn).to_xcom()
        except BatchRejected as refused:
            raise AirflowFailException(_refusal(refused)) from None


@task
def announce_landing(pilot_id: str, interval: dict, landed: list[dict]) -> dict:
    """One event on the pilot's landing asset for the whole run, carrying its data interval."""
    from airflow.sdk import get_current_context

    from osservatorio.assets import landing_event_extra
    from osservatorio.manifest import LandedBatch, RunInterval

    extra = landing_event_extra(
        pilot_id, RunInterval.from_xcom(interval), [LandedBatch.from_xcom(item) for item in landed]
    )
    get_current_context()["outlet_events"][pilot_landing_asset(pilot_id)].extra = extra
    return extra


def build_ingest_dag(pilot: Pilot) -> None:
    @dag(
        dag_id=f"ingest_{pilot.pilot_id}",
        description=f"Extract, validate and land the records of {pilot.name}",
        schedule=ingest_timetable(pilot.schedule),
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        max_active_runs=1,
        default_args=INGEST_ARGS,
        tags=["ingest", pilot.channel, pilot.pilot_id],
        doc_md=__doc__,
    )
    def ingest() -> None:
        interval = plan()
        landed = []
        for entity in pilot.entities:
            extracted = extract.override(task_id=f"extract_{entity}")(pilot.pilot_id, entity, interval)
            validated = validate.override(task_id=f"validate_{entity}")(extracted)
            landed.append(load.override(task_id=f"load_{entity}")(validated))
        announce_landing.override(outlets=[pilot_landing_asset(pilot.pilot_id)])(
            pilot.pilot_id, interval, landed
        )

    ingest()


for _pilot in load_registry().values():
    build_ingest_dag(_pilot)

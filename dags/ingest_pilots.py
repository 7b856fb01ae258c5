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
    from osservatorio.channels import channel_for
    from osservatorio.manifest import BatchManifest, RunInterval
    from osservatorio.pipeline import extract_step, refusals_fail_the_task
    from osservatorio.warehouse import connect_from_airflow

    batch = BatchManifest(pilot_id, entity, RunInterval.from_xcom(interval))
    with connect_from_airflow() as warehouse, refusals_fail_the_task():
        warehouse.autocommit = True  # lookups only: no transaction held open while extracting
        return extract_step(channel_for(load_registry()[pilot_id]), batch, warehouse).to_xcom()


@task(show_return_value_in_logs=False)
def validate(extracted: dict) -> dict:
    """Map onto the contract, run the GX suite, split valid records from quarantined ones; the
    batch's Data Docs page is published, refused batches included."""
    from osservatorio.manifest import Extraction
    from osservatorio.pipeline import (
        pseudonymisation_key,
        refusals_fail_the_task,
        validate_step_with_data_docs,
    )
    from osservatorio.warehouse import connect_from_airflow

    secret_key = pseudonymisation_key()  # a missing Variable fails the task before it connects
    extraction = Extraction.from_xcom(extracted)
    pilot = load_registry()[extraction.batch.pilot_id]
    with connect_from_airflow() as warehouse, refusals_fail_the_task():
        return validate_step_with_data_docs(pilot, extraction, secret_key, warehouse).to_xcom()


@landing_task  # a @task that reports its datasets to OpenLineage (osservatorio/lineage.py)
def load(validated: dict) -> dict:
    """Land valid records and the quarantine in one transaction; the channel's own step (the
    file ledger) commits with them, and its follow-up (archiving files) runs after the commit.
    The bad-row gate is applied here too, counting the duplicate ids only landing sees."""
    from osservatorio.channels import channel_for
    from osservatorio.manifest import ValidatedBatch
    from osservatorio.pipeline import land_step, refusals_fail_the_task
    from osservatorio.warehouse import connect_from_airflow

    ready = ValidatedBatch.from_xcom(validated)
    pilot = load_registry()[ready.extraction.batch.pilot_id]
    with connect_from_airflow() as conn, refusals_fail_the_task():
        return land_step(pilot, channel_for(pilot), ready, conn).to_xcom()


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

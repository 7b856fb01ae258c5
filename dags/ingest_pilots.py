"""Ingestion DAGs, one per pilot of the registry (config/pilots.yaml): extract -> validate -> load.

One DAG per pilot (generated here, rather than one file each) so that onboarding a pilot is a
registry entry, and so that each pilot has its own schedule, runs, retries and backfills.
Each record type of the pilot is an independent extract -> validate -> load chain; loading
updates the record type's Asset, which schedules the dbt DAG (build_esf_indicators).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, dag, task

from osservatorio.registry import Pilot, load_registry

# The retry delay is Airflow's [core] default_task_retry_delay (scripts/env.sh sets it).
DEFAULT_ARGS = {"owner": "osservatorio-data-engineering", "retries": 2}


def landing_asset(entity: str) -> Asset:
    """The raw landing table of a record type, as an Asset the dbt DAG is scheduled on."""
    return Asset(name=f"raw.{entity}", uri=f"postgres://osservatorio-warehouse/osservatorio/raw/{entity}")


@task
def extract(pilot_id: str, entity: str) -> dict:
    """Read every page of the pilot's channel into the batch's work folder, untouched."""
    from dataclasses import asdict

    from airflow.sdk import BaseHook, get_current_context

    from osservatorio.extract.rest_api import extract_pages, make_session
    from osservatorio.paths import work_dir

    pilot = load_registry()[pilot_id]
    source = pilot.entities[entity]
    interval_start = get_current_context()["data_interval_start"]
    conn = BaseHook.get_connection(pilot.connection_id)
    base_url = f"{conn.schema or 'http'}://{conn.host}:{conn.port}" if conn.port else f"http://{conn.host}"
    out = work_dir(pilot_id, f"{interval_start:%Y%m%dT%H%M%S}") / f"{entity}.source.jsonl"
    with make_session(conn.password or "") as session:
        result = extract_pages(session, base_url, source.path, source.page_size, out)
    return asdict(result)


@task
def validate(pilot_id: str, entity: str, extracted: dict) -> dict:
    """Map onto the contract, run the GX suite, split valid records from quarantined ones."""
    from dataclasses import asdict
    from pathlib import Path

    from airflow.sdk import Variable
    from airflow.sdk.exceptions import AirflowFailException

    from osservatorio.privacy.pseudonymise import KEY_VARIABLE
    from osservatorio.validate.batch import BatchRejected, validate_batch

    pilot = load_registry()[pilot_id]
    try:
        summary = validate_batch(pilot, entity, Path(extracted["path"]), Variable.get(KEY_VARIABLE))
    except BatchRejected as refused:
        raise AirflowFailException(str(refused)) from refused  # bad data does not heal on retry
    return asdict(summary)


@task
def load(pilot_id: str, entity: str, validated: dict) -> dict:
    """COPY the valid records and the quarantine into the raw schema, replacing this interval's batch."""
    from pathlib import Path

    from airflow.sdk import get_current_context

    from osservatorio.land.warehouse import batch_for, land_batch
    from osservatorio.warehouse import connect_from_airflow

    context = get_current_context()
    batch = batch_for(pilot_id, entity, context["data_interval_start"], context["data_interval_end"])
    with connect_from_airflow() as conn:
        loaded, quarantined = land_batch(
            conn,
            batch,
            Path(validated["valid_path"]),
            Path(validated["quarantine_path"]),
            validated["received"],
        )
    return {
        "batch_id": batch.batch_id,
        "received": validated["received"],
        "loaded": loaded,
        "quarantined": quarantined,
    }


def build_ingest_dag(pilot: Pilot) -> None:
    @dag(
        dag_id=f"ingest_{pilot.pilot_id}",
        description=f"Extract, validate and land the records of {pilot.name}",
        schedule=pilot.schedule,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["ingest", pilot.channel, pilot.pilot_id],
        doc_md=__doc__,
    )
    def ingest() -> None:
        for entity in pilot.entities:
            extracted = extract.override(task_id=f"extract_{entity}")(pilot.pilot_id, entity)
            validated = validate.override(task_id=f"validate_{entity}")(pilot.pilot_id, entity, extracted)
            load.override(task_id=f"load_{entity}", outlets=[landing_asset(entity)])(
                pilot.pilot_id, entity, validated
            )

    ingest()


for _pilot in load_registry().values():
    build_ingest_dag(_pilot)

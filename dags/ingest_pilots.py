"""Ingestion DAGs, one per pilot of the registry (config/pilots.yaml): extract -> validate -> load.

One DAG per pilot (generated here, rather than one file each) so that onboarding a pilot is a
registry entry, and so that each pilot has its own schedule, runs, retries and backfills: a
failing pilot never blocks the others. Each record type of the pilot is an independent
extract -> validate -> load chain; loading updates the record type's Asset, which schedules the
dbt DAG (build_esf_indicators).

Tasks are idempotent per data interval: the batch id derives from it, the load replaces the
batch, and an incremental extraction starts from the watermark left by earlier intervals only.
"""

from __future__ import annotations

import logging

import pendulum
from airflow.sdk import dag, task

from osservatorio.assets import landing_asset
from osservatorio.registry import Pilot, load_registry

log = logging.getLogger(__name__)
# The retry delay is Airflow's [core] default_task_retry_delay (scripts/env.sh sets it).
DEFAULT_ARGS = {"owner": "osservatorio-data-engineering", "retries": 2}


@task
def extract(pilot_id: str, entity: str) -> dict:
    """Read the pilot's channel into the batch's work folder, untouched (JSON lines)."""
    from dataclasses import asdict
    from pathlib import Path

    from airflow.sdk import BaseHook, get_current_context
    from airflow.sdk.exceptions import AirflowFailException

    from osservatorio.land.warehouse import batch_for, batch_key, watermark_before
    from osservatorio.paths import work_dir
    from osservatorio.warehouse import connect_from_airflow

    pilot = load_registry()[pilot_id]
    source = pilot.entities[entity]
    start = get_current_context()["data_interval_start"]
    batch_id = batch_for(pilot_id, entity, start, start).batch_id
    out = work_dir(pilot_id, batch_key(start)) / f"{entity}.source.jsonl"
    conn = BaseHook.get_connection(pilot.connection_id)
    if pilot.is_file_channel:
        from osservatorio.extract.file_drop import FileRejected, extract_files
        from osservatorio.land.file_ledger import ensure_file_ledger, landed_checksums, restore_archived

        inbox = Path(conn.extra_dejson["path"])
        restore_archived(inbox, f"{batch_key(start)}/{entity}")  # a rerun reads its own files again
        with connect_from_airflow() as warehouse:
            ensure_file_ledger(warehouse)
            landed = landed_checksums(warehouse, pilot_id, entity, excluding_batch=batch_id)
        try:
            result = extract_files(pilot, source, inbox, out, landed)
        except FileRejected as refused:
            raise AirflowFailException(str(refused)) from refused  # a broken file does not heal on retry
        return asdict(result)

    from osservatorio.extract.rest_api import extract_rest, make_session

    with connect_from_airflow() as warehouse:
        since = watermark_before(warehouse, pilot_id, entity, start)
    base_url = (
        f"{conn.conn_type or 'http'}://{conn.host}{f':{conn.port}' if conn.port else ''}/{conn.schema or ''}"
    )
    with make_session(conn.password or "") as session:
        result = extract_rest(
            session, base_url, source, pilot.api, out, since, source.fields.get("source_updated_at")
        )
    return asdict(result)


@task
def validate(pilot_id: str, entity: str, extracted: dict) -> dict:
    """Map onto the contract, run the GX suite, split valid records from quarantined ones."""
    from dataclasses import asdict
    from pathlib import Path

    from airflow.sdk import Variable, get_current_context
    from airflow.sdk.exceptions import AirflowFailException

    from osservatorio.land.warehouse import batch_key
    from osservatorio.privacy.pseudonymise import KEY_VARIABLE
    from osservatorio.validate.batch import BatchRejected, validate_batch
    from osservatorio.validate.data_docs import publish_batch_result
    from osservatorio.validate.suite import load_suite_definition

    pilot = load_registry()[pilot_id]
    context = get_current_context()
    as_of = context["data_interval_end"].date()
    pages: list[str] = []

    def publish(result) -> None:  # the batch's Data Docs page, refused batches included
        key = batch_key(context["data_interval_start"])
        try:
            page = publish_batch_result(result, load_suite_definition(entity), pilot_id, key)
        except Exception:  # a view of the result: never the reason a batch fails to land
            log.exception("Data Docs not built for this batch (the validation itself stands)")
            return
        pages.append(str(page))
        log.info("Data Docs of this batch: file://%s", page)

    try:
        summary = validate_batch(
            pilot, entity, Path(extracted["path"]), Variable.get(KEY_VARIABLE), as_of, publish=publish
        )
    except BatchRejected as refused:
        raise AirflowFailException(str(refused)) from refused  # bad data does not heal on retry
    kept = {key: extracted.get(key) for key in ("watermark_from", "watermark_to", "files")}
    return asdict(summary) | kept | {"data_docs_page": pages[0] if pages else None}


@task
def load(pilot_id: str, entity: str, validated: dict) -> dict:
    """Land valid records and the quarantine in one transaction, replacing this interval's batch."""
    from dataclasses import replace
    from datetime import datetime
    from pathlib import Path

    from airflow.sdk import BaseHook, get_current_context

    from osservatorio.land.warehouse import batch_for, batch_key, land_batch
    from osservatorio.warehouse import connect_from_airflow

    pilot = load_registry()[pilot_id]
    context = get_current_context()
    start, end = context["data_interval_start"], context["data_interval_end"]
    batch = replace(
        batch_for(pilot_id, entity, start, end),
        watermark_from=datetime.fromisoformat(validated["watermark_from"])
        if validated.get("watermark_from")
        else None,
        watermark_to=datetime.fromisoformat(validated["watermark_to"])
        if validated.get("watermark_to")
        else None,
    )
    ledger_step = None
    if pilot.is_file_channel:
        from osservatorio.extract.file_drop import DroppedFile
        from osservatorio.land.file_ledger import archive_files, mark_archived, record_landed_files

        files = [DroppedFile(**f) for f in validated.get("files") or []]

        def ledger_step(conn):
            record_landed_files(conn, batch.batch_id, pilot_id, entity, files)

    with connect_from_airflow() as conn:
        loaded, quarantined = land_batch(
            conn,
            batch,
            Path(validated["valid_path"]),
            Path(validated["quarantine_path"]),
            validated["received"],
            in_transaction=ledger_step,
            failures_by_rule=validated["failures_by_rule"],
        )
        if pilot.is_file_channel:
            # Only after the commit: a file leaves the inbox once its records are safely landed.
            inbox = Path(BaseHook.get_connection(pilot.connection_id).extra_dejson["path"])
            moves = archive_files(inbox, files, f"{batch_key(start)}/{entity}")
            mark_archived(conn, pilot_id, entity, moves)
            conn.commit()
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

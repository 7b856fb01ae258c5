"""Airflow Assets of the warehouse: what the ingestion DAGs produce and the dbt DAG consumes.

Each ingestion run emits one event on its pilot's landing asset, whatever it landed, with the
data interval it covered in the event's `extra` (`landing_event_extra`): the indicator build
reads its reporting date from there, since asset-triggered runs have no data interval.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.sdk import Asset

if TYPE_CHECKING:
    from osservatorio.manifest import LandedBatch, RunInterval

WAREHOUSE_URI = "postgres://osservatorio-warehouse/osservatorio"


def pilot_landing_asset(pilot_id: str) -> Asset:
    """Everything one pilot lands into the raw schema, all record types (the tables are shared by
    the pilots, so the asset names the landing, not a table)."""
    return Asset(name=f"landing.{pilot_id}", uri=f"osservatorio://landing/{pilot_id}")


def landing_event_extra(pilot_id: str, interval: RunInterval, landed: list[LandedBatch]) -> dict[str, Any]:
    return {
        "pilot_id": pilot_id,
        "data_interval_start": interval.start.isoformat(),
        "data_interval_end": interval.end.isoformat(),
        "batches": {
            b.batch.entity: {"loaded": b.loaded, "unchanged": b.unchanged, "quarantined": b.quarantined}
            for b in landed
        },
    }


INDICATORS_ASSET = Asset(name="marts.esf_indicators", uri=f"{WAREHOUSE_URI}/marts/esf_indicators")

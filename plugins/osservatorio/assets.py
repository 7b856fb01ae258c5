"""Airflow Assets of the warehouse: what the ingestion DAGs produce and the dbt DAG consumes."""

from __future__ import annotations

from airflow.sdk import Asset

from osservatorio.land.warehouse import RECORD_TYPES

WAREHOUSE_URI = "postgres://osservatorio-warehouse/osservatorio"


def landing_asset(entity: str) -> Asset:
    """The raw landing table of a record type."""
    return Asset(name=f"raw.{entity}", uri=f"{WAREHOUSE_URI}/raw/{entity}")


LANDING_ASSETS = [landing_asset(entity) for entity in RECORD_TYPES]
INDICATORS_ASSET = Asset(name="marts.esf_indicators", uri=f"{WAREHOUSE_URI}/marts/esf_indicators")

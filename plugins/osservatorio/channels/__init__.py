"""Channels: the ways records reach the pipeline from a pilot (see config/pilots.yaml `channel`).

Every channel has the same three steps, which the ingestion DAG calls without knowing which
channel it holds:

- `extract(batch, warehouse)`: read what the pilot has into the batch's JSON-lines file;
- `in_transaction(conn, extraction)`: what commits with the landed records (the file ledger);
- `after_commit(conn, extraction)`: what happens once they are safely landed (archiving files).

`channel_for` is the one place that maps a registry channel name to its class. A new channel is
a class here and a name in `CHANNEL_TYPES`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from osservatorio.channels.base import Channel
from osservatorio.channels.file_drop import CsvDropChannel, XlsxDropChannel
from osservatorio.channels.rest_api import RestApiChannel

if TYPE_CHECKING:
    from osservatorio.registry import Pilot

CHANNEL_TYPES: dict[str, type[Channel]] = {
    "rest_api": RestApiChannel,
    "csv_drop": CsvDropChannel,
    "xlsx_drop": XlsxDropChannel,
}


def channel_for(pilot: Pilot) -> Channel:
    """The pilot's channel, reaching the pilot through its Airflow connection."""
    return CHANNEL_TYPES[pilot.channel](pilot)


__all__ = ["CHANNEL_TYPES", "Channel", "CsvDropChannel", "RestApiChannel", "XlsxDropChannel", "channel_for"]

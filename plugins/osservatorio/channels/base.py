"""The interface every channel implements (see the package docstring)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

    from osservatorio.manifest import BatchManifest, Extraction
    from osservatorio.registry import EntitySource, Pilot


class Channel(ABC):
    """One pilot's channel. Connection details come from the pilot's Airflow connection
    (`connection_id` in the registry) unless given to the constructor (benchmarks, tests)."""

    def __init__(self, pilot: Pilot) -> None:
        self.pilot = pilot

    def source(self, batch: BatchManifest) -> EntitySource:
        return self.pilot.entities[batch.entity]

    @abstractmethod
    def extract(self, batch: BatchManifest, warehouse: psycopg.Connection | None) -> Extraction:
        """Write the batch's records, as sent, to `batch.work_file("source")`.

        `warehouse` answers what earlier batches landed (watermarks, file checksums); None
        extracts everything (benchmarks)."""

    def in_transaction(self, conn: psycopg.Connection, extraction: Extraction) -> None:  # noqa: B027
        """Runs inside the landing transaction: commits with the records, or not at all."""

    def after_commit(self, conn: psycopg.Connection, extraction: Extraction) -> None:  # noqa: B027
        """Runs once the landing transaction has committed."""

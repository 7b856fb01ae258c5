"""REST channel: the pilot's API, page by page or cursor by cursor (the registry's `api` dialect),
incremental from the newest change an earlier interval landed (extract/rest_api.py does the work)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from osservatorio.channels.base import Channel
from osservatorio.manifest import Extraction

if TYPE_CHECKING:
    import psycopg

    from osservatorio.manifest import BatchManifest
    from osservatorio.registry import Pilot


class RestApiChannel(Channel):
    def __init__(self, pilot: Pilot, base_url: str | None = None, token: str | None = None) -> None:
        super().__init__(pilot)
        self._base_url, self._token = base_url, token

    def endpoint(self) -> tuple[str, str]:
        """(base URL, bearer token): from the pilot's HTTP connection (token as its password)."""
        if self._base_url is not None:
            return self._base_url, self._token or ""
        from airflow.sdk import BaseHook

        conn = BaseHook.get_connection(self.pilot.connection_id)
        port = f":{conn.port}" if conn.port else ""
        return f"{conn.conn_type or 'http'}://{conn.host}{port}/{conn.schema or ''}", conn.password or ""

    def extract(self, batch: BatchManifest, warehouse: psycopg.Connection | None) -> Extraction:
        from osservatorio.errors import FileRejected
        from osservatorio.extract.rest_api import MalformedPage, extract_rest, make_session
        from osservatorio.land.warehouse import watermark_before

        source = self.source(batch)
        # A rerun asks for exactly what the interval's first run asked for: changes after the
        # newest change landed by an earlier interval.
        since = None
        if warehouse is not None:
            since = watermark_before(warehouse, batch.pilot_id, batch.entity, batch.interval.start)
        base_url, token = self.endpoint()
        out = batch.work_file("source")
        with make_session(token) as session:
            try:
                result = extract_rest(
                    session,
                    base_url,
                    source,
                    self.pilot.api,
                    out,
                    since,
                    source.fields.get("source_updated_at"),
                )
            except MalformedPage as bad:  # the API broke its own contract: retrying cannot help
                raise FileRejected(f"pilot {self.pilot.pilot_id}: {bad}") from None
        return Extraction(
            batch,
            out,
            result.received,
            watermark_from=since,
            watermark_to=datetime.fromisoformat(result.watermark_to) if result.watermark_to else None,
        )

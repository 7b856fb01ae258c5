"""Paginated extraction from a pilot's REST API.

Retries and back-off come from urllib3's `Retry` (it honours Retry-After on 429/503), so the
code here only walks the pages and writes every record it received as one JSON line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

if TYPE_CHECKING:
    from pathlib import Path

CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 60


@dataclass(frozen=True)
class ExtractResult:
    path: str
    received: int
    pages: int


def make_session(token: str, retries: int = 5, backoff: float = 0.5) -> requests.Session:
    session = requests.Session()
    retry = Retry(
        total=retries,
        backoff_factor=backoff,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=("GET",),
        respect_retry_after_header=True,
    )
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})
    return session


def extract_pages(
    session: requests.Session, base_url: str, path: str, page_size: int, out: Path
) -> ExtractResult:
    """Fetch every page of `path` and write its records to `out` as JSON lines (one per record).

    Each line is `{"source": "<path>?pagina=N", "record": {...}}` so that every record keeps
    where it came from for the quarantine and the ledger.
    """
    received = pages = 0
    page, total_pages = 1, 1
    with out.open("w", encoding="utf-8") as sink:
        while page <= total_pages:
            response = session.get(
                f"{base_url.rstrip('/')}{path}",
                params={"pagina": page, "dimensione": page_size},
                timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S),
            )
            response.raise_for_status()
            body = response.json()
            for record in body["dati"]:
                sink.write(
                    json.dumps({"source": f"{path}?pagina={page}", "record": record}, ensure_ascii=False)
                )
                sink.write("\n")
                received += 1
            total_pages = int(body.get("pagine_totali", 1))
            pages += 1
            page += 1
    return ExtractResult(path=str(out), received=received, pages=pages)

"""Extraction from a pilot's REST API, page by page or cursor by cursor, resumable.

- Status-level faults (429, 5xx) are retried by urllib3's `Retry`, which honours Retry-After.
- Body-level faults (connection reset mid-body, truncated JSON, read timeout) are retried here
  with exponential back-off (tenacity), re-asking for the same page.
- Every page is appended to the output and then committed to a checkpoint (page number or
  cursor, byte offset, count): a retried task resumes after the last committed page instead of
  starting over; a finished checkpoint makes a rerun start from scratch.
- Records added while we paginate appear at the end of the (updated_at, id) order: the total
  page count is re-read on every page, so they are fetched too.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import requests
from requests.adapters import HTTPAdapter
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential
from urllib3.util.retry import Retry

from osservatorio.envelope import write_extracted

if TYPE_CHECKING:
    from pathlib import Path

    from osservatorio.registry import ApiDialect, EntitySource

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 30.0
BODY_RETRIES = 5


class MalformedPage(ValueError):
    """The API answered 200 with a body that is not the JSON page we expect."""


@dataclass(frozen=True)
class ExtractResult:
    path: str
    received: int
    pages: int
    watermark_from: str | None
    watermark_to: str | None  # newest source_updated_at seen: where the next interval starts


@dataclass
class Checkpoint:
    next_page: int = 1
    cursor: str | None = None
    offset: int = 0  # bytes of the output committed so far
    received: int = 0
    pages: int = 0
    watermark_to: str | None = None
    finished: bool = False


def make_session(token: str, retries: int = 6, backoff: float = 0.5) -> requests.Session:
    session = requests.Session()
    retry_policy = Retry(
        total=retries,
        backoff_factor=backoff,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=("GET",),
        respect_retry_after_header=True,
        raise_on_status=True,
    )
    for scheme in ("http://", "https://"):
        session.mount(scheme, HTTPAdapter(max_retries=retry_policy))
    session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})
    return session


@retry(
    retry=retry_if_exception_type(
        (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError, MalformedPage)
    ),
    wait=wait_exponential(multiplier=0.2, max=5),
    stop=stop_after_attempt(BODY_RETRIES),
    reraise=True,
)
def fetch_page(
    session: requests.Session, url: str, params: dict[str, Any], records_key: str, read_timeout: float
) -> dict[str, Any]:
    response = session.get(url, params=params, timeout=(CONNECT_TIMEOUT_S, read_timeout))
    response.raise_for_status()
    try:
        body = response.json()
    except ValueError as bad_json:
        raise MalformedPage(f"{response.url}: body is not JSON ({bad_json})") from bad_json
    if not isinstance(body, dict) or not isinstance(body.get(records_key), list):
        raise MalformedPage(f"{response.url}: no '{records_key}' list in the page")
    return body


def _newer(current: str | None, candidate: object) -> str | None:
    """The later of two ISO timestamps (unparseable candidates are ignored: validation flags them)."""
    if not candidate:
        return current
    try:
        seen = datetime.fromisoformat(str(candidate))
    except ValueError:
        return current
    if seen.tzinfo is None:
        seen = seen.replace(tzinfo=UTC)
    if current is None or seen > datetime.fromisoformat(current):
        return seen.isoformat()
    return current


def _load_checkpoint(path: Path) -> Checkpoint:
    if not path.exists():
        return Checkpoint()
    saved = Checkpoint(**json.loads(path.read_text()))
    return Checkpoint() if saved.finished else saved  # a finished run is redone from scratch


def _save_checkpoint(path: Path, checkpoint: Checkpoint) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(checkpoint)))
    tmp.replace(path)  # atomic: a crash leaves the previous checkpoint


class Pagination:
    """How a pilot's API pages: the request parameters of the next page, its label in the record
    envelope, and whether the body just read was the last page (advancing the checkpoint)."""

    def __init__(self, api: ApiDialect) -> None:
        self.api = api

    def params(self, state: Checkpoint) -> dict[str, Any]:
        raise NotImplementedError

    def label(self, path: str, state: Checkpoint) -> str:
        raise NotImplementedError

    def advance(self, state: Checkpoint, body: dict[str, Any]) -> bool:
        raise NotImplementedError


class PagePagination(Pagination):
    """Numbered pages; the total page count is re-read on every page (records added meanwhile)."""

    def params(self, state: Checkpoint) -> dict[str, Any]:
        return {self.api.page_param: state.next_page}

    def label(self, path: str, state: Checkpoint) -> str:
        return f"{path}?{self.api.page_param}={state.next_page}"

    def advance(self, state: Checkpoint, body: dict[str, Any]) -> bool:
        done = state.next_page >= int(body.get(self.api.total_pages_key, 1)) or not body[self.api.records_key]
        state.next_page += 1
        return done


class CursorPagination(Pagination):
    """An opaque cursor handed back with every page; no cursor means the last page."""

    def params(self, state: Checkpoint) -> dict[str, Any]:
        return {self.api.cursor_param: state.cursor} if state.cursor else {}

    def label(self, path: str, state: Checkpoint) -> str:
        return f"{path}?{self.api.cursor_param}={state.cursor or ''}"

    def advance(self, state: Checkpoint, body: dict[str, Any]) -> bool:
        state.cursor = body.get(self.api.next_cursor_key)
        return not state.cursor


PAGINATIONS: dict[str, type[Pagination]] = {"page": PagePagination, "cursor": CursorPagination}


def pagination_for(api: ApiDialect) -> Pagination:
    """The pagination the pilot's API dialect names (registry `api.pagination`)."""
    if api.pagination not in PAGINATIONS:
        from osservatorio.registry import RegistryError

        raise RegistryError(f"api.pagination {api.pagination!r} is not one of {sorted(PAGINATIONS)}")
    return PAGINATIONS[api.pagination](api)


def extract_rest(
    session: requests.Session,
    base_url: str,
    source: EntitySource,
    api: ApiDialect,
    out: Path,
    since: datetime | None,
    updated_at_field: str | None,
    read_timeout: float = READ_TIMEOUT_S,
) -> ExtractResult:
    """Fetch every record of `source` changed after `since` (all when None) into `out` (JSON lines)."""
    pager = pagination_for(api)
    url = f"{base_url.rstrip('/')}{source.path}"
    checkpoint_path = out.with_suffix(".checkpoint.json")
    state = _load_checkpoint(checkpoint_path)
    with out.open("a" if state.offset else "w", encoding="utf-8") as sink:
        sink.truncate(state.offset)  # drop whatever a crash left after the last committed page
        sink.seek(state.offset)
        while True:
            params: dict[str, Any] = {api.size_param: source.page_size} | pager.params(state)
            if since is not None:
                params[api.updated_since_param] = since.isoformat()
            body = fetch_page(session, url, params, api.records_key, read_timeout)
            label = pager.label(source.path or "", state)
            for record in body[api.records_key]:
                write_extracted(sink, label, record)
                state.watermark_to = _newer(state.watermark_to, record.get(updated_at_field or ""))
                state.received += 1
            sink.flush()
            state.offset, state.pages = sink.tell(), state.pages + 1
            state.finished = pager.advance(state, body)
            _save_checkpoint(checkpoint_path, state)
            if state.finished:
                break
    return ExtractResult(
        str(out), state.received, state.pages, since.isoformat() if since else None, state.watermark_to
    )

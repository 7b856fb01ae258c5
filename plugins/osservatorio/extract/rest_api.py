"""Extraction from a pilot's REST API, page by page or cursor by cursor, resumable.

- Status-level faults (429, 5xx) are retried by urllib3's `Retry`, which honours Retry-After.
- Body-level faults (connection reset mid-body, truncated JSON, read timeout) are retried here
  with exponential back-off (tenacity), re-asking for the same page.
- Every page is appended to the output and then committed to a checkpoint (page number or
  cursor, byte offset, count): a retried task resumes after the last committed page instead of
  starting over; a finished checkpoint makes a rerun start from scratch.
- Records added while we paginate appear at the end of the (updated_at, id) order: the total
  page count is re-read on every page, so they are fetched too.
- A body that is not the JSON page the dialect promises (after the retries), a 4xx answer, a
  cursor handed back twice or STUCK_PAGES identical pages in a row (a pagination that never
  advances) raise MalformedPage, which the channel turns into the batch's refusal naming page
  and rule. A record that is not a JSON object is kept, marked `_not_an_object`, for validation
  to quarantine. Numbers JSON cannot hold exactly (1e400, NaN) are kept as their text.
"""

from __future__ import annotations

import hashlib
import json
import math
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
STUCK_PAGES = 3
NOT_AN_OBJECT = "_not_an_object"


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
    if 400 <= response.status_code < 500:  # (429 is retried by the session before it gets here)
        raise MalformedPage(f"{response.url}: answered {response.status_code} {response.reason}")
    response.raise_for_status()
    try:
        body = json.loads(response.content, parse_float=_exact_float, parse_constant=str)
    except RecursionError:
        raise MalformedPage(f"{response.url}: body nested too deeply to be a page") from None
    except ValueError as bad_json:
        raise MalformedPage(f"{response.url}: body is not JSON ({bad_json})") from bad_json
    if not isinstance(body, dict) or not isinstance(body.get(records_key), list):
        raise MalformedPage(f"{response.url}: no '{records_key}' list in the page")
    return body


def _exact_float(text: str) -> float | str:
    """A JSON number as a float when a float holds it, else its text (1e400 would be infinity)."""
    value = float(text)
    return value if math.isfinite(value) else text


def _page_digest(records: list[Any]) -> str:
    return hashlib.sha256(json.dumps(records, sort_keys=True, default=str).encode()).hexdigest()


def _newer(current: str | None, candidate: object, ceiling: datetime) -> str | None:
    """The later of two ISO timestamps. Unparseable candidates are ignored (validation flags them),
    and so are those after `ceiling` (when extraction started): a record dated in the future would
    move the watermark past every later change, and later intervals would silently ask for none."""
    if not candidate:
        return current
    try:
        seen = datetime.fromisoformat(str(candidate))
    except ValueError:
        return current
    if seen.tzinfo is None:
        seen = seen.replace(tzinfo=UTC)
    if seen > ceiling:
        return current
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
        total = body.get(self.api.total_pages_key, 1)
        if isinstance(total, bool) or not isinstance(total, int | str) or not str(total).isdigit():
            raise MalformedPage(f"'{self.api.total_pages_key}' is not a page count: {total!r}")
        done = state.next_page >= int(total) or not body[self.api.records_key]
        state.next_page += 1
        return done


class CursorPagination(Pagination):
    """An opaque cursor handed back with every page; no cursor means the last page."""

    def params(self, state: Checkpoint) -> dict[str, Any]:
        return {self.api.cursor_param: state.cursor} if state.cursor else {}

    def label(self, path: str, state: Checkpoint) -> str:
        return f"{path}?{self.api.cursor_param}={state.cursor or ''}"

    def __init__(self, api: ApiDialect) -> None:
        super().__init__(api)
        self.used: set[str] = set()

    def advance(self, state: Checkpoint, body: dict[str, Any]) -> bool:
        if state.cursor:
            self.used.add(state.cursor)
        state.cursor = body.get(self.api.next_cursor_key)
        if state.cursor is not None and not isinstance(state.cursor, str):
            raise MalformedPage(f"'{self.api.next_cursor_key}' is not a cursor: {state.cursor!r}")
        if state.cursor in self.used:
            raise MalformedPage(f"cursor {state.cursor!r} handed back again: the pagination does not advance")
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
    started = datetime.now(UTC)
    previous, repeats = None, 0  # digest of the last page's records, identical pages in a row
    with out.open("a" if state.offset else "w", encoding="utf-8") as sink:
        sink.truncate(state.offset)  # drop whatever a crash left after the last committed page
        sink.seek(state.offset)
        while True:
            params: dict[str, Any] = {api.size_param: source.page_size} | pager.params(state)
            if since is not None:
                params[api.updated_since_param] = since.isoformat()
            label = pager.label(source.path or "", state)
            try:
                body = fetch_page(session, url, params, api.records_key, read_timeout)
                records = body[api.records_key]
                digest = _page_digest(records)
                repeats = repeats + 1 if records and digest == previous else 0
                if repeats >= STUCK_PAGES - 1:
                    raise MalformedPage(
                        f"the same records for {STUCK_PAGES} pages in a row: the pagination does not advance"
                    )
                previous = digest
                for record in records:
                    if not isinstance(record, dict):
                        record = {NOT_AN_OBJECT: record}  # kept, for validation to quarantine
                    write_extracted(sink, label, record)
                    state.watermark_to = _newer(
                        state.watermark_to, record.get(updated_at_field or ""), started
                    )
                    state.received += 1
                sink.flush()
                state.offset, state.pages = sink.tell(), state.pages + 1
                state.finished = pager.advance(state, body)
            except MalformedPage as bad:
                raise MalformedPage(f"page {label}: {bad}") from None
            _save_checkpoint(checkpoint_path, state)
            if state.finished:
                break
    return ExtractResult(
        str(out), state.received, state.pages, since.isoformat() if since else None, state.watermark_to
    )

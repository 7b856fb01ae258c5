"""Request handling for every simulated REST pilot, one process, paths /<pilot>/<api path>.

    GET  /<pilot>/api/v1/partecipanti?pagina=2&dimensione=500&aggiornati_dal=...   (TdZ: pages)
    GET  /cmrc_col/api/v2/iscrizioni?limite=500&cursore=...&aggiornatiDopo=...      (COL: cursor)
    GET  /_admin/<pilot>/<entity>/ids          current records: "<id>\\t<hash>" lines, served order
    GET  /_admin/<pilot>/counts                current number of records per record type
    POST /_admin/<pilot>/touch   {"entity": ..., "count": n}   new versions of n existing records
    POST /_admin/<pilot>/append  {"entity": ..., "count": n}   n new records, at the end of the order
    POST /_admin/<pilot>/reset                                  back to the generated state
    GET|POST|DELETE /_admin/faults                              see faults.py

API requests need `Authorization: Bearer <token>`; /_admin needs no token but answers only to
loopback clients.
"""

from __future__ import annotations

import json
import math
import socket
import time
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from pilot_systems.system import PilotSystem, record_hash

if TYPE_CHECKING:
    from collections.abc import Callable

    from pilot_systems.server.faults import Fault, FaultPlan
    from pilot_systems.server.rate_limit import TokenBuckets
    from pilot_systems.vocabularies.base import ApiNames

MAX_PAGE_SIZE = 5000
LOOPBACK = {"127.0.0.1", "::1"}


class BadRequest(ValueError):
    pass


class Pilots:
    """The served pilot systems; an admin reset swaps one for a freshly generated copy."""

    def __init__(self, factory: Callable[[str], PilotSystem], pilots: list[str]) -> None:
        self.factory = factory
        self.systems = {pilot: factory(pilot) for pilot in pilots}

    def reset(self, pilot: str) -> None:
        self.systems[pilot] = self.factory(pilot)


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:  # a '+' left unencoded in a query string arrives as a space
        parsed = datetime.fromisoformat(value.replace(" ", "+"))
    except ValueError as exc:
        raise BadRequest(f"data non valida: {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _int(query: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(query.get(name, default))
    except ValueError as exc:
        raise BadRequest(f"{name} deve essere un intero") from exc
    if not low <= value <= high:
        raise BadRequest(f"{name} fuori intervallo ({low}-{high})")
    return value


def api_body(system: PilotSystem, entity: str, api: ApiNames, query: dict[str, str]) -> dict[str, object]:
    since = _since(query.get(api.updated_since_param))
    if api.pagination == "cursor":
        limit = _int(query, api.size_param, 500, 1, MAX_PAGE_SIZE)
        try:
            records, cursor = system.cursor_page(entity, query.get(api.cursor_param), limit, since)
        except ValueError as exc:
            raise BadRequest(str(exc)) from exc
        return {
            api.records_key: [r.record for r in records],
            api.size_key: limit,
            api.next_cursor_key: cursor,
        }
    page = _int(query, api.page_param, 1, 1, 10**9)
    size = _int(query, api.size_param, 500, 1, MAX_PAGE_SIZE)
    records, total = system.page(entity, page, size, since)
    return {
        api.records_key: [r.record for r in records],
        api.page_key: page,
        api.size_key: size,
        api.total_key: total,
        api.total_pages_key: max(1, math.ceil(total / size)),
    }


def make_handler(
    pilots: Pilots, token: str, faults: FaultPlan, buckets: TokenBuckets | None
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "PilotSystem/2.0"
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go in separate writes: no 40 ms stalls

        def log_message(self, format: str, *args: object) -> None:  # quiet: tests read stdout
            pass

        # -- responses ---------------------------------------------------------------------
        def _send(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
            payload = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def _send_faulty(self, fault: Fault, body: object) -> None:
            payload = json.dumps(body, ensure_ascii=False).encode()
            half = payload[: len(payload) // 2]
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            if fault.reset:  # promise the whole body, deliver half, hang up
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(half)
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
            else:  # malformed: a complete HTTP answer whose JSON is cut short
                self.send_header("Content-Length", str(len(half)))
                self.end_headers()
                self.wfile.write(half)

        def _read_json(self) -> object:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                return json.loads(self.rfile.read(length) or b"null")
            except json.JSONDecodeError as exc:
                raise BadRequest(f"invalid JSON: {exc}") from exc

        # -- API -----------------------------------------------------------------------------
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path.startswith("/_admin/"):
                return self._admin("GET", url.path)
            pilot, _, resource = url.path.lstrip("/").partition("/")
            fault = faults.take(pilot, url.path)
            if fault and fault.delay:
                time.sleep(fault.delay)
            elif fault and fault.status:
                extra = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
                return self._send(fault.status, {"errore": "errore simulato"}, extra)
            system = pilots.systems.get(pilot)
            entity = _entity_of(system, "/" + resource) if system else None
            if system is None or entity is None or system.vocabulary.api is None:
                return self._send(HTTPStatus.NOT_FOUND, {"errore": "risorsa sconosciuta"})
            if self.headers.get("Authorization") != f"Bearer {token}":
                return self._send(
                    HTTPStatus.UNAUTHORIZED,
                    {"errore": "token mancante o non valido"},
                    {"WWW-Authenticate": "Bearer"},
                )
            if buckets is not None:
                wait = buckets.wait_needed(self.headers.get("Authorization", "") + self.client_address[0])
                if wait > 0:
                    return self._send(
                        HTTPStatus.TOO_MANY_REQUESTS,
                        {"errore": "troppe richieste"},
                        {"Retry-After": str(math.ceil(wait))},
                    )
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            try:
                body = api_body(system, entity, system.vocabulary.api, query)
            except BadRequest as exc:
                return self._send(HTTPStatus.BAD_REQUEST, {"errore": str(exc)})
            if fault and (fault.reset or fault.malformed):
                return self._send_faulty(fault, body)
            return self._send(HTTPStatus.OK, body)

        def do_POST(self) -> None:
            self._admin("POST", urlsplit(self.path).path)

        def do_DELETE(self) -> None:
            self._admin("DELETE", urlsplit(self.path).path)

        # -- admin ---------------------------------------------------------------------------
        def _admin(self, method: str, path: str) -> None:
            if self.client_address[0] not in LOOPBACK:
                return self._send(
                    HTTPStatus.FORBIDDEN, {"error": "admin endpoints answer loopback clients only"}
                )
            parts = path.strip("/").split("/")[1:]
            try:
                if parts == ["faults"]:
                    return self._faults(method)
                if len(parts) < 2 or parts[0] not in pilots.systems:
                    return self._send(HTTPStatus.NOT_FOUND, {"error": f"unknown admin path {path}"})
                system = pilots.systems[parts[0]]
                if method == "GET" and len(parts) == 3 and parts[2] == "ids":
                    return self._stream_ids(system, parts[1])
                if method == "GET" and parts[1:] == ["counts"]:
                    return self._send(HTTPStatus.OK, {e: system.count(e) for e in system.states})
                if method == "POST" and parts[1:] == ["reset"]:
                    pilots.reset(parts[0])
                    return self._send(HTTPStatus.OK, {"reset": parts[0]})
                if method == "POST" and parts[1:] in (["touch"], ["append"]):
                    spec = self._read_json()
                    if not isinstance(spec, dict):
                        raise BadRequest('expected {"entity": ..., "count": n}')
                    change = system.touch if parts[1] == "touch" else system.append
                    ids = change(str(spec.get("entity")), int(spec.get("count", 1)))
                    return self._send(HTTPStatus.OK, {"entity": spec.get("entity"), parts[1] + "ed": ids})
            except (BadRequest, ValueError, TypeError) as exc:
                return self._send(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
            return self._send(HTTPStatus.NOT_FOUND, {"error": f"unknown admin path {method} {path}"})

        def _faults(self, method: str) -> None:
            if method == "POST":
                spec = self._read_json()
                specs = spec.get("faults") if isinstance(spec, dict) else spec
                if not isinstance(specs, list) or not all(isinstance(s, dict) for s in specs):
                    raise BadRequest("expected a list of faults")
                faults.add(specs)
            elif method == "DELETE":
                faults.clear()
            return self._send(HTTPStatus.OK, {"pending": faults.pending()})

        def _stream_ids(self, system: PilotSystem, entity: str) -> None:
            if entity not in system.states:
                raise BadRequest(f"unknown record type {entity!r}")
            id_name = system.vocabulary.entities[entity].id_source_name
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Connection", "close")  # the body ends when the connection does
            self.end_headers()
            self.close_connection = True
            batch: list[str] = []
            for rec in system.records(entity):
                batch.append(f"{rec.record[id_name]}\t{record_hash(rec.record)}\n")
                if len(batch) >= 1000:
                    self.wfile.write("".join(batch).encode())
                    batch.clear()
            self.wfile.write("".join(batch).encode())

    return Handler


def _entity_of(system: PilotSystem, resource: str) -> str | None:
    return next((e for e, v in system.vocabulary.entities.items() if v.resource == resource), None)

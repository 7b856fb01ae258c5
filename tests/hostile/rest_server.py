"""A small threaded HTTP server on 127.0.0.1 that answers whatever a hostile-input case tells it
to: every case registers the pages of its own path prefix (`/<case>/api/v1/partecipanti`) and
the server answers each request with what the case's responder returns for the query, recording
every request (path, query, Authorization header) so the case can check the request shape.

Real HTTP, real sockets: the pipeline's REST channel talks to it exactly as to a pilot's API.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from pilot_systems.ports import free_port

if TYPE_CHECKING:
    from collections.abc import Callable

JSON = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: str = JSON


@dataclass(frozen=True)
class Request:
    path: str
    query: dict[str, str]
    authorization: str | None


def as_json(value: Any, status: int = 200) -> Answer:
    """`value` as JSON text; non-ASCII as \\u escapes, so lone surrogates and NUL travel as sent."""
    return Answer(status, json.dumps(value, ensure_ascii=True).encode("ascii"))


class HostileApi:
    """The server; `serve(case, path, responder)` registers a case's resource, returns its base URL."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.port = free_port()
        self.routes: dict[str, Callable[[dict[str, str]], Answer]] = {}
        self.requests: dict[str, list[Request]] = defaultdict(list)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="hostile-api", daemon=True)

    def start(self) -> HostileApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def serve(self, case: str, path: str, responder: Callable[[dict[str, str]], Answer]) -> str:
        with self._lock:
            self.routes[f"/{case}{path}"] = responder
        return f"http://127.0.0.1:{self.port}/{case}"

    def requests_of(self, case: str) -> list[Request]:
        with self._lock:
            return list(self.requests[case])

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
                authorization = self.headers.get("Authorization")
                case = url.path.strip("/").split("/", 1)[0]
                with api._lock:
                    api.requests[case].append(Request(url.path, query, authorization))
                    responder = api.routes.get(url.path)
                if responder is None:
                    answer = as_json({"errore": "risorsa sconosciuta"}, 404)
                elif authorization != f"Bearer {api.token}":
                    answer = as_json({"errore": "token mancante o non valido"}, 401)
                else:
                    answer = responder(query)
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

        return Handler

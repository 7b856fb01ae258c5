"""A simulated REST pilot server on a free loopback port, shared by the HTTP tests of a module."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
import requests

from pilot_systems.ports import free_port
from pilot_systems.rest_api import make_server

if TYPE_CHECKING:
    from collections.abc import Iterator
    from http.server import ThreadingHTTPServer

TOKEN = "test-token"
SIZE, SEED, DEFECT_RATE = 1200, 11, 0.08


@dataclass
class Server:
    url: str
    session: requests.Session

    def get(self, path: str, **params: object) -> requests.Response:
        return self.session.get(self.url + path, params=params, timeout=10)

    def admin(self, method: str, path: str, body: object = None) -> requests.Response:
        return requests.request(method, f"{self.url}/_admin/{path}", json=body, timeout=10)


def start(**options: object) -> tuple[ThreadingHTTPServer, threading.Thread]:
    server = make_server(free_port(), SIZE, SEED, TOKEN, DEFECT_RATE, **options)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture
def server() -> Iterator[Server]:
    """A fresh server per test: touches, appends and faults of one test never leak into another."""
    httpd, thread = start()
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {TOKEN}"
        yield Server(f"http://127.0.0.1:{httpd.server_port}", session)
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)

"""The REST API of a simulated pilot system (the TdZ case-management system and its kin).

    GET /api/v1/progetti                                        operations
    GET /api/v1/partecipanti?pagina=1&dimensione=500&aggiornati_dal=2024-01-01T00:00:00+00:00

Bearer-token auth, page pagination ordered by `aggiornato_il`, JSON with Italian field names.
Served with the standard library's threading HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import math
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from pilot_systems.catalogue import OPERATIONS, operation_records
from pilot_systems.population import PilotPopulation

MAX_PAGE_SIZE = 5000


class PilotApi:
    def __init__(self, pilot: str, size: int, seed: int, token: str, defect_rate: float) -> None:
        self.pilot, self.token = pilot, token
        self.population = PilotPopulation(pilot, OPERATIONS[pilot], size, seed, defect_rate)

    def participants_page(self, page: int, page_size: int, since: datetime | None) -> dict[str, object]:
        first = self.population.first_record_updated_after(since) if since else 0
        total = self.population.size - first
        start = first + (page - 1) * page_size
        records = (
            [e.record for e in self.population.enrolments(start, start + page_size)] if page >= 1 else []
        )
        return {
            "dati": records,
            "pagina": page,
            "dimensione": page_size,
            "totale": total,
            "pagine_totali": max(1, math.ceil(total / page_size)),
        }


def make_handler(apis: dict[str, PilotApi]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "PilotSystem/1.0"

        def log_message(self, format: str, *args: object) -> None:  # quiet: tests read stdout
            pass

        def _send(self, status: int, body: object) -> None:
            payload = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            parts = url.path.strip("/").split("/")  # <pilot>/api/v1/<resource>
            if len(parts) != 4 or parts[0] not in apis or parts[1:3] != ["api", "v1"]:
                return self._send(HTTPStatus.NOT_FOUND, {"errore": "risorsa sconosciuta"})
            api = apis[parts[0]]
            if self.headers.get("Authorization") != f"Bearer {api.token}":
                return self._send(HTTPStatus.UNAUTHORIZED, {"errore": "token mancante o non valido"})
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            try:
                if parts[3] == "progetti":
                    return self._send(
                        HTTPStatus.OK, {"dati": operation_records(api.pilot), "pagina": 1, "pagine_totali": 1}
                    )
                if parts[3] == "partecipanti":
                    page = int(query.get("pagina", 1))
                    size = min(int(query.get("dimensione", 500)), MAX_PAGE_SIZE)
                    since = (
                        datetime.fromisoformat(query["aggiornati_dal"]) if "aggiornati_dal" in query else None
                    )
                    return self._send(HTTPStatus.OK, api.participants_page(page, size, since))
            except ValueError as exc:
                return self._send(HTTPStatus.BAD_REQUEST, {"errore": str(exc)})
            return self._send(HTTPStatus.NOT_FOUND, {"errore": "risorsa sconosciuta"})

    return Handler


def serve(port: int, size: int, seed: int, token: str, defect_rate: float, host: str = "127.0.0.1") -> None:
    apis = {pilot: PilotApi(pilot, size, seed, token, defect_rate) for pilot in OPERATIONS}
    server = ThreadingHTTPServer((host, port), make_handler(apis))
    print(f"simulated pilot systems on http://{host}:{server.server_port}/<pilot>/api/v1/", flush=True)
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=8801)
    parser.add_argument("--size", type=int, default=500, help="participant records per pilot")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--token", required=True, help="bearer token the API expects")
    parser.add_argument("--defect-rate", type=float, default=0.03)
    args = parser.parse_args()
    serve(args.port, args.size, args.seed, args.token, args.defect_rate)


if __name__ == "__main__":
    main()

"""The simulated REST pilot systems, all in one process on 127.0.0.1, under /<pilot>/...

    python -m pilot_systems.rest_api --port 8801 --size 500 --seed 2021 --token T --defect-rate 0.03
        [--pilots tdz_corviale,cmrc_col] [--defects bad_tax_code,duplicate] [--today 2026-11-20]
        [--rate-limit 20 --burst 40]

TdZ pilots (tdz_corviale, tdz_tor_bella_monaca): /<pilot>/api/v1/{progetti,partecipanti,esiti,
enti_sostenuti,spese}, page pagination (pagina, dimensione, aggiornati_dal). COL (cmrc_col):
/cmrc_col/api/v2/{progetti,iscrizioni,esiti,soggettiSostenuti,spese}, cursor pagination (cursore,
limite, aggiornatiDopo). Admin endpoints and faults: see pilot_systems/server/handler.py.
"""

from __future__ import annotations

import argparse
from datetime import date
from functools import partial
from http.server import ThreadingHTTPServer

from pilot_systems.generators.base import DEFAULT_TODAY
from pilot_systems.server.faults import FaultPlan
from pilot_systems.server.handler import MAX_PAGE_SIZE, Pilots, make_handler
from pilot_systems.server.rate_limit import TokenBuckets
from pilot_systems.system import PilotSystem
from pilot_systems.vocabularies import REST_PILOTS

__all__ = ["MAX_PAGE_SIZE", "make_server", "serve"]


def make_server(
    port: int,
    size: int,
    seed: int,
    token: str,
    defect_rate: float,
    host: str = "127.0.0.1",
    pilots: list[str] | None = None,
    defects: list[str] | None = None,
    today: date = DEFAULT_TODAY,
    rate_limit: float = 0.0,
    burst: int = 10,
) -> ThreadingHTTPServer:
    factory = partial(_system, size=size, seed=seed, defect_rate=defect_rate, defects=defects, today=today)
    served = Pilots(factory, list(pilots or REST_PILOTS))
    buckets = TokenBuckets(rate_limit, burst) if rate_limit > 0 else None
    server = ThreadingHTTPServer((host, port), make_handler(served, token, FaultPlan(), buckets))
    server.daemon_threads = True
    return server


def _system(pilot: str, **kwargs: object) -> PilotSystem:
    return PilotSystem(pilot, **kwargs)  # type: ignore[arg-type]


def serve(
    port: int, size: int, seed: int, token: str, defect_rate: float, host: str = "127.0.0.1", **kw: object
) -> None:
    server = make_server(port, size, seed, token, defect_rate, host, **kw)  # type: ignore[arg-type]
    print(f"simulated pilot systems on http://{host}:{server.server_port}/<pilot>/api/", flush=True)
    server.serve_forever()


def _csv(text: str | None) -> list[str] | None:
    return [part.strip() for part in text.split(",") if part.strip()] if text else None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=8801)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (a container: 0.0.0.0)")
    parser.add_argument("--size", type=int, default=500, help="participant enrolments per pilot")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--token", required=True, help="bearer token the API expects")
    parser.add_argument("--defect-rate", type=float, default=0.03, help="share of records with a defect")
    parser.add_argument("--defects", help="comma-separated defect kinds to inject (default: all)")
    parser.add_argument(
        "--pilots", help=f"comma-separated pilots to serve (default: {','.join(REST_PILOTS)})"
    )
    parser.add_argument("--today", type=date.fromisoformat, default=DEFAULT_TODAY, help="the systems' today")
    parser.add_argument("--rate-limit", type=float, default=0.0, help="requests/s per client (0: off)")
    parser.add_argument("--burst", type=int, default=10, help="token-bucket size with --rate-limit")
    args = parser.parse_args()
    pilots = _csv(args.pilots)
    unknown = set(pilots or ()) - set(REST_PILOTS)
    if unknown:
        parser.error(f"not REST pilots: {sorted(unknown)} (REST pilots: {', '.join(REST_PILOTS)})")
    serve(
        args.port,
        args.size,
        args.seed,
        args.token,
        args.defect_rate,
        args.host,
        pilots=pilots,
        defects=_csv(args.defects),
        today=args.today,
        rate_limit=args.rate_limit,
        burst=args.burst,
    )


if __name__ == "__main__":
    main()

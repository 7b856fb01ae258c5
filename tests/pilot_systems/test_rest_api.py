"""The REST pilots over real HTTP on loopback: auth, pagination, filters, changes, rate limit, faults."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests

from pilot_systems.ports import free_port, wait_for_port
from pilot_systems.system import PilotSystem
from tests.pilot_systems.conftest import DEFECT_RATE, SEED, SIZE, TOKEN, start

if TYPE_CHECKING:
    from tests.pilot_systems.conftest import Server

REPO = Path(__file__).resolve().parents[2]
TDZ = "/tdz_corviale/api/v1"
COL = "/cmrc_col/api/v2"


def source(pilot: str) -> PilotSystem:
    return PilotSystem(pilot, SIZE, SEED, DEFECT_RATE)


def all_pages(server: Server, path: str, size: int, **params: object) -> list[dict]:
    records, page = [], 1
    while True:
        body = server.get(path, pagina=page, dimensione=size, **params).json()
        records += body["dati"]
        if page >= body["pagine_totali"]:
            return records
        page += 1


def all_cursor_pages(server: Server, path: str, limit: int, **params: object) -> list[dict]:
    records, cursor = [], None
    while True:
        query = {"limite": limit, **params, **({"cursore": cursor} if cursor else {})}
        body = server.get(path, **query).json()
        records += body["risultati"]
        cursor = body["cursoreSuccessivo"]
        if cursor is None:
            return records


def test_a_token_is_needed(server: Server) -> None:
    assert requests.get(server.url + TDZ + "/partecipanti", timeout=5).status_code == 401
    bad = requests.get(server.url + TDZ + "/partecipanti", headers={"Authorization": "Bearer x"}, timeout=5)
    assert bad.status_code == 401
    assert server.get(TDZ + "/partecipanti").status_code == 200
    assert server.get("/tdz_corviale/api/v1/sconosciuta").status_code == 404


@pytest.mark.parametrize("resource", ["progetti", "partecipanti", "esiti", "enti_sostenuti", "spese"])
def test_pages_return_every_record_exactly_once(server: Server, resource: str) -> None:
    entity = {
        "progetti": "operations",
        "partecipanti": "participant_enrolments",
        "esiti": "result_events",
        "enti_sostenuti": "supported_entities",
        "spese": "expenditures",
    }[resource]
    served = all_pages(server, f"{TDZ}/{resource}", 97)
    assert served == [r.record for r in source("tdz_corviale").records(entity)]
    first = server.get(f"{TDZ}/{resource}", pagina=1, dimensione=97).json()
    assert first["totale"] == len(served)
    assert first["dimensione"] == 97
    assert first["pagina"] == 1


@pytest.mark.parametrize("resource", ["progetti", "iscrizioni", "esiti", "soggettiSostenuti", "spese"])
def test_cursor_pages_return_every_record_exactly_once(server: Server, resource: str) -> None:
    entity = {
        "progetti": "operations",
        "iscrizioni": "participant_enrolments",
        "esiti": "result_events",
        "soggettiSostenuti": "supported_entities",
        "spese": "expenditures",
    }[resource]
    expected = [r.record for r in source("cmrc_col").records(entity)]
    assert all_cursor_pages(server, f"{COL}/{resource}", 89) == expected
    # a page boundary between a record and its duplicate loses neither
    assert all_cursor_pages(server, f"{COL}/{resource}", 1) == expected if len(expected) < 400 else True


def test_records_come_in_updated_at_then_id_order(server: Server) -> None:
    served = all_cursor_pages(server, f"{COL}/iscrizioni", 500)
    keys = [(r["ultimoAggiornamento"], r["idIscrizione"]) for r in served]
    assert keys == sorted(keys)


def test_updated_since_filters_both_dialects(server: Server) -> None:
    tdz = [r.record for r in source("tdz_corviale").records("participant_enrolments")]
    since = tdz[700]["aggiornato_il"]
    later = all_pages(server, f"{TDZ}/partecipanti", 100, aggiornati_dal=since)
    assert later == [r for r in tdz if r["aggiornato_il"] > since]
    assert 0 < len(later) < len(tdz)
    col = [r.record for r in source("cmrc_col").records("participant_enrolments")]
    since = col[300]["ultimoAggiornamento"]
    later = all_cursor_pages(server, f"{COL}/iscrizioni", 100, aggiornatiDopo=since)
    assert later == [r for r in col if r["ultimoAggiornamento"] > since]
    assert 0 < len(later) < len(col)


def test_bad_parameters_are_refused(server: Server) -> None:
    assert server.get(f"{TDZ}/partecipanti", pagina=0).status_code == 400
    assert server.get(f"{TDZ}/partecipanti", dimensione=100_000).status_code == 400
    assert server.get(f"{COL}/iscrizioni", cursore="not-a-cursor").status_code == 400
    assert server.get(f"{TDZ}/partecipanti", aggiornati_dal="ieri").status_code == 400


def test_touched_and_appended_records_move_to_the_end_and_match_the_python_api(server: Server) -> None:
    entity = "participant_enrolments"
    body = server.get(f"{COL}/iscrizioni", limite=500).json()
    seen = body["risultati"]
    touched = server.admin("POST", "cmrc_col/touch", {"entity": entity, "count": 3}).json()["touched"]
    appended = server.admin("POST", "cmrc_col/append", {"entity": entity, "count": 4}).json()["appended"]
    seen += all_cursor_pages(server, f"{COL}/iscrizioni", 500, cursore=body["cursoreSuccessivo"])
    tail = seen[-7:]
    assert [r["idIscrizione"] for r in tail] == touched + appended
    assert all(r["dataUscita"] for r in tail[:3])  # still-in participants left
    assert all(
        r["dataUscita"] is None and r["ultimoAggiornamento"] > seen[-8]["ultimoAggiornamento"]
        for r in tail[3:]
    )
    # the same changes on a local copy give the same state, line for line
    local = source("cmrc_col")
    assert local.touch(entity, 3) == touched
    assert local.append(entity, 4) == appended
    lines = server.admin("GET", f"cmrc_col/{entity}/ids").text.splitlines()
    assert lines == [f"{i}\t{h}" for i, h in local.ids(entity)]
    assert len(lines) == SIZE + 4
    assert server.admin("GET", "cmrc_col/counts").json()[entity] == SIZE + 4


def test_records_appended_during_page_pagination_show_up_at_the_end(server: Server) -> None:
    first = server.get(f"{TDZ}/esiti", pagina=1, dimensione=500).json()
    server.admin("POST", "tdz_corviale/append", {"entity": "result_events", "count": 2})
    rest = all_pages(server, f"{TDZ}/esiti", 500)[500:]
    assert len(first["dati"]) + len(rest) == first["totale"] + 2
    assert server.admin("POST", "tdz_corviale/reset").status_code == 200
    assert server.get(f"{TDZ}/esiti", dimensione=500).json()["totale"] == first["totale"]


def test_admin_refuses_bad_requests(server: Server) -> None:
    assert server.admin("POST", "cmrc_col/append", {"entity": "operations", "count": 1}).status_code == 400
    assert server.admin("POST", "cmrc_col/touch", {"entity": "nothing", "count": 1}).status_code == 400
    assert server.admin("POST", "faults", [{"status": 500, "delay": 1}]).status_code == 400


def test_rate_limit_answers_429_with_retry_after() -> None:
    httpd, thread = start(rate_limit=1, burst=2)
    url = f"http://127.0.0.1:{httpd.server_port}{TDZ}/progetti"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        statuses = [requests.get(url, headers=headers, timeout=5) for _ in range(3)]
        assert [r.status_code for r in statuses] == [200, 200, 429]
        assert int(statuses[-1].headers["Retry-After"]) >= 1
        time.sleep(1.1)
        assert requests.get(url, headers=headers, timeout=5).status_code == 200
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_status_faults_then_recovery(server: Server) -> None:
    server.admin(
        "POST",
        "faults",
        [
            {"status": 500, "count": 3},
            {"status": 503, "count": 2},
            {"status": 429, "retry_after": 1, "count": 1},
        ],
    )
    statuses = [server.get(f"{TDZ}/partecipanti") for _ in range(7)]
    assert [r.status_code for r in statuses] == [500, 500, 500, 503, 503, 429, 200]
    assert statuses[5].headers["Retry-After"] == "1"
    assert server.admin("GET", "faults").json()["pending"] == []


def test_faults_can_be_scoped_by_pilot_and_path(server: Server) -> None:
    server.admin("POST", "faults", {"faults": [{"status": 500, "pilot": "cmrc_col", "path": "/esiti"}]})
    assert server.get(f"{TDZ}/esiti").status_code == 200
    assert server.get(f"{COL}/iscrizioni").status_code == 200
    assert server.get(f"{COL}/esiti").status_code == 500
    assert server.get(f"{COL}/esiti").status_code == 200


def test_delay_fault_trips_a_read_timeout(server: Server) -> None:
    server.admin("POST", "faults", [{"delay": 2, "count": 1}])
    with pytest.raises(requests.exceptions.ReadTimeout):
        server.session.get(server.url + f"{TDZ}/partecipanti", timeout=(2, 0.5))
    assert server.get(f"{TDZ}/partecipanti").status_code == 200


def test_reset_fault_cuts_the_body(server: Server) -> None:
    server.admin("POST", "faults", [{"reset": True, "count": 1}])
    with pytest.raises((requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)):
        server.get(f"{TDZ}/partecipanti").json()
    assert server.get(f"{TDZ}/partecipanti").status_code == 200


def test_malformed_fault_sends_truncated_json(server: Server) -> None:
    server.admin("POST", "faults", [{"malformed": True, "count": 1}])
    response = server.get(f"{COL}/iscrizioni")
    assert response.status_code == 200
    with pytest.raises(requests.exceptions.JSONDecodeError):
        response.json()
    assert server.get(f"{COL}/iscrizioni").json()["risultati"]


def test_the_cli_still_starts_with_the_original_flags() -> None:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pilot_systems.rest_api",
            "--port",
            str(port),
            "--size",
            "40",
            "--seed",
            "7",
            "--token",
            TOKEN,
            "--defect-rate",
            "0.1",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(port)
        body = requests.get(
            f"http://127.0.0.1:{port}{TDZ}/partecipanti",
            timeout=5,
            headers={"Authorization": f"Bearer {TOKEN}"},
        ).json()
        expected = PilotSystem("tdz_corviale", 40, 7, 0.1).records("participant_enrolments")
        assert body["dati"] == [r.record for r in expected]
    finally:
        proc.terminate()
        proc.wait(10)

"""Validation keys what analysts could otherwise confirm or enumerate (issue 24 point 8), on the real
GX suite: every valid record carries the keyed hash of the record as sent and, for a supported
entity, the keyed partita IVA; no quarantine reason repeats a partita IVA. Expected values are
computed here with hashlib and hmac."""

import hashlib
import hmac
import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from stdnum.it import iva

from osservatorio.registry import load_registry
from osservatorio.validate.batch import validate_batch

pytestmark = pytest.mark.integration
PILOT = replace(load_registry()["tdz_corviale"], max_bad_row_share=1.0)
AS_OF = date(2026, 6, 30)
KEY = "test-key-" + "x" * 32
VAT = "12345670587"  # a valid partita IVA: company 1234567, office 058 (Rome), check digit 7
GOOD = {
    "id_sostegno": "S1",
    "codice_progetto": "P1",
    "partita_iva": VAT,
    "ragione_sociale": "Cooperativa Città Aperta",
    "tipologia": "cooperativa",
    "comune_istat": "058091",
    "data_inizio": "2024-02-01",
    "aggiornato_il": "2026-06-01T10:00:00+00:00",
}


def keyed(message: bytes) -> str:
    return hmac.new(KEY.encode(), message, hashlib.sha256).hexdigest()


def run(tmp_path: Path, records: list[dict]) -> tuple[list[dict], list[dict]]:
    path = tmp_path / "supported_entities.source.jsonl"
    path.write_text(
        "".join(json.dumps({"source": f"page 1 #{i}", "record": r}) + "\n" for i, r in enumerate(records))
    )
    summary = validate_batch(PILOT, "supported_entities", path, KEY, AS_OF)
    read = lambda name: [json.loads(line) for line in Path(name).read_text().splitlines()]  # noqa: E731
    return read(summary.valid_path), read(summary.quarantine_path)


def test_the_fixture_is_a_valid_partita_iva() -> None:
    assert iva.is_valid(VAT)


def test_a_valid_record_carries_its_keyed_hash_and_entity_key(tmp_path: Path) -> None:
    [valid], [] = run(tmp_path, [GOOD])
    sent = json.dumps(GOOD, sort_keys=True, ensure_ascii=False).encode()
    assert valid["hash"] == hashlib.sha256(sent).hexdigest()  # the plain one, for the pipeline
    assert valid["hmac"] == keyed(b"record:" + sent)
    assert valid["record"]["entity_key"] == keyed(b"entity:" + VAT.encode())


@pytest.mark.parametrize("vat", ["12345670588", "1234567058", "I2345670587"])
def test_a_quarantine_reason_never_repeats_the_partita_iva(tmp_path: Path, vat: str) -> None:
    [], [entry] = run(tmp_path, [GOOD | {"partita_iva": vat}])
    assert entry["failed_rules"]  # quarantined for its partita IVA
    assert "partita IVA" in entry["reason"]
    assert vat not in entry["reason"]
    assert vat[:10] not in entry["reason"]
    sent = json.dumps(GOOD | {"partita_iva": vat}, sort_keys=True, ensure_ascii=False).encode()
    assert entry["hmac"] == keyed(b"record:" + sent)

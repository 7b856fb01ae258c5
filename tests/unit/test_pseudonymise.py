import hashlib
import hmac

import pytest

from osservatorio.envelope import record_hash
from osservatorio.privacy.pseudonymise import entity_key, main, person_key, record_hmac

KEY = "k" * 32


def test_same_person_same_key_whatever_the_spelling() -> None:
    assert person_key("RCCMNL83S18D969H", KEY) == person_key(" rccmnl83s18d969h ", KEY)


def test_key_depends_on_the_secret() -> None:
    assert person_key("RCCMNL83S18D969H", KEY) != person_key("RCCMNL83S18D969H", "x" * 32)


def test_key_reveals_nothing_of_the_tax_code() -> None:
    key = person_key("RCCMNL83S18D969H", KEY)
    assert len(key) == 64
    assert "RCC" not in key.upper()


def test_short_secret_refused() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        person_key("RCCMNL83S18D969H", "short")


# --- keyed hashes of what analysts could otherwise confirm or enumerate (issue 24 point 8) ---------
# Expected values computed here with hmac/hashlib, from the bytes the docs name.


def test_entity_key_is_the_hmac_of_the_prefixed_partita_iva() -> None:
    expected = hmac.new(KEY.encode(), b"entity:01234567890", hashlib.sha256).hexdigest()
    assert entity_key("01234567890", KEY) == entity_key(" 0123456 7890 ", KEY) == expected
    assert expected != hashlib.md5(b"01234567890").hexdigest()
    assert entity_key("01234567890", KEY) != entity_key("01234567890", "x" * 32)


def test_an_entity_and_a_person_with_the_same_code_get_different_keys() -> None:
    """A company's 11-digit codice fiscale is its partita IVA; people can have one too (temporary)."""
    assert entity_key("01234567890", KEY) != person_key("01234567890", KEY)


def test_record_hmac_is_keyed_over_the_record_as_sent_with_sorted_keys() -> None:
    record = {"codice_fiscale": "RCCMNL83S18D969H", "città": "Roma", "a": 1}
    sent = b'record:{"a": 1, "citt\xc3\xa0": "Roma", "codice_fiscale": "RCCMNL83S18D969H"}'
    assert record_hmac(record, KEY) == hmac.new(KEY.encode(), sent, hashlib.sha256).hexdigest()
    assert record_hmac(record, KEY) != record_hash(record)
    assert record_hmac(record, KEY) != record_hmac(record, "x" * 32)
    assert record_hmac(dict(reversed(record.items())), KEY) == record_hmac(record, KEY)


def test_the_auditor_command_recomputes_the_keyed_values(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_OSSERVATORIO_PSEUDONYMISATION_KEY", KEY)
    assert main(["--record", '{"b": 2, "a": "x"}']) == 0
    assert main(["--vat", "01234567890"]) == 0
    out = capsys.readouterr().out.split()
    assert out == [
        hmac.new(KEY.encode(), b'record:{"a": "x", "b": 2}', hashlib.sha256).hexdigest(),
        hmac.new(KEY.encode(), b"entity:01234567890", hashlib.sha256).hexdigest(),
    ]
    monkeypatch.delenv("AIRFLOW_VAR_OSSERVATORIO_PSEUDONYMISATION_KEY")
    assert main(["--vat", "01234567890"]) == 2

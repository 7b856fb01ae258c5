import pytest

from osservatorio.privacy.pseudonymise import person_key

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

from pathlib import Path

import pytest
import yaml

from osservatorio.registry import REGISTRY_FILE, RegistryError, load_registry


def test_registry_lists_the_pilots_with_their_mapping() -> None:
    pilots = load_registry()
    corviale = pilots["tdz_corviale"]
    assert corviale.channel == "rest_api"
    assert corviale.comuni == ("058091",)
    assert corviale.entities["participant_enrolments"].fields["tax_code"] == "codice_fiscale"
    # YAML 1.1 would read an unquoted `no` as False: the value maps must stay strings.
    assert corviale.entities["participant_enrolments"].values["disability"]["no"] == "no"


def test_unknown_channel_is_named(tmp_path: Path) -> None:
    raw = yaml.safe_load(REGISTRY_FILE.read_text())
    raw["pilots"]["tdz_corviale"]["channel"] = "carrier_pigeon"
    path = tmp_path / "pilots.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(RegistryError, match="tdz_corviale: unknown channel 'carrier_pigeon'"):
        load_registry(path)


def test_missing_key_is_named(tmp_path: Path) -> None:
    raw = yaml.safe_load(REGISTRY_FILE.read_text())
    del raw["pilots"]["tdz_corviale"]["connection_id"]
    path = tmp_path / "pilots.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(RegistryError, match="tdz_corviale: missing key 'connection_id'"):
        load_registry(path)

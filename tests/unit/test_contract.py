from osservatorio.contract import record_type
from osservatorio.contract.render_docs import RECORD_TYPES, render
from osservatorio.land.warehouse import RECORD_TYPES as LANDED_TYPES
from osservatorio.paths import REPO_ROOT
from osservatorio.registry import load_registry


def test_documentation_is_generated_from_the_schemas() -> None:
    committed = (REPO_ROOT / "docs" / "data-contract.md").read_text(encoding="utf-8")
    assert committed == render(), "run: python -m osservatorio.contract.render_docs > docs/data-contract.md"


def test_every_record_type_has_a_landing_table_and_a_suite() -> None:
    assert set(RECORD_TYPES) == set(LANDED_TYPES)
    for name in RECORD_TYPES:
        assert (REPO_ROOT / "expectations" / f"{name}.json").exists()
        assert record_type(name).fields[0].name.endswith("_id")  # the record's own id comes first


def test_registry_maps_only_contract_fields() -> None:
    for pilot in load_registry().values():
        for entity, source in pilot.entities.items():
            contract = set(record_type(entity).field_names)
            assert set(source.fields) <= contract, (pilot.pilot_id, entity, set(source.fields) - contract)
            assert set(source.values) <= set(source.fields), (pilot.pilot_id, entity)

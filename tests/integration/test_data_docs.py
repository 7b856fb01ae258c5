"""Data Docs: one page per validated batch (chunks folded into one result), refused batches
included, an index of every batch so far, and no codice fiscale on any page."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from osservatorio.validate.batch import BatchRejected, validate_batch
from osservatorio.validate.data_docs import publish_batch_result
from osservatorio.validate.suite import load_suite_definition
from tests.integration.test_validate_batch import AS_OF, GOOD, KEY, PILOT, write_batch

if TYPE_CHECKING:
    from pathlib import Path

    from great_expectations.core import ExpectationSuiteValidationResult

ENTITY = "participant_enrolments"
BAD_CF = "RCCMNL83S18D969A"  # fails its check character


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OSSERVATORIO_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("OSSERVATORIO_DATA_DOCS_DIR", raising=False)
    return tmp_path / "state"


def records(stamp: str = "2026-06-01T00:00:00Z") -> list[dict]:
    rows = [
        GOOD
        | {"id_iscrizione": f"E{i}", "codice_progetto": f"P-{i}", "aggiornato_il": stamp}
        | ({"sesso": "Q"} if i % 8 == 0 else {})
        | ({"sesso": None} if i % 5 == 2 else {})  # incomplete: lands, counted as missing
        for i in range(23)
    ]
    return [*rows, GOOD | {"id_iscrizione": "X", "codice_fiscale": BAD_CF, "aggiornato_il": stamp}]


def validated(tmp_path: Path, rows: list[dict], chunk_size: int) -> ExpectationSuiteValidationResult:
    results: list[ExpectationSuiteValidationResult] = []
    folder = tmp_path / f"chunks_{chunk_size}"
    folder.mkdir()
    validate_batch(PILOT, ENTITY, write_batch(folder, rows), KEY, AS_OF, chunk_size, publish=results.append)
    [result] = results
    return result


def by_rule(result: ExpectationSuiteValidationResult) -> dict[str, tuple[bool, dict]]:
    return {r.expectation_config.meta["rule"]: (r.success, r.result) for r in result.results}


def test_chunk_results_fold_into_the_result_of_the_whole_batch(tmp_path: Path) -> None:
    folded = by_rule(validated(tmp_path, records(), chunk_size=5))
    whole = by_rule(validated(tmp_path, records(), chunk_size=1000))
    assert folded.keys() == whole.keys()
    for rule, (success, result) in whole.items():
        assert folded[rule][0] == success, rule
        for key in ("element_count", "missing_count", "unexpected_count", "observed_value"):
            assert folded[rule][1].get(key) == result.get(key), (rule, key)
    assert whole["gender_domain"][1]["unexpected_count"] == 3  # rows 0, 8 and 16
    assert whole["gender_domain"][1]["missing_count"] == 5  # rows 2, 7, 12, 17 and 22
    assert whole["batch_not_empty"][1]["observed_value"] == 24
    assert not whole["gender_domain"][0]
    assert not whole["tax_code_check_character"][0]


def test_each_batch_gets_a_page_and_a_line_in_the_index(tmp_path: Path, state: Path) -> None:
    pages = []
    for key, folder in (("20260628T000000", "a"), ("20260629T000000", "b")):
        (tmp_path / folder).mkdir()
        validate_batch(
            PILOT,
            ENTITY,
            write_batch(tmp_path / folder, records()),
            KEY,
            AS_OF,
            chunk_size=7,
            publish=lambda result, key=key: pages.append(
                publish_batch_result(result, load_suite_definition(ENTITY), PILOT.pilot_id, key)
            ),
        )
    index = (state / "data_docs" / "index.html").read_text()
    for page, key in zip(pages, ("20260628T000000", "20260629T000000"), strict=True):
        assert page.is_file()
        assert page.is_relative_to(state / "data_docs" / "validations" / ENTITY)
        assert f"tdz_corviale__{key}" in index
        html = page.read_text()
        assert "Failed" in html
        assert BAD_CF not in html
        assert GOOD["codice_fiscale"] not in html
    # The results are kept as JSON in the GX project, so the next run's index still lists them.
    stored = list((state / "gx" / "uncommitted" / "validations").rglob("*.json"))
    assert len(stored) == 2
    assert BAD_CF not in "".join(p.read_text() for p in stored)


def test_a_refused_batch_gets_its_page_with_the_reason(tmp_path: Path, state: Path) -> None:
    pages = []
    with pytest.raises(BatchRejected, match="batch_fresh"):
        validate_batch(
            PILOT,
            ENTITY,
            write_batch(tmp_path, records(stamp="2025-01-10T08:00:00Z")),
            KEY,
            AS_OF,
            chunk_size=7,
            publish=lambda result: pages.append(
                publish_batch_result(result, load_suite_definition(ENTITY), PILOT.pilot_id, "20260629T000000")
            ),
        )
    [page] = pages
    [stored] = (state / "gx" / "uncommitted" / "validations").rglob("*.json")
    result = json.loads(stored.read_text())
    assert result["success"] is False
    assert "batch_fresh" in result["meta"]["batch_spec"]["refused"]
    fresh = [r for r in result["results"] if r["expectation_config"]["meta"]["rule"] == "batch_fresh"]
    assert [r["success"] for r in fresh] == [False]
    assert fresh[0]["result"]["observed_value"].startswith("2025-01-10T08:00:00")
    assert "2025-01-10" in page.read_text()

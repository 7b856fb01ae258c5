"""Data Docs: values a pilot sent (bad values, file names, field names quoted by a refusal) are
text on the batch's page and in the index, never markup, and escaped once (readable as sent)."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import TYPE_CHECKING

import pytest

from osservatorio.validate.batch import BatchRejected, validate_batch
from osservatorio.validate.data_docs import BatchResultFold, publish_batch_result
from osservatorio.validate.suite import load_suite_definition
from tests.integration.test_validate_batch import AS_OF, GOOD, KEY, PILOT

if TYPE_CHECKING:
    from pathlib import Path

ENTITY = "participant_enrolments"
HOSTILE = [
    "<script>alert('xss-1')</script>",
    '"><img src=x onerror=alert("xss-2")>',
    "javascript:alert('xss-3')",
    "{{7*7}}${7*7}",
]
HOSTILE_FILE = '"><img src=x onerror=alert("xss-file")>.csv'
HOSTILE_FIELD = "<script>alert('xss-field')</script>"


class Page(HTMLParser):
    """What a browser would make of the page: elements, attributes, script code and text."""

    def __init__(self, source: str) -> None:
        super().__init__()  # (character references are turned into the characters they stand for)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False
        self.feed(source)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in_script else self.text).append(data)


def assert_inert(source: str, marker: str = "xss-") -> Page:
    page = Page(source)
    for tag, attrs in page.elements:  # (GX's own page has a logo image and onclick buttons)
        assert not (tag == "img" and attrs.get("src") == "x"), attrs
        for name, value in attrs.items():
            assert name != "onerror", (tag, attrs)
            assert marker not in (value or ""), (tag, name, value)
            assert not (value or "").lstrip().lower().startswith("javascript:"), (tag, name, value)
    # Pilot text may sit inside a script only as data of a JS string, never as code of its own.
    for code in page.scripts:
        assert "<script" not in code.lower(), code
        assert "<img" not in code.lower(), code
    return page


def assert_escaped_once(text: str) -> None:
    """Visible text holding an entity means it was escaped twice (the reader sees `&lt;`)."""
    for entity in ("&lt;", "&gt;", "&quot;", "&#x27;", "&amp;"):
        assert entity not in text, entity


def envelope(source: str, record: dict) -> str:
    return json.dumps({"source": source, "record": record}) + "\n"


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OSSERVATORIO_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("OSSERVATORIO_DATA_DOCS_DIR", raising=False)
    return tmp_path / "state"


def test_a_batch_of_hostile_values_renders_as_text(tmp_path: Path, state: Path) -> None:
    stamp = {"aggiornato_il": "2026-06-01T00:00:00Z"}
    good = [GOOD | stamp | {"id_iscrizione": f"E{i}", "codice_progetto": f"P-{i}"} for i in range(10)]
    bad = [
        GOOD
        | stamp
        | {
            "id_iscrizione": f"B{i}",
            "codice_progetto": f"B-{i}",
            "sesso": value,  # a sample of gender_domain
            "condizione_occupazionale": value,  # of labour_status_domain
            "comune_residenza": value,  # of residence_comune_format
            "data_uscita": value,  # quoted by the type error (typed_values)
        }
        for i, value in enumerate(HOSTILE)
    ]
    lines = [envelope(f"{HOSTILE_FILE}:{n + 2}", r) for n, r in enumerate([*good, *bad])]
    # The last chunk brings a field nobody mapped: the refusal quotes its name and its file.
    lines.append(envelope(f"{HOSTILE_FILE}:99", GOOD | stamp | {HOSTILE_FIELD: "x"}))
    extracted = tmp_path / f"{ENTITY}.source.jsonl"
    extracted.write_text("".join(lines))
    pages = []
    with pytest.raises(BatchRejected, match="unknown field"):
        validate_batch(
            PILOT,
            ENTITY,
            extracted,
            KEY,
            AS_OF,
            chunk_size=7,
            publish=lambda result: pages.append(
                publish_batch_result(result, load_suite_definition(ENTITY), PILOT.pilot_id, "20260629T000000")
            ),
        )
    [page] = pages
    html = page.read_text()
    text = " ".join(assert_inert(html).text)
    # Readable as sent (escaped exactly once), {{7*7}} left unevaluated by the templates.
    for value in [*HOSTILE, HOSTILE_FILE, HOSTILE_FIELD]:
        assert value in text, value
    assert_escaped_once(text)
    index = (state / "data_docs" / "index.html").read_text()
    assert_inert(index)
    assert "xss-file" in index  # the refusal is in the index's tooltip, as text


def test_observed_values_and_tracebacks_are_escaped_once(state: Path) -> None:
    """Fields no suite of ours fills from pilot data today, but GX renders raw if one did."""
    from great_expectations.core import ExpectationSuiteValidationResult, ExpectationValidationResult
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    maximum = ExpectationConfiguration(
        type="expect_column_max_to_be_between",
        kwargs={"column": "source_updated_at", "min_value": "2026-01-01"},
        meta={"rule": "batch_fresh"},
    )
    raised = ExpectationConfiguration(
        type="expect_column_values_to_be_null",
        kwargs={"column": "_type_errors"},
        meta={"rule": "typed_values"},
    )
    chunk = ExpectationSuiteValidationResult(
        success=False,
        suite_name=ENTITY,
        results=[
            ExpectationValidationResult(
                success=False, expectation_config=maximum, result={"observed_value": HOSTILE[1]}
            ),
            ExpectationValidationResult(
                success=False,
                expectation_config=raised,
                exception_info={
                    "raised_exception": True,
                    "exception_message": f"bad value {HOSTILE[0]}",
                    "exception_traceback": f"Traceback: ValueError: {HOSTILE[0]}",
                },
            ),
        ],
    )
    fold = BatchResultFold(hidden_columns=set())
    fold.add(chunk)
    fold.add(chunk)
    result = fold.batch_result({}, {"batch_spec": {"pilot": PILOT.pilot_id, "refused": HOSTILE[2]}})
    page = publish_batch_result(result, load_suite_definition(ENTITY), PILOT.pilot_id, "20260630T000000")
    text = " ".join(assert_inert(page.read_text()).text)
    for shown in (HOSTILE[1], f"bad value {HOSTILE[0]}", f"ValueError: {HOSTILE[0]}", HOSTILE[2]):
        assert shown in text, shown
    assert_escaped_once(text)

"""OpenLineage of the session's pipeline run (docs/lineage.md): the events the real DAGs wrote to
the default file transport, read back as an OpenLineage consumer would. The expected graph comes
from dbt's own manifest and the pilot registry, never from the events themselves."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import pytest

from osservatorio.paths import DBT_MANIFEST
from osservatorio.registry import load_registry
from tests.conftest import TEST_STATE, TestEnv
from tests.e2e.conftest import PILOTS

pytestmark = pytest.mark.e2e
EVENTS = TEST_STATE / "lineage" / "events.jsonl"  # where scripts/env.sh points the file transport
Dataset = tuple[str, str]  # (namespace, name)


@pytest.fixture(scope="module")
def events(pipeline_ran: None) -> list[dict[str, Any]]:
    assert EVENTS.is_file(), f"no OpenLineage events in {EVENTS}"
    return [json.loads(line) for line in EVENTS.read_text().splitlines() if line.strip()]


def completes(events: list[dict[str, Any]], job: str) -> list[dict[str, Any]]:
    return [e for e in events if e["eventType"] == "COMPLETE" and e["job"]["name"] == job]


def datasets(event: dict[str, Any], side: str) -> set[Dataset]:
    return {(d["namespace"], d["name"]) for d in event.get(side) or []}


def warehouse(test_env: TestEnv) -> tuple[str, str]:
    """The warehouse as OpenLineage names PostgreSQL tables: namespace and database."""
    env = test_env.env
    host = f"{env['OSSERVATORIO_PG_HOST']}:{env['OSSERVATORIO_PG_PORT']}"
    return f"postgres://{host}", env["OSSERVATORIO_WAREHOUSE_DB"]


def test_events_are_openlineage_runs_of_this_project(events: list[dict[str, Any]]) -> None:
    assert events
    for event in events:
        assert event["eventType"] in {"START", "RUNNING", "COMPLETE", "FAIL", "ABORT", "OTHER"}
        assert event["job"]["namespace"] == "osservatorio"
        assert event["run"]["runId"]


def test_every_landing_names_its_pilot_and_the_raw_tables_it_wrote(
    events: list[dict[str, Any]], test_env: TestEnv
) -> None:
    namespace, database = warehouse(test_env)
    registry = load_registry()
    for pilot in PILOTS:
        for entity in registry[pilot].entities:
            job = f"ingest_{pilot}.load_{entity}"
            done = completes(events, job)
            assert done, f"no COMPLETE event for {job}"
            runs = [e for e in events if e["job"]["name"] == job]
            started = {e["run"]["runId"] for e in runs if e["eventType"] == "START"}
            assert started <= {e["run"]["runId"] for e in done}, f"a run of {job} started and never completed"
            wrote = {(namespace, f"{database}.raw.{table}") for table in (entity, "quarantine")}
            for event in done:
                assert (f"pilot://{pilot}", entity) in datasets(event, "inputs"), job
                assert wrote <= datasets(event, "outputs"), job


def _staging_ancestors(manifest: dict[str, Any], node_id: str) -> set[str]:
    """The stg_ models a dbt node depends on, directly or through other models."""
    found: set[str] = set()
    todo, seen = [node_id], {node_id}
    while todo:
        for parent in manifest["nodes"].get(todo.pop(), {}).get("depends_on", {}).get("nodes", []):
            if parent in seen:
                continue
            seen.add(parent)
            todo.append(parent)
            if parent.startswith("model.") and manifest["nodes"][parent]["name"].startswith("stg_"):
                found.add(parent)
    return found


def test_indicator_mart_lineage_reaches_its_staging_models_and_every_pilot(
    events: list[dict[str, Any]], test_env: TestEnv
) -> None:
    manifest = json.loads(DBT_MANIFEST.read_text())
    namespace, database = warehouse(test_env)

    def dataset(node_id: str) -> Dataset:
        node = manifest["nodes"][node_id]
        return namespace, f"{database}.{node['schema']}.{node['alias']}"

    # What each dataset was made from, by the COMPLETE events that wrote it.
    made_from: dict[Dataset, set[Dataset]] = defaultdict(set)
    for event in events:
        if event["eventType"] == "COMPLETE":
            for output in datasets(event, "outputs"):
                made_from[output] |= datasets(event, "inputs")
    mart = dataset("model.osservatorio.esf_indicators")
    assert made_from[mart], f"no COMPLETE event lists inputs of {mart}"
    upstream: set[Dataset] = set()
    todo = [mart]
    while todo:
        for source in made_from.get(todo.pop(), set()) - upstream:
            upstream.add(source)
            todo.append(source)

    expected = {dataset(node) for node in _staging_ancestors(manifest, "model.osservatorio.esf_indicators")}
    assert expected, "the manifest gives esf_indicators no staging ancestors"
    assert expected <= upstream
    # and through the raw tables the landings wrote, back to each pilot's records
    assert {f"pilot://{pilot}" for pilot in PILOTS} <= {d[0] for d in upstream}


def test_each_dbt_task_reports_its_own_model(events: list[dict[str, Any]], test_env: TestEnv) -> None:
    """Every model built, each by an event naming it alone as output: dbt tasks sharing one
    target folder would read each other's run results and report the wrong models."""
    manifest = json.loads(DBT_MANIFEST.read_text())
    namespace, database = warehouse(test_env)
    expected = {
        f"build_esf_indicators.dbt.{node['name']}_model_build": {
            (namespace, f"{database}.{node['schema']}.{node['alias']}")
        }
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }
    reported = {
        event["job"]["name"]: datasets(event, "outputs")
        for event in events
        if event["eventType"] == "COMPLETE" and event["job"]["name"].startswith("build_esf_indicators.dbt.")
    }
    assert reported == expected

"""OpenLineage for the landing tasks (docs/lineage.md).

A `@task` function gives the OpenLineage provider no datasets, so the load tasks use
`@landing_task`: the same Python task, whose operator tells the provider what the landing read
(the pilot's record type: namespace `pilot://<pilot_id>`, name the entity) and wrote (the raw
tables, named as dbt's own events name them, `postgres://host:port` and `<db>.raw.<table>`, so
that the graph joins the dbt models reading them). The OpenLineage client is imported only when
the provider asks for the facets, never at DAG parse time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.providers.standard.decorators.python import _PythonDecoratedOperator
from airflow.sdk.bases.decorator import task_decorator_factory

if TYPE_CHECKING:
    from collections.abc import Callable

    from airflow.providers.openlineage.extractors import OperatorLineage
    from airflow.sdk.bases.decorator import TaskDecorator

# What every landing writes besides raw.<entity> (osservatorio/land/warehouse.py), and what the
# file channels' ledger adds in the same transaction (osservatorio/land/file_ledger.py).
LANDING_TABLES = ("quarantine", "batches", "validation_results")
FILE_LEDGER_TABLES = ("files",)


def pilot_namespace(pilot_id: str) -> str:
    return f"pilot://{pilot_id}"


class _LandingOperator(_PythonDecoratedOperator):
    """A `@task` whose return value is a LandedBatch XCom: lineage is read from it."""

    custom_operator_name = "@landing_task"

    def execute(self, context: Any) -> Any:
        landed = super().execute(context)
        # Kept on the operator for the listener, which runs in this process after execute: the
        # warehouse's address is resolved here, inside the task, like the landing's connection.
        from airflow.sdk import BaseHook

        from osservatorio.warehouse import WAREHOUSE_CONN_ID

        conn = BaseHook.get_connection(WAREHOUSE_CONN_ID)
        self._landed: dict[str, Any] | None = landed
        self._warehouse = (f"postgres://{conn.host}:{conn.port or 5432}", str(conn.schema))
        return landed

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> OperatorLineage:
        from airflow.providers.openlineage.extractors import OperatorLineage

        landed = getattr(self, "_landed", None)
        if not landed:  # failed before landing: nothing to say
            return OperatorLineage()
        namespace, database = self._warehouse
        return landing_lineage(landed["batch"]["pilot_id"], landed["batch"]["entity"], namespace, database)


def landing_lineage(pilot_id: str, entity: str, namespace: str, database: str) -> OperatorLineage:
    """Inputs and outputs of landing one record type of one pilot."""
    from airflow.providers.openlineage.extractors import OperatorLineage
    from openlineage.client.event_v2 import InputDataset, OutputDataset
    from openlineage.client.facet_v2 import datasource_dataset, documentation_dataset

    from osservatorio.registry import load_registry

    pilot = load_registry()[pilot_id]
    source = pilot.entities[entity]
    where = source.path or source.file_pattern
    read = InputDataset(
        namespace=pilot_namespace(pilot_id),
        name=entity,
        facets={
            "dataSource": datasource_dataset.DatasourceDatasetFacet(
                name=pilot.name, uri=pilot_namespace(pilot_id)
            ),
            "documentation": documentation_dataset.DocumentationDatasetFacet(
                description=f"{entity} of {pilot.name}, channel {pilot.channel} ({where})"
            ),
        },
    )
    tables = (entity, *LANDING_TABLES, *(FILE_LEDGER_TABLES if pilot.channel.endswith("_drop") else ()))
    written = [OutputDataset(namespace=namespace, name=f"{database}.raw.{table}") for table in tables]
    return OperatorLineage(inputs=[read], outputs=written)


def landing_task(python_callable: Callable | None = None, **kwargs: Any) -> TaskDecorator:
    """`@task` for a function returning a LandedBatch XCom, with its OpenLineage datasets."""
    return task_decorator_factory(
        python_callable=python_callable, decorated_operator_class=_LandingOperator, **kwargs
    )

"""One run of the compliance-package DAG (dags/publish_compliance_packages.py), after its dbt build.

The build wrote the compliance models, and everything upstream of them as known at `known_at`,
into a scratch copy of the warehouse: dbt's generate_schema_name appends `_<schema_suffix>` to
every schema (compliance_pkg_<run hash>, marts_pkg_<run hash>, ...), so the schemas analysts and
officers read stay as they are. The package is read from that copy's compliance schema, then the
whole copy is dropped, whether the package was published or not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from osservatorio.publish.compliance.build import PublishedPackage, build_package

if TYPE_CHECKING:
    import psycopg

    from osservatorio.publish.compliance.request import PackageRequest

# The run's schemas, whatever their layer: `_` is a LIKE wildcard, escaped.
SCRATCH_SCHEMAS = "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s"


def scratch_schema(layer: str, suffix: str) -> str:
    """The run's copy of one schema (as generate_schema_name names it)."""
    return f"{layer}_{suffix}"


def publish_requested_package(conn: psycopg.Connection, request: PackageRequest) -> PublishedPackage:
    """Check and write the package of the request from the run's scratch compliance schema, as a
    new, read-only version in compliance_packages_dir(), unless its files equal the current
    version's; the manifest carries the code version and every pilot of the registry."""
    from osservatorio.paths import compliance_packages_dir
    from osservatorio.publish.code_version import code_version
    from osservatorio.registry import load_registry

    return build_package(
        conn,
        cutoff=request.cutoff,
        source_schema=scratch_schema("compliance", request.schema_suffix),
        root=compliance_packages_dir(),
        known_at=request.known_at,
        code_version=code_version(),
        reason=request.reason,
        allow_empty=request.allow_empty,
        force=request.force,
        pilots=list(load_registry()),
    )


def drop_scratch_schemas(conn: psycopg.Connection, suffix: str) -> list[str]:
    """Drop every schema of the run's scratch copy; returns their names."""
    schemas = [name for (name,) in conn.execute(SCRATCH_SCHEMAS, (f"%\\_{suffix}",)).fetchall()]
    for schema in schemas:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    return schemas

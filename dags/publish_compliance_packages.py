"""The compliance package of each Art. 42 cut-off (CPR Art. 42 and 49, ESF+ only): financial
Tables 1 and 2, Tables 6 and 10 for June and December, the list of operations, a data-quality
annex, the same as one XLSX workbook, an HTML summary and a manifest with checksums.

When it runs: the morning after each cut-off (31 Mar, 30 Jun, 31 Aug, 31 Oct, 31 Dec), for that
cut-off. Any past cut-off: a backfill over the months after it (one run per cut-off), or a manual run
with the `cutoff` param. A rerun never overwrites: it publishes the next version, whose manifest says
which version it supersedes and why (`reason` param). To rebuild a published package exactly, pass
its manifest's `known_at`: the tables are computed from the records the warehouse knew then.

How: dbt builds the compliance models and everything upstream as known at `known_at`, into scratch
schemas of this run (var schema_suffix: the schemas analysts and officers read stay as they are);
the package is written from there, checked (SFC rules, Kohesio's Table Schema and rules) before
anything is published; the scratch schemas are dropped whatever happened.
Packages land in osservatorio.paths.compliance_packages_dir(); program officers download them from
the download page (docs/downloads.md).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import CronTriggerTimetable, Param, dag, task
from cosmos.operators.local import DbtBuildLocalOperator

from osservatorio.dbt_cosmos import dbt_executable, profile_config
from osservatorio.paths import DBT_PROJECT_DIR
from osservatorio.scheduling import DEFAULT_ARGS, TIMEZONE

# 06:00 on the day after each Art. 42 cut-off.
THE_DAY_AFTER_EACH_CUTOFF = "0 6 1 1,4,7,9,11 *"


def from_request(key: str) -> str:
    """A template of one field of the resolved request, for the dbt vars."""
    return "{{ ti.xcom_pull(task_ids='resolve_package_request')['" + key + "'] }}"


@task
def resolve_package_request() -> dict[str, str]:
    """Which cut-off, known at when, and why (osservatorio/publish/compliance/request.py)."""
    from airflow.sdk import get_current_context

    from osservatorio.publish.compliance.request import resolve_package_request as resolve

    request = resolve(get_current_context())
    print(f"package request: {request}")
    return request.to_xcom()


@task
def publish_package(request: dict[str, str]) -> str:
    """Check and write the package as a new, read-only version; return its folder."""
    from osservatorio.paths import compliance_packages_dir
    from osservatorio.publish.code_version import code_version
    from osservatorio.publish.compliance import build_package
    from osservatorio.publish.compliance.request import PackageRequest
    from osservatorio.warehouse import connect_from_airflow

    req = PackageRequest.from_xcom(request)
    with connect_from_airflow() as conn:
        package = build_package(
            conn,
            cutoff=req.cutoff,
            source_schema=f"compliance_{req.schema_suffix}",
            root=compliance_packages_dir(),
            known_at=req.known_at,
            code_version=code_version(),
            reason=req.reason,
        )
    print(f"published {package.path} (version {package.version})")
    return str(package.path)


@task
def drop_scratch_schemas(request: dict[str, str]) -> list[str]:
    """Drop this run's copy of the warehouse models, whether the package was published or not."""
    from osservatorio.publish.compliance.request import PackageRequest
    from osservatorio.warehouse import connect_from_airflow

    suffix = PackageRequest.from_xcom(request).schema_suffix
    with connect_from_airflow() as conn:
        schemas = [
            name
            for (name,) in conn.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (f"%\\_{suffix}",)
            ).fetchall()
        ]
        for schema in schemas:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    return schemas


@dag(
    dag_id="publish_compliance_packages",
    description="Compliance package of each Art. 42 cut-off, checked, versioned, never overwritten",
    schedule=CronTriggerTimetable(THE_DAY_AFTER_EACH_CUTOFF, timezone=TIMEZONE),
    start_date=pendulum.datetime(2021, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,  # versions of one cut-off are numbered in the order they are published
    default_args=DEFAULT_ARGS,
    params={
        "cutoff": Param(
            None,
            type=["null", "string"],
            format="date",
            description="Art. 42 cut-off (YYYY-MM-DD); empty: the last one before the run's date",
        ),
        "known_at": Param(
            None,
            type=["null", "string"],
            description="Compute from the records known at this time (ISO, with offset); empty: now",
        ),
        "reason": Param(None, type=["null", "string"], description="Why this version (in its manifest)"),
    },
    tags=["compliance", "extracts"],
    doc_md=__doc__,
)
def publish_compliance_packages() -> None:
    request = resolve_package_request()
    build = DbtBuildLocalOperator(
        task_id="dbt_build_as_known",
        project_dir=DBT_PROJECT_DIR,
        profile_config=profile_config(),
        dbt_executable_path=dbt_executable(),
        install_deps=False,
        select=["+path:models/compliance"],
        vars={
            "known_at": from_request("known_at"),
            "reporting_date": from_request("cutoff"),
            "schema_suffix": from_request("schema_suffix"),
        },
        # The models' unit tests check SQL, not data: `make test` runs them.
        # Tests run only where all their parents are in this build (the drill-down test needs a mart
        # this selection does not build).
        dbt_cmd_flags=["--exclude-resource-type", "unit_test", "--indirect-selection", "buildable"],
    )
    published = publish_package(request)
    cleanup = drop_scratch_schemas(request)
    request >> build >> published >> cleanup
    # A teardown: it runs whatever happened to the build and the package (once the request is
    # resolved), and its own success does not turn a failed publication into a successful run.
    cleanup.as_teardown(setups=request)


publish_compliance_packages()

"""The compliance package of each Art. 42 cut-off (CPR Art. 42 and 49, ESF+ only): financial
Tables 1 and 2, Tables 6 and 10 for June and December, the list of operations, a data-quality
annex, the same as one XLSX workbook, an HTML summary and a manifest with checksums.

When it runs: 10 days after each cut-off of the programme's transmission calendar (06:00 UTC;
`OSSERVATORIO_PACKAGE_DAYS_AFTER_CUTOFF` sets the days, read when the DAG is parsed), for that
cut-off. Why not the morning after: a pilot's records for the last days before the cut-off land in
the days after it (daily batches, late corrections, a pilot's server down for a day), and the
package would miss them; the due date is a month after the cut-off, so 10 days leave time for
the officer to review and transmit. The calendar (cut-offs, due dates, first and last
transmission) is the dbt seed reporting_cutoffs, read at parse time (a file, no database). Any
past cut-off: a backfill over the months after it (one run per cut-off), or a manual run with the
`cutoff` param. A cut-off outside the calendar is refused with the valid range before any dbt work.

A rerun never overwrites. When its files equal the current version's, it publishes nothing and
says so (`force` publishes a new version anyway); otherwise it publishes the next version, whose
manifest says which version it supersedes and why. A manual republication needs a `reason` written
by a person. A package whose financial or indicator tables are empty is refused unless
`allow_empty`. To rebuild a published package exactly, pass its manifest's `known_at`: the tables
are computed from the records the warehouse knew then. The manifest and the summary say how far
each pilot's data had landed; a pilot short of the cut-off is a warning in the log.

How: dbt builds the compliance models and everything upstream as known at `known_at`, into scratch
schemas of this run (var schema_suffix: the schemas analysts and officers read stay as they are);
the package is written from there, checked (SFC rules, Kohesio's Table Schema and rules) before
anything is published; the scratch schemas are dropped whatever happened. The scratch models are
no Airflow assets (`emit_datasets=False`): a run leaves nothing in Airflow's asset list.
Packages land in osservatorio.paths.compliance_packages_dir(); program officers download them from
the download page (docs/downloads.md).
"""

from __future__ import annotations

from airflow.sdk import CronTriggerTimetable, Param, dag, task
from cosmos.operators.local import DbtBuildLocalOperator

from osservatorio.dbt_cosmos import dbt_executable, profile_config
from osservatorio.paths import DBT_PROJECT_DIR
from osservatorio.publish.compliance.cutoffs import days_after_cutoff, publication_cron, publication_times
from osservatorio.scheduling import BUILD_ARGS, TIMEZONE

# 06:00, a configurable number of days (10) after each cut-off of the seed's calendar: a cron
# between the first and the last publication (the programme's first and last transmission).
DAYS_AFTER_CUTOFF = days_after_cutoff()
PUBLICATION_TIMES = publication_times(DAYS_AFTER_CUTOFF, TIMEZONE)


def from_request(key: str) -> str:
    """A template of one field of the resolved request, for the dbt vars."""
    return "{{ ti.xcom_pull(task_ids='resolve_package_request')['" + key + "'] }}"


@task
def resolve_package_request() -> dict[str, str]:
    """Which cut-off, known at when, and why (osservatorio/publish/compliance/request.py)."""
    from airflow.sdk import get_current_context

    from osservatorio.paths import compliance_packages_dir
    from osservatorio.publish.compliance.request import resolve_package_request as resolve

    request = resolve(get_current_context(), packages_root=compliance_packages_dir())
    print(f"package request: {request}")
    return request.to_xcom()


@task
def publish_package(request: dict[str, str]) -> dict[str, object]:
    """Check and write the package as a new, read-only version, unless its files equal the
    current version's; return the folder, the version and whether it was published."""
    from osservatorio.publish.compliance.package_run import publish_requested_package
    from osservatorio.publish.compliance.request import PackageRequest
    from osservatorio.warehouse import connect_from_airflow

    with connect_from_airflow() as conn:
        package = publish_requested_package(conn, PackageRequest.from_xcom(request))
    print(package.describe())
    return package.to_xcom()


@task
def drop_scratch_schemas(request: dict[str, str]) -> list[str]:
    """Drop this run's copy of the warehouse models, whether the package was published or not."""
    from osservatorio.publish.compliance.package_run import drop_scratch_schemas as drop
    from osservatorio.publish.compliance.request import PackageRequest
    from osservatorio.warehouse import connect_from_airflow

    with connect_from_airflow() as conn:
        return drop(conn, PackageRequest.from_xcom(request).schema_suffix)


@dag(
    dag_id="publish_compliance_packages",
    description="Compliance package of each Art. 42 cut-off, checked, versioned, never overwritten",
    schedule=CronTriggerTimetable(publication_cron(DAYS_AFTER_CUTOFF), timezone=TIMEZONE),
    start_date=PUBLICATION_TIMES[0],
    end_date=PUBLICATION_TIMES[-1],
    catchup=False,
    max_active_runs=1,  # versions of one cut-off are numbered in the order they are published
    default_args=BUILD_ARGS,
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
        "reason": Param(
            None,
            type=["null", "string"],
            description="Why this version (in its manifest); required for a manual republication",
        ),
        "allow_empty": Param(
            False, type="boolean", description="Publish even if the financial or indicator tables are empty"
        ),
        "force": Param(
            False, type="boolean", description="Publish a new version even if its files equal the current one"
        ),
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
        # The scratch models are no assets: cosmos would register one per model and run (~26 a run).
        emit_datasets=False,
    )
    published = publish_package(request)
    cleanup = drop_scratch_schemas(request)
    request >> build >> published >> cleanup
    # A teardown: it runs whatever happened to the build and the package (once the request is
    # resolved), and its own success does not turn a failed publication into a successful run.
    cleanup.as_teardown(setups=request)


publish_compliance_packages()

"""What one run of the compliance-package DAG publishes: which Art. 42 cut-off, as the warehouse
knew it when, and why.

- The cut-off: the run's `cutoff` param, else the last Art. 42 cut-off (31 Mar, 30 Jun, 31 Aug,
  31 Oct, 31 Dec) strictly before the run's logical date: the schedule fires the morning after each
  cut-off, and a backfill over past months gets one run, and one package, per cut-off.
- known_at: the `known_at` param (to rebuild a published package exactly: pass its manifest's
  known_at), else the time the run resolved it (the generation time).
- The reason, written in the manifest of a version that supersedes another: the `reason` param, else
  the kind of run (scheduled, backfill, manual).
- The scratch schemas the package's tables are built in (dbt var schema_suffix), one set per run.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from osservatorio.errors import RunConfigurationError
from osservatorio.publish.compliance.cutoffs import CUTOFF_DAYS, submission_period

if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass(frozen=True)
class PackageRequest:
    cutoff: date
    known_at: datetime
    reason: str
    schema_suffix: str

    def to_xcom(self) -> dict[str, str]:
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(self).items()}

    @classmethod
    def from_xcom(cls, data: Mapping[str, str]) -> PackageRequest:
        return cls(
            cutoff=date.fromisoformat(data["cutoff"]),
            known_at=datetime.fromisoformat(data["known_at"]),
            reason=data["reason"],
            schema_suffix=data["schema_suffix"],
        )


def last_cutoff_before(day: date) -> date:
    """The latest Art. 42 cut-off strictly before `day`."""
    for year in (day.year, day.year - 1):
        for month, dom in reversed(CUTOFF_DAYS):
            if (cutoff := date(year, month, dom)) < day:
                return cutoff
    raise AssertionError("unreachable: every year has cut-offs")


def _param_cutoff(value: object) -> date:
    try:
        cutoff = date.fromisoformat(str(value)[:10])
    except ValueError:
        raise RunConfigurationError(f"param cutoff: {value!r} is not a date (YYYY-MM-DD)") from None
    submission_period(cutoff)  # refuses a date that is not an Art. 42 cut-off
    return cutoff


def _param_known_at(value: object) -> datetime:
    try:
        known_at = datetime.fromisoformat(str(value))
    except ValueError:
        raise RunConfigurationError(f"param known_at: {value!r} is not an ISO date-time") from None
    if known_at.tzinfo is None:
        raise RunConfigurationError(f"param known_at: {value!r} needs a UTC offset (e.g. +00:00)")
    return known_at


def resolve_package_request(context: Mapping[str, Any], now: datetime | None = None) -> PackageRequest:
    params = context.get("params") or {}
    dag_run = context["dag_run"]
    if params.get("cutoff"):
        cutoff = _param_cutoff(params["cutoff"])
    else:
        when = context.get("logical_date") or dag_run.run_after or datetime.now(UTC)
        cutoff = last_cutoff_before(when.date() if isinstance(when, datetime) else when)
    known_at = _param_known_at(params["known_at"]) if params.get("known_at") else (now or datetime.now(UTC))
    run_type = str(getattr(dag_run, "run_type", "manual")).rsplit(".", 1)[-1].lower()
    reason = params.get("reason") or f"{run_type} run {dag_run.run_id}"
    suffix = "pkg_" + hashlib.sha1(str(dag_run.run_id).encode()).hexdigest()[:10]
    return PackageRequest(cutoff=cutoff, known_at=known_at, reason=reason, schema_suffix=suffix)

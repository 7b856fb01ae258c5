"""What one run of the compliance-package DAG publishes: which Art. 42 cut-off, as the warehouse
knew it when, why, and under which conditions. Everything is settled here, before any dbt work.

- The cut-off: the run's `cutoff` param, else the last Art. 42 cut-off (31 Mar, 30 Jun, 31 Aug,
  31 Oct, 31 Dec) strictly before the run's logical date: the schedule fires a few days after each
  cut-off (cutoffs.publication_times), and a backfill over past months gets one run, and one package,
  per cut-off. A run without a logical date (manual from the UI or REST API, asset-triggered)
  takes the time it was due (`run_after`) instead. Either way the cut-off must be in the
  programme's transmission calendar (the seed): any other is refused with the valid range.
- known_at: the `known_at` param (to rebuild a published package exactly: pass its manifest's
  known_at), else the time the run resolved it (the generation time).
- The reason, written in the manifest: the `reason` param, else what the run is (a first
  publication, or a scheduled / backfill run). A manual run of a cut-off that already has a version
  is a republication, and a person must say why: without a `reason` it is refused.
- `allow_empty` (publish even if the financial or indicator tables are empty) and `force` (publish a
  new version even if its files are identical to the current one's).
- The scratch schemas the package's tables are built in (dbt var schema_suffix), one set per run.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from osservatorio.errors import RunConfigurationError
from osservatorio.publish.compliance.cutoffs import last_cutoff_before, require_in_calendar

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

# Runs that publish on their own: a rerun of theirs (a cleared run, a backfill over a published
# range) needs no reason, and publishes nothing new when nothing changed.
UNATTENDED_RUN_TYPES = ("scheduled", "backfill")
# What a generated reason looks like: a run's kind and id say nothing about why it was run again.
_GENERATED_REASON = re.compile(r"\s*(\w+\s+run\s+)?\S*__\S*\s*", re.IGNORECASE)

__all__ = ["PackageRequest", "last_cutoff_before", "resolve_package_request"]


@dataclass(frozen=True)
class PackageRequest:
    cutoff: date
    known_at: datetime
    reason: str
    schema_suffix: str
    allow_empty: bool = False
    force: bool = False

    def to_xcom(self) -> dict[str, Any]:
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(self).items()}

    @classmethod
    def from_xcom(cls, data: Mapping[str, Any]) -> PackageRequest:
        return cls(
            cutoff=date.fromisoformat(data["cutoff"]),
            known_at=datetime.fromisoformat(data["known_at"]),
            reason=data["reason"],
            schema_suffix=data["schema_suffix"],
            allow_empty=bool(data.get("allow_empty", False)),
            force=bool(data.get("force", False)),
        )


def _param_cutoff(value: object) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise RunConfigurationError(f"param cutoff: {value!r} is not a date (YYYY-MM-DD)") from None


def _param_known_at(value: object) -> datetime:
    try:
        known_at = datetime.fromisoformat(str(value))
    except ValueError:
        raise RunConfigurationError(f"param known_at: {value!r} is not an ISO date-time") from None
    if known_at.tzinfo is None:
        raise RunConfigurationError(f"param known_at: {value!r} needs a UTC offset (e.g. +00:00)")
    return known_at


def _param_flag(params: Mapping[str, Any], name: str) -> bool:
    value = params.get(name)
    if value in (None, False, True):
        return bool(value)
    if str(value).strip().lower() in ("true", "false"):
        return str(value).strip().lower() == "true"
    raise RunConfigurationError(f"param {name}: {value!r} is not true or false")


def _written_reason(value: object) -> str | None:
    """The `reason` param if a person wrote one: not blank, not a run's kind and id."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    if not text or _GENERATED_REASON.fullmatch(text):
        return None
    return text


def resolve_package_request(
    context: Mapping[str, Any], now: datetime | None = None, packages_root: Path | None = None
) -> PackageRequest:
    """The request of the running DAG run. `packages_root` (the published packages) tells a
    republication from a first publication; without it no version is assumed to exist."""
    from osservatorio.publish.compliance.store import published_versions

    params = context.get("params") or {}
    dag_run = context["dag_run"]
    if params.get("cutoff"):
        cutoff = _param_cutoff(params["cutoff"])
    else:
        when = context.get("logical_date") or dag_run.run_after or datetime.now(UTC)
        cutoff = last_cutoff_before(when.date() if isinstance(when, datetime) else when)
    period = require_in_calendar(cutoff).submission_period  # before any dbt work
    known_at = _param_known_at(params["known_at"]) if params.get("known_at") else (now or datetime.now(UTC))
    run_type = str(getattr(dag_run, "run_type", "manual")).rsplit(".", 1)[-1].lower()
    existing = published_versions(packages_root, period) if packages_root is not None else []
    reason = _written_reason(params.get("reason"))
    if reason is None:
        if existing and run_type not in UNATTENDED_RUN_TYPES:
            raise RunConfigurationError(
                f"cut-off {cutoff} already has a published package (v{existing[-1]:03d}): a manual "
                "republication needs the `reason` param, saying in words why it is published again "
                "(e.g. 'correction of operation X landed on ...'); the run's kind and id are not a reason"
            )
        what = "republication" if existing else "first publication"
        reason = f"{what} of the {cutoff} cut-off by the {run_type} run {dag_run.run_id}"
    suffix = "pkg_" + hashlib.sha1(str(dag_run.run_id).encode()).hexdigest()[:10]
    return PackageRequest(
        cutoff=cutoff,
        known_at=known_at,
        reason=reason,
        schema_suffix=suffix,
        allow_empty=_param_flag(params, "allow_empty"),
        force=_param_flag(params, "force"),
    )

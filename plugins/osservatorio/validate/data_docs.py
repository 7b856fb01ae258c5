"""GX Data Docs of every validated batch: one page per batch, an index of the newest batches.

A batch is validated in chunks (memory stays flat); the chunk results are folded here into one
result per batch (counts summed, at most 20 sample values per expectation), which is stored in
a file-backed GX context under the state folder and rendered into a static site. Sample values
of direct identifiers (codice fiscale) are never kept: the pages are as safe as the quarantine.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from osservatorio.paths import state_dir
from osservatorio.validate.json_values import json_value

if TYPE_CHECKING:
    from collections.abc import Iterator

    from great_expectations.core import ExpectationSuiteValidationResult

SITE = "osservatorio"
# The index lists the newest batches only, so building it stays cheap as months of runs pile up;
# older pages stay on disk and every batch's figures stay in raw.validation_results.
INDEX_LIMIT = 250
SAMPLE_SIZE = 20
SUMMED = ("element_count", "missing_count", "unexpected_count")
NO_EXCEPTION = {"raised_exception": False, "exception_message": None, "exception_traceback": None}


def data_docs_dir() -> Path:
    return Path(os.environ.get("OSSERVATORIO_DATA_DOCS_DIR", state_dir() / "data_docs"))


@dataclass
class _Fold:
    """One expectation's results over the chunks of a batch."""

    config: Any
    success: bool = True
    result: dict[str, Any] = field(default_factory=dict)
    exception_info: dict[str, Any] | None = None


class BatchResultFold:
    """Folds the chunk results of one batch into the result of the whole batch."""

    def __init__(self, hidden_columns: set[str]) -> None:
        self.hidden_columns = hidden_columns  # sample values never kept (direct identifiers)
        self.folds: list[_Fold] = []
        self.suite_name = ""

    def add(self, chunk: ExpectationSuiteValidationResult) -> None:
        self.suite_name = chunk.suite_name
        if not self.folds:
            self.folds = [_Fold(r.expectation_config) for r in chunk.results]
        for fold, expectation in zip(self.folds, chunk.results, strict=True):
            fold.success = fold.success and bool(expectation.success)
            if expectation.exception_info.get("raised_exception") and fold.exception_info is None:
                fold.exception_info = dict(expectation.exception_info)
            self._fold_result(fold, expectation.result or {})

    def _fold_result(self, fold: _Fold, chunk: dict[str, Any]) -> None:
        total = fold.result
        for key in SUMMED:
            if key in chunk:
                total[key] = total.get(key, 0) + chunk[key]
        if "observed_value" in chunk:
            total["observed_value"] = _fold_observed(fold.config.type, total.get("observed_value"), chunk)
        if fold.config.kwargs.get("column") in self.hidden_columns:
            return
        sample = total.setdefault("partial_unexpected_list", [])
        sample += (chunk.get("partial_unexpected_list") or [])[: SAMPLE_SIZE - len(sample)]

    def batch_result(
        self, decided: dict[str, bool], meta: dict[str, Any]
    ) -> ExpectationSuiteValidationResult:
        """`decided`: outcome of the batch-level gates (by rule) that no single chunk decides."""
        from great_expectations.core import ExpectationSuiteValidationResult, ExpectationValidationResult

        results = []
        for fold in self.folds:
            rule = (fold.config.meta or {}).get("rule")
            success = decided.get(rule, fold.success) if rule else fold.success
            result = dict(fold.result)
            if "element_count" in result:
                checked = result["element_count"] - result.get("missing_count", 0)
                result["unexpected_percent"] = 100 * result.get("unexpected_count", 0) / max(checked, 1)
                result["missing_percent"] = (
                    100 * result.get("missing_count", 0) / max(result["element_count"], 1)
                )
            results.append(
                ExpectationValidationResult(
                    success=success,
                    expectation_config=fold.config,
                    result=json_value(result),
                    exception_info=fold.exception_info or NO_EXCEPTION,
                )
            )
        passed = sum(r.success for r in results)
        statistics = {
            "evaluated_expectations": len(results),
            "successful_expectations": passed,
            "unsuccessful_expectations": len(results) - passed,
            "success_percent": 100 * passed / max(len(results), 1),
        }
        return ExpectationSuiteValidationResult(
            success=passed == len(results),
            results=results,
            suite_name=self.suite_name,
            statistics=statistics,
            meta=meta,
        )


def _fold_observed(expectation_type: str, total: Any, chunk: dict[str, Any]) -> Any:
    value = chunk["observed_value"]
    if expectation_type == "expect_table_row_count_to_be_between":
        return (total or 0) + (value or 0)
    if expectation_type == "expect_column_max_to_be_between":
        values = [v for v in (total, value) if v is not None and v == v]  # (NaT != NaT)
        return max(values) if values else None
    return value


@contextmanager
def _site_lock() -> Iterator[None]:
    """Validate tasks of several pilots may publish at once: one writer of the GX project at a time."""
    path = state_dir() / "gx.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _project_context() -> Any:
    """The file-backed GX project that keeps every batch result (state folder, git-ignored)."""
    import great_expectations as gx

    context = gx.get_context(mode="file", project_root_dir=str(state_dir()))
    site = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "site_index_builder": {
            "class_name": "DefaultSiteIndexBuilder",
            "validation_results_limit": INDEX_LIMIT,
        },
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(data_docs_dir()),
        },
    }
    sites = context.get_config().data_docs_sites or {}
    if sites.get(SITE) != site or set(sites) != {SITE}:
        for name in list(sites):
            context.delete_data_docs_site(name)
        context.add_data_docs_site(site_name=SITE, site_config=site)
    return context


def publish_batch_result(
    result: ExpectationSuiteValidationResult,
    suite_definition: dict[str, Any],
    pilot_id: str,
    batch_key: str,
) -> Path:
    """Store one batch's folded result and render its page and the index; returns the page."""
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    run_time = datetime.now(UTC)
    run_name = f"{pilot_id}__{batch_key}"
    result.meta["run_id"] = {"run_name": run_name, "run_time": run_time.isoformat()}
    result.meta["validation_time"] = f"{run_time:%Y%m%dT%H%M%S.%fZ}"
    key = ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=result.suite_name),
        run_id=RunIdentifier(run_name=run_name, run_time=run_time),
        batch_identifier=pilot_id,
    )
    with _site_lock():
        context = _project_context()
        context.suites.add_or_update(
            gx.ExpectationSuite(
                name=suite_definition["name"],
                expectations=suite_definition["expectations"],
                meta=suite_definition["meta"],
            )
        )
        context.validation_results_store.set(key, result)
        context.build_data_docs(site_names=[SITE], resource_identifiers=[key])
    return data_docs_dir().joinpath("validations", *key.to_tuple()).with_suffix(".html")

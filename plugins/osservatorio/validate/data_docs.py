"""GX Data Docs of every validated batch: one page per batch, an index of the newest batches.

A batch is validated in chunks (memory stays flat); the chunk results are folded here into one
result per batch (counts summed, at most 20 sample values per expectation), which is stored in
a file-backed GX context under the state folder and rendered into a static site. Sample values
of direct identifiers (codice fiscale) are never kept: the pages are as safe as the quarantine.

Pilot data on a page is inert text, escaped exactly once. GX escapes what it renders through its
string templates (expectation kwargs, exception messages, the `meta` batch_spec with the refusal
text) but writes the unexpected-value samples, observed values and tracebacks into the page as
they are: the fold escapes those (`_inert`; the stored result JSON, which the page is rendered
from, holds them escaped too). The index shows each batch_spec raw in a tooltip, inside a
<script>: `IndexPageRenderer` escapes it there, since the page must get it unescaped.
"""

from __future__ import annotations

import fcntl
import html
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from osservatorio.paths import state_dir
from osservatorio.quiet_logs import quiet_great_expectations
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
# Result fields GX 1.x renders without escaping (checked on the rendered page, see
# tests/integration/test_data_docs_escaping.py); every other field it escapes itself.
RENDERED_RAW = ("partial_unexpected_list", "partial_unexpected_counts", "observed_value")


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
            result = {k: _inert(v) if k in RENDERED_RAW else v for k, v in fold.result.items()}
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
                    exception_info=_inert_traceback(fold.exception_info) or NO_EXCEPTION,
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


def _inert(value: Any) -> Any:
    """Text from a pilot as HTML text: escaped, also inside the lists and dicts of samples."""
    if isinstance(value, str):
        return html.escape(value)
    if isinstance(value, dict):
        return {k: _inert(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_inert(v) for v in value]
    return value


def _inert_traceback(info: dict[str, Any] | None) -> dict[str, Any] | None:
    """The traceback of an expectation that raised quotes values, and is rendered raw; its
    message is escaped by GX."""
    if info is None:
        return None
    return info | {"exception_traceback": _inert(info.get("exception_traceback"))}


def _fold_observed(expectation_type: str, total: Any, chunk: dict[str, Any]) -> Any:
    value = chunk["observed_value"]
    if expectation_type == "expect_table_row_count_to_be_between":
        return (total or 0) + (value or 0)
    if expectation_type == "expect_column_max_to_be_between":
        values = [v for v in (total, value) if v is not None and v == v]  # (NaT != NaT)
        return max(values) if values else None
    return value


def __getattr__(name: str) -> Any:
    # GX loads the index renderer by module and class name: built on first use, so that importing
    # this module (the validator does) does not import GX.
    if name == "IndexPageRenderer":
        return _index_page_renderer()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def _index_page_renderer() -> type:
    from great_expectations.render.renderer import SiteIndexPageRenderer

    class IndexPageRenderer(SiteIndexPageRenderer):
        """GX's index page, with each batch's batch_spec escaped in its tooltip."""

        @classmethod
        def _render_batch_id_cell(
            cls, batch_id: Any, batch_kwargs: Any = None, batch_spec: Any = None
        ) -> Any:
            return super()._render_batch_id_cell(batch_id, _inert(batch_kwargs), _inert(batch_spec))

    return IndexPageRenderer


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
            "renderer": {"module_name": __name__, "class_name": "IndexPageRenderer"},
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
    quiet_great_expectations()
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

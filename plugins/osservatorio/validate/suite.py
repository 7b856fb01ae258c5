"""Build a record type's GX suite and run it on a batch, row by row.

One suite per record type, in two parts (`load_suite_definition` joins them, so GX, Data Docs and
the quarantine see one suite):
- structural rules, generated from the contract (`plugins/osservatorio/contract/<record
  type>.yaml`: required, enum, pattern, minimum/maximum, types, primary key) by
  `osservatorio.validate.contract_expectations`; never written by hand;
- business rules, hand-written in `expectations/<record type>.json` (codice fiscale, consistency
  between fields, dates against the data interval, comuni, freshness, row shape, batch not empty,
  duplicate entries), with `structural_overrides` there renaming a generated rule or rewording its
  reason where the wording carries domain meaning.
An expectation with `meta.enforced_at` (the primary key: at landing) belongs to the suite but is
not run by GX.

Row-level expectations name the rows that fail (by `_row`), each with the rule and the reason
kept in the expectation's `meta`; table-level failures (empty batch, ...) fail the batch.
An expectation with `meta.gate = "batch_max"` bounds the batch's maximum from below (freshness):
a chunk below the bound proves nothing, so each chunk's outcome is kept and the batch decides
once all chunks are seen (its maximum is the largest chunk maximum).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pandas as pd

from osservatorio.contract import record_type as load_record_type
from osservatorio.contract import table_schema
from osservatorio.paths import EXPECTATIONS_DIR
from osservatorio.quiet_logs import quiet_great_expectations
from osservatorio.validate.canonical import ROW
from osservatorio.validate.contract_expectations import enforced_by_gx, structural_expectations
from osservatorio.validate.data_docs import BatchResultFold

TABLE_LEVEL = {"expect_table_row_count_to_be_between", "expect_table_columns_to_match_set"}


@dataclass(frozen=True)
class RowFailure:
    rule: str
    reason: str
    column: str | None


@dataclass(frozen=True)
class ChunkMaximum:
    """One chunk's outcome of a `batch_max` gate: whether its maximum reached the bound."""

    rule: str
    reason: str
    success: bool
    observed: Any  # the chunk's maximum (None when the chunk holds no value)
    bound: Any  # the lower bound it had to reach


@dataclass
class SuiteOutcome:
    row_failures: dict[int, list[RowFailure]] = field(default_factory=dict)
    batch_failures: list[str] = field(default_factory=list)
    chunk_maxima: list[ChunkMaximum] = field(default_factory=list)
    statistics: dict[str, Any] = field(default_factory=dict)


@cache
def _suite_definition(record_type: str) -> dict[str, Any]:
    business = json.loads((EXPECTATIONS_DIR / f"{record_type}.json").read_text(encoding="utf-8"))
    structural = structural_expectations(table_schema(record_type), business.get("structural_overrides"))
    expectations = [*structural, *business["expectations"]]
    rules = [e["meta"]["rule"] for e in expectations]
    if repeated := sorted({r for r in rules if rules.count(r) > 1}):
        raise ValueError(f"{record_type}: rule id(s) {repeated} used by more than one expectation")
    return {"name": business["name"], "meta": business["meta"], "expectations": expectations}


def load_suite_definition(record_type: str) -> dict[str, Any]:
    """The record type's whole suite: generated structural rules, then the hand-written ones."""
    return copy.deepcopy(_suite_definition(record_type))


class SuiteRunner:
    """One GX context and validation definition per record type, reused for every chunk.

    Every chunk's result is folded into `fold`, the result of the whole batch (for Data Docs)."""

    def __init__(self, record_type: str) -> None:
        quiet_great_expectations()  # before GX is imported: it logs 200+ lines of chatter meanwhile
        import great_expectations as gx

        import osservatorio.validate.custom_expectations  # noqa: F401  (registers them with GX)

        definition = load_suite_definition(record_type)
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = {"globally": False}
        batch = (
            context.data_sources.add_pandas(f"{record_type}_source")
            .add_dataframe_asset(record_type)
            .add_batch_definition_whole_dataframe("batch")
        )
        run_by_gx = [e for e in definition["expectations"] if enforced_by_gx(e)]
        suite = context.suites.add(gx.ExpectationSuite(name=definition["name"], expectations=run_by_gx))
        contract = load_record_type(record_type)
        identifiers = {f.name for f in contract.fields if f.direct_identifier}
        # Optional contract fields a pilot does not send: absent, not wrong (checked as all-missing).
        named = {e["kwargs"].get(k) for e in run_by_gx for k in ("column", "column_A", "column_B")}
        self._optional = [f.name for f in contract.fields if not f.required and f.name in named]
        self.fold = BatchResultFold(hidden_columns=identifiers)
        self._validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{record_type}_validation", data=batch, suite=suite)
        )

    def run(self, frame: pd.DataFrame, parameters: dict[str, Any]) -> SuiteOutcome:
        """Validate one chunk; `parameters` fill the suite's `$PARAMETER`s (see its meta)."""
        absent = [name for name in self._optional if name not in frame.columns]
        for name in absent:  # added for GX only: the frame goes on to the writer as it came
            frame[name] = pd.Series(None, index=frame.index, dtype="object")
        try:
            result = self._validation.run(
                batch_parameters={"dataframe": frame},
                expectation_parameters=parameters,
                result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [ROW]},
            )
        finally:
            for name in absent:  # (in place: `drop(inplace=True)` is deprecated in pandas 3.1)
                del frame[name]
        self.fold.add(result)
        outcome = SuiteOutcome(statistics=dict(result.statistics))
        for expectation in result.results:
            config = expectation.expectation_config
            meta = config.meta or {}
            rule, reason = meta.get("rule", config.type), meta.get("reason", config.type)
            if meta.get("gate") == "batch_max" and not expectation.exception_info.get("raised_exception"):
                observed = expectation.result.get("observed_value")
                observed = None if observed is None or pd.isna(observed) else observed
                bound = config.kwargs.get("min_value")
                if isinstance(bound, dict):  # {"$PARAMETER": name}
                    bound = parameters.get(bound["$PARAMETER"])
                outcome.chunk_maxima.append(ChunkMaximum(rule, reason, expectation.success, observed, bound))
                continue
            if expectation.success:
                continue
            if config.type in TABLE_LEVEL or expectation.exception_info.get("raised_exception"):
                detail = expectation.exception_info.get("exception_message") or expectation.result.get(
                    "observed_value"
                )
                outcome.batch_failures.append(f"{rule}: {reason} (observed: {detail})")
                continue
            column = config.kwargs.get("column") or config.kwargs.get("column_A")
            for index in expectation.result.get("unexpected_index_list") or []:
                outcome.row_failures.setdefault(int(index[ROW]), []).append(RowFailure(rule, reason, column))
        return outcome

"""Run a GX expectation suite (expectations/<record type>.json) on a batch, row by row.

Row-level expectations name the rows that fail (by `_row`), each with the rule and the reason
kept in the expectation's `meta`; table-level failures (empty batch, ...) fail the batch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from osservatorio.paths import EXPECTATIONS_DIR
from osservatorio.validate.canonical import ROW

if TYPE_CHECKING:
    import pandas as pd

TABLE_LEVEL = {"expect_table_row_count_to_be_between", "expect_table_columns_to_match_set"}


@dataclass(frozen=True)
class RowFailure:
    rule: str
    reason: str
    column: str | None


@dataclass
class SuiteOutcome:
    row_failures: dict[int, list[RowFailure]] = field(default_factory=dict)
    batch_failures: list[str] = field(default_factory=list)
    statistics: dict[str, Any] = field(default_factory=dict)


@cache
def load_suite_definition(record_type: str) -> dict[str, Any]:
    return json.loads((EXPECTATIONS_DIR / f"{record_type}.json").read_text(encoding="utf-8"))


class SuiteRunner:
    """One GX context and validation definition per record type, reused for every chunk."""

    def __init__(self, record_type: str) -> None:
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
        suite = context.suites.add(
            gx.ExpectationSuite(name=definition["name"], expectations=definition["expectations"])
        )
        self._validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{record_type}_validation", data=batch, suite=suite)
        )

    def run(self, frame: pd.DataFrame, parameters: dict[str, Any]) -> SuiteOutcome:
        """Validate one chunk; `parameters` fill the suite's `$PARAMETER`s (see its meta)."""
        result = self._validation.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=parameters,
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [ROW]},
        )
        outcome = SuiteOutcome(statistics=dict(result.statistics))
        for expectation in result.results:
            if expectation.success:
                continue
            config = expectation.expectation_config
            meta = config.meta or {}
            rule, reason = meta.get("rule", config.type), meta.get("reason", config.type)
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

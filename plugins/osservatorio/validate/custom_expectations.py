"""Custom GX expectations for Italian identifiers. Importing this module registers them with GX,
so suites in expectations/*.json can name them by type like any built-in expectation."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics import ColumnMapMetricProvider, column_condition_partial
from stdnum.it import codicefiscale, iva

if TYPE_CHECKING:
    import pandas as pd


class ColumnValuesValidCodiceFiscale(ColumnMapMetricProvider):
    condition_metric_name = "column_values.valid_codice_fiscale"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs: object) -> pd.Series:
        # python-stdnum checks length, pattern (omocodia included), month, day and check character.
        return column.map(lambda value: codicefiscale.is_valid(str(value)))


class ExpectColumnValuesToBeValidCodiceFiscale(ColumnMapExpectation):
    """Expect each value to be a codice fiscale with a valid check character (nulls are ignored)."""

    map_metric = "column_values.valid_codice_fiscale"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly",)


class ColumnValuesValidPartitaIva(ColumnMapMetricProvider):
    condition_metric_name = "column_values.valid_partita_iva"

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, **kwargs: object) -> pd.Series:
        # python-stdnum: 11 digits, office code and Luhn check digit.
        return column.map(lambda value: iva.is_valid(str(value)))


class ExpectColumnValuesToBeValidPartitaIva(ColumnMapExpectation):
    """Expect each value to be a partita IVA with a valid check digit (nulls are ignored)."""

    map_metric = "column_values.valid_partita_iva"
    success_keys: ClassVar[tuple[str, ...]] = ("mostly",)

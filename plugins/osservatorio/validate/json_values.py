"""Values from pandas / numpy / GX results as plain JSON values (what lands, what GX stores)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd


def json_value(value: Any) -> Any:
    """Missing (None, NA, NaT, NaN) -> None, dates -> ISO text, numpy scalars -> Python; recursive."""
    if isinstance(value, dict):
        return {k: json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp | datetime | date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value

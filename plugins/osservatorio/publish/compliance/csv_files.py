"""A package table as a CSV file: UTF-8 (no BOM), `,` separated, header row, `\n` line ends."""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

from osservatorio.publish.compliance.safe_cells import csv_text

if TYPE_CHECKING:
    from pathlib import Path

    from osservatorio.publish.compliance.tables import PackageTable


def write_csv(folder: Path, table: PackageTable) -> Path:
    """Write `table` as `<folder>/<slug>.csv`; the same rows always give the same bytes."""
    path = folder / table.spec.file_name
    with path.open("w", encoding="utf-8", newline="") as handle:
        # QUOTE_MINIMAL: a field is quoted only when it holds `,`, `"`, `\r` or `\n`.
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(table.columns)
        writer.writerows([csv_text(v) for v in row] for row in table.rows)
    return path

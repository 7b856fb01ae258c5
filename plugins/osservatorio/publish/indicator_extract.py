"""The EECO01-by-gender extract: a CSV per Art. 42 cut-off, read from marts.esf_indicators."""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

from osservatorio.paths import extracts_dir

if TYPE_CHECKING:
    from datetime import date
    from pathlib import Path

    import psycopg

COLUMNS = [
    "indicator_code",
    "cutoff_date",
    "specific_objective_code",
    "action_code",
    "gender",
    "indicator_value",
]


def latest_cutoff(conn: psycopg.Connection, as_of: date) -> date:
    row = conn.execute(
        "SELECT max(cutoff_date) FROM reference.reporting_cutoffs WHERE cutoff_date <= %s", (as_of,)
    ).fetchone()
    if row is None or row[0] is None:
        raise ValueError(f"no Art. 42 cut-off on or before {as_of}")
    return row[0]


def eeco01_by_gender(conn: psycopg.Connection, cutoff: date) -> list[tuple]:
    """EECO01 summed over pilots, per action and gender (the unit the Commission receives)."""
    return conn.execute(
        """
        SELECT indicator_code, cutoff_date, specific_objective_code, action_code, gender,
               sum(indicator_value)::bigint
        FROM marts.esf_indicators
        WHERE indicator_code = 'EECO01' AND cutoff_date = %s
        GROUP BY indicator_code, cutoff_date, specific_objective_code, action_code, gender
        ORDER BY action_code, gender
        """,
        (cutoff,),
    ).fetchall()


def extract_path(cutoff: date, out_dir: Path | None = None) -> Path:
    return (out_dir or extracts_dir()) / f"EECO01_by_gender_{cutoff:%Y%m%d}.csv"


def write_eeco01_extract(conn: psycopg.Connection, as_of: date, out_dir: Path | None = None) -> Path:
    """Write (or rewrite, identically) the extract of the last cut-off on or before `as_of`."""
    cutoff = latest_cutoff(conn, as_of)
    rows = eeco01_by_gender(conn, cutoff)
    path = extract_path(cutoff, out_dir)
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    tmp.replace(path)  # readers never see a half-written file
    return path

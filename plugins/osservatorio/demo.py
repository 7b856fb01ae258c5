"""`make demo`: run the whole pipeline once on the simulated pilots, then print the result.

Runs each pilot's ingestion DAG and the dbt DAG with `airflow dags test` (in-process, no
scheduler needed) for today's date, then prints the extract's path and EECO01 by gender.
Running it again the same day replaces the same batches: the table stays the same.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from osservatorio.paths import state_dir
from osservatorio.registry import load_registry

if TYPE_CHECKING:
    from pathlib import Path


def run_dag(dag_id: str, logical_date: str, log_dir: Path) -> None:
    """`airflow dags test`, its output to a log file; exit with the log's tail if the run failed."""
    log = log_dir / f"{dag_id}.log"
    started = time.monotonic()
    with log.open("w") as sink:
        result = subprocess.run(
            ["airflow", "dags", "test", dag_id, logical_date],
            stdout=sink,
            stderr=subprocess.STDOUT,
            check=False,
        )
    text = log.read_text(errors="replace")
    succeeded = result.returncode == 0 and f"dag_id={dag_id}" in text and "state=success" in text
    print(
        f"  {dag_id:<28} {'ok' if succeeded else 'FAILED':<7} {time.monotonic() - started:6.1f} s"
        f"   log: {log}"
    )
    if not succeeded:
        print("\n".join(text.splitlines()[-40:]), file=sys.stderr)
        sys.exit(1)


def print_eeco01(extract: Path) -> None:
    import csv

    with extract.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    print(f"\nEECO01 - total participants, ESO4.8, cumulative at cut-off {rows[0]['cutoff_date']}:")
    print(f"  {'action':<9} {'women':>7} {'men':>7} {'non-binary':>11} {'total':>7}")
    for action in sorted({r["action_code"] for r in rows}):
        by_gender = {r["gender"]: int(r["indicator_value"]) for r in rows if r["action_code"] == action}
        print(
            f"  {action:<9} {by_gender.get('F', 0):>7} {by_gender.get('M', 0):>7} "
            f"{by_gender.get('non-binary', 0):>11} {sum(by_gender.values()):>7}"
        )


def main() -> None:
    logical_date = os.environ.get("OSSERVATORIO_DEMO_DATE", date.today().isoformat())
    log_dir = state_dir() / "logs" / "demo"
    log_dir.mkdir(parents=True, exist_ok=True)
    print(f"Running the pipeline for {logical_date} ({datetime.now(UTC):%H:%M:%S} UTC):")
    for pilot_id in load_registry():
        run_dag(f"ingest_{pilot_id}", logical_date, log_dir)
    run_dag("build_esf_indicators", logical_date, log_dir)

    from osservatorio.publish.indicator_extract import extract_path, latest_cutoff
    from osservatorio.warehouse import connect

    with connect() as conn:
        extract = extract_path(latest_cutoff(conn, date.fromisoformat(logical_date)))
    if not extract.exists():
        sys.exit(f"the dbt DAG succeeded but wrote no extract at {extract}")
    print(f"\nExtract: {extract}")
    print_eeco01(extract)

    from osservatorio.validate.data_docs import data_docs_dir

    print(f"\nData Docs (validation of every batch): file://{data_docs_dir() / 'index.html'}")
    print("  (make data-docs serves them on http://127.0.0.1:8809)")


if __name__ == "__main__":
    main()

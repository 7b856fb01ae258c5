"""`make demo`: run the whole pipeline once on the simulated pilots, then print the result.

Runs each pilot's ingestion DAG and the dbt DAG with `airflow dags test` (in-process, no
scheduler needed) for today's date, then prints the extract's path and all 24 ESF+ indicators
by action and gender at the latest cut-off (every fund, every pilot), then publishes the compliance
packages of the latest cut-off and of the latest June/December one, and says where they are.
Running it again the same day replaces the same batches: the table stays the same.
"""

from __future__ import annotations

import json
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

    from psycopg import Connection


def run_dag(dag_id: str, logical_date: str, log_dir: Path, conf: dict[str, str] | None = None) -> str:
    """`airflow dags test`, its output to a log file; exit with the log's tail if the run failed.
    Returns the log."""
    label = f"{dag_id} {conf['cutoff']}" if conf and "cutoff" in conf else dag_id
    log = log_dir / f"{label.replace(' ', '_')}.log"
    started = time.monotonic()
    with log.open("w") as sink:
        result = subprocess.run(
            [
                "airflow",
                "dags",
                "test",
                dag_id,
                logical_date,
                *(["--conf", json.dumps(conf)] if conf else []),
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
            check=False,
        )
    text = log.read_text(errors="replace")
    succeeded = result.returncode == 0 and f"dag_id={dag_id}" in text and "state=success" in text
    print(
        f"  {label:<40} {'ok' if succeeded else 'FAILED':<7} {time.monotonic() - started:6.1f} s   log: {log}"
    )
    if not succeeded:
        print("\n".join(text.splitlines()[-40:]), file=sys.stderr)
        sys.exit(1)
    return text


GENDER_COLUMNS = (("F", "women"), ("M", "men"), ("non-binary", "non-bin"))


def print_indicators(conn: Connection, cutoff: date) -> None:
    """Every indicator by action and gender at `cutoff`, summed over pilots and funds."""
    rows = conn.execute(
        "SELECT indicator_code, indicator_name, action_code, gender, sum(indicator_value)::bigint"
        " FROM marts.esf_indicators WHERE cutoff_date = %s"
        " GROUP BY indicator_code, indicator_name, action_code, gender",
        (cutoff,),
    ).fetchall()
    values = {(code, action, gender): value for code, _, action, gender, value in rows}
    names = {code: name for code, name, *_ in rows}
    actions = sorted({action for _, _, action, _, _ in rows})
    print(f"\nESF+ common indicators, ESO4.8, all pilots and funds, cumulative at cut-off {cutoff}:")
    header = "".join(f" | {action:^26}" for action in actions)
    print(f"  {'':<6} {'':<44}{header} | {'total':>6}")
    sub = "".join(" | " + " ".join(f"{label:>8}" for _, label in GENDER_COLUMNS) for _ in actions)
    print(f"  {'code':<6} {'indicator':<44}{sub} | {'':>6}")
    for code in sorted(names):
        cells = ""
        for action in actions:
            if code in ENTITY_INDICATORS:  # entities have no gender: their count spans the three columns
                cells += f" | {values.get((code, action, 'not_applicable'), 0):>17} entities"
            else:
                cells += " | " + " ".join(f"{values.get((code, action, g), 0):>8}" for g, _ in GENDER_COLUMNS)
        total = sum(v for (c, _, _), v in values.items() if c == code)
        print(f"  {code:<6} {names[code][:44]:<44}{cells} | {total:>6}")
    print("  (participants with incomplete core data are not counted: see marts.indicator_data_quality)")


ENTITY_INDICATORS = ("EECO18", "EECO19")


def print_sdg_summary(conn: Connection) -> None:
    """Per SDG target, from the public views only (schema open_data, what public_reader reads):
    people reached, outcome rates and gender gaps for Italy as a whole. A suppressed cell is shown
    as such; where the total is hidden (beside a small non-binary count), women and men are shown."""
    rows = conn.execute(
        "SELECT t.sdg_target, t.mapping_id, t.group_code, t.outcome_code, t.denominator_outcome_code,"
        " t.is_gender_gap, c.cutoff_date, c.gender, c.cell_value, r.numerator_value, r.denominator_value,"
        " g.gap_basis, g.women_rate, g.men_rate, g.gap_percentage_points, g.is_suppressed"
        " FROM open_data.sdg_public_targets AS t"
        " JOIN open_data.sdg_public_counts AS c ON c.group_code = t.group_code"
        "  AND c.outcome_code = t.outcome_code AND c.territory_level = 'it'"
        " LEFT JOIN open_data.sdg_public_rates AS r ON r.mapping_id = t.mapping_id"
        "  AND r.territory_level = 'it' AND r.gender = c.gender"
        " LEFT JOIN open_data.sdg_public_gender_gaps AS g ON g.mapping_id = t.mapping_id"
        "  AND g.territory_level = 'it'"
        " ORDER BY t.sdg_goal, string_to_array(t.sdg_target, '.')::int[], t.mapping_id"
    ).fetchall()
    by_target: dict[tuple[str, str], dict[str, tuple]] = {}
    for target, mapping_id, *rest in rows:
        by_target.setdefault((target, mapping_id), {})[rest[5]] = tuple(rest)
    cutoff = next((row[6] for row in rows), None)
    print(f"\nSDG summary, Italy, at cut-off {cutoff} (public views open_data.*; docs/disclosure.md):")

    def figure(row: tuple | None) -> str:
        if row is None:
            return "0"
        _, _, denominator, _, _, _, count, num, den, *_ = row
        if denominator:
            return "suppressed" if num is None else f"{num}/{den}" + (f" = {num / den:.1%}" if den else "")
        return "suppressed" if count is None else str(count)

    for (target, _), genders in by_target.items():
        total = genders.get("total")
        group, outcome, denominator, is_gap, *_ = next(iter(genders.values()))
        what = f"{group}: {outcome}" + (f" / {denominator}" if denominator else "")
        value = figure(total)
        if value == "suppressed":
            value = f"total suppressed; women {figure(genders.get('F'))}, men {figure(genders.get('M'))}"
        if is_gap and total is not None:
            basis, women, men, gap, gap_hidden = total[9:14]
            if gap_hidden or gap is None:
                value += "; gender gap suppressed" if gap_hidden else "; gender gap n/a"
            elif value.startswith("total suppressed"):
                value += f"; gap {gap:+.1f} pp"
            else:
                value += f"; women {women:.1%} men {men:.1%} ({basis}): gap {gap:+.1f} pp"
        print(f"  {target:<5} {what[:62]:<62} {value}")
    print("  (suppressed: fewer than the threshold, or hidden so that such a cell cannot be derived)")


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
        cutoff = latest_cutoff(conn, date.fromisoformat(logical_date))
        extract = extract_path(cutoff)
        if not extract.exists():
            sys.exit(f"the dbt DAG succeeded but wrote no extract at {extract}")
        print(f"\nExtract: {extract}")
        print_indicators(conn, cutoff)
        print_sdg_summary(conn)

    from osservatorio.validate.data_docs import data_docs_dir

    print(f"\nData Docs (validation of every batch): file://{data_docs_dir() / 'index.html'}")
    print("  (make data-docs serves them on http://127.0.0.1:8809)")

    print_packages(logical_date, log_dir)


def print_packages(logical_date: str, log_dir: Path) -> None:
    """Publish the compliance packages of the last cut-off and of the last one with indicator tables
    (June or December), then say where they and the download page are."""
    from osservatorio.paths import compliance_packages_dir
    from osservatorio.publish.compliance.cutoffs import carries_indicator_tables
    from osservatorio.publish.compliance.request import last_cutoff_before

    latest = last_cutoff_before(date.fromisoformat(logical_date))
    cutoffs = [latest]
    while not carries_indicator_tables(cutoffs[-1]):
        cutoffs.append(last_cutoff_before(cutoffs[-1]))
    print("\nCompliance packages (Art. 42):")
    # A rerun of `make demo` is a manual republication: it says why. When nothing changed it
    # publishes nothing and the current version stays.
    conf = {"reason": "make demo: the packages of the latest cut-offs, from the simulated pilots"}
    unchanged = set()
    for cutoff in sorted(set(cutoffs[:1] + cutoffs[-1:])):
        log = run_dag(
            "publish_compliance_packages", logical_date, log_dir, conf | {"cutoff": cutoff.isoformat()}
        )
        if "unchanged: every file equals version" in log:
            unchanged.add(cutoff)
    root = compliance_packages_dir()
    for cutoff in sorted(set(cutoffs[:1] + cutoffs[-1:])):
        versions = sorted((root / f"{cutoff:%Y%m}").glob("v[0-9][0-9][0-9]"))
        state = "unchanged, nothing new published" if cutoff in unchanged else "published"
        print(f"  {cutoff}: {versions[-1]}  ({len(list(versions[-1].iterdir()))} files; {state})")
    port = os.environ.get("AIRFLOW__API__PORT", "8080")
    print(f"Download page for program officers: http://127.0.0.1:{port}/compliance-packages/")
    print(
        "  (`make ui` serves it; sign in as a user of OSSERVATORIO_PROGRAM_OFFICERS, see docs/downloads.md)"
    )


if __name__ == "__main__":
    main()

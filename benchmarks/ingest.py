"""Benchmark of extraction, validation and landing, per channel, against the simulated pilots.

    python -m benchmarks.ingest --sizes 100000,1000000

For every channel (REST with pages, REST with a cursor, CSV drop, XLSX drop) and size, each
stage runs as its own process (benchmarks/stages.py) so its wall time and peak RSS are its own;
beside the extraction runs its floor: the same pages fetched, or the same files read, with no
processing. Prints a table and writes JSON to $OSSERVATORIO_STATE_DIR/bench/.
Not part of `make test`: at 1M records it takes many minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from typing import TYPE_CHECKING

from osservatorio.paths import state_dir
from pilot_systems.ports import free_port, wait_for_port

if TYPE_CHECKING:
    from pathlib import Path

CHANNELS = {  # channel -> the simulated pilot that uses it
    "rest_api (pages)": "tdz_corviale",
    "rest_api (cursor)": "cmrc_col",
    "csv_drop": "cal_adda_martesana",
    "xlsx_drop": "zot_pratico",
}
TOKEN = "local-bench-token"
SEED = 11


def run_stage(args: list[str]) -> dict:
    """Run one stage; returns its JSON line plus the process's own peak RSS."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.stages", *args], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"stage {args[0]} failed ({proc.returncode}): {output}")
    return json.loads(output.strip().splitlines()[-1]) | {"peak_rss_mb": usage.ru_maxrss / 1024}


def bench_channel(channel: str, pilot: str, size: int, work: Path, warehouse: str) -> list[dict]:
    work.mkdir(parents=True, exist_ok=True)
    common = ["--pilot", pilot, "--work", str(work)]
    server = None
    try:
        if channel.startswith("rest_api"):
            port = free_port()
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "pilot_systems.rest_api",
                    "--port",
                    str(port),
                    "--size",
                    str(size),
                    "--seed",
                    str(SEED),
                    "--token",
                    TOKEN,
                    "--defect-rate",
                    "0.02",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            wait_for_port(port, timeout=10)
            source = ["--base-url", f"http://127.0.0.1:{port}/{pilot}", "--token", TOKEN]
            floor = run_stage(["floor-fetch", "--pilot", pilot, *source])
        else:
            inbox = work / "inbox"
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pilot_systems.drops",
                    "--pilot",
                    pilot,
                    "--inbox",
                    str(inbox),
                    "--size",
                    str(size),
                    "--seed",
                    str(SEED),
                    "--defect-rate",
                    "0.02",
                ],
                check=True,
            )
            source = ["--inbox", str(inbox)]
            floor = run_stage(["floor-read", "--pilot", pilot, "--inbox", str(inbox)])
        rows = [floor | {"stage": "floor (bare fetch/read)"}]
        rows.append(run_stage(["extract", *common, *source]))
        rows.append(run_stage(["validate", *common]))
        rows.append(run_stage(["land", *common, "--warehouse", warehouse]))
    finally:
        if server:
            server.terminate()
            server.wait()
    return [r | {"channel": channel, "size": size} for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000")
    parser.add_argument(
        "--channels", default=",".join(CHANNELS), help="comma-separated, from: " + ", ".join(CHANNELS)
    )
    args = parser.parse_args()
    warehouse = os.environ["AIRFLOW_CONN_OSSERVATORIO_WAREHOUSE"]
    from osservatorio.land.migrate import migrate

    migrate(warehouse)  # the benchmark's own database gets the raw schema as `make setup` gives it
    out_dir = state_dir() / "bench"
    results: list[dict] = []
    for size in (int(s) for s in args.sizes.split(",")):
        for channel in args.channels.split(","):
            work = out_dir / "work" / f"{CHANNELS[channel]}-{size}"
            shutil.rmtree(work, ignore_errors=True)
            results += bench_channel(channel, CHANNELS[channel], size, work, warehouse)
            shutil.rmtree(work, ignore_errors=True)
    print(f"{'channel':<18} {'size':>9} {'stage':<24} {'records':>9} {'s':>8} {'rec/s':>9} {'RSS MB':>7}")
    for r in results:
        print(
            f"{r['channel']:<18} {r['size']:>9} {r['stage']:<24} {r['records']:>9} {r['seconds']:>8.1f} "
            f"{r['records'] / max(r['seconds'], 1e-9):>9.0f} {r['peak_rss_mb']:>7.0f}"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"ingest-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=1))
    print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()

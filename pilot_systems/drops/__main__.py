"""Write one extraction of a file pilot into its inbox folder.

    python -m pilot_systems.drops --pilot cal_adda_martesana --inbox DIR --size N --seed S \\
        --defect-rate R [--encoding cp1252|utf-8-sig|mixed] [--date YYYY-MM-DD] [--defects k1,k2]

Writes partecipanti_20261124.csv, ... (CAL) or PRATICO_partecipanti_2026-11-24.xlsx, ... (ZOT).
The extraction date is also the system's today unless --today says otherwise.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from pilot_systems.drops import ENCODINGS, write_drops
from pilot_systems.generators.base import DEFAULT_TODAY
from pilot_systems.system import PilotSystem
from pilot_systems.vocabularies import FILE_PILOTS


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pilot", required=True, choices=FILE_PILOTS)
    parser.add_argument("--inbox", required=True, type=Path)
    parser.add_argument("--size", type=int, default=500, help="participant enrolments")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--defect-rate", type=float, default=0.03)
    parser.add_argument("--defects", help="comma-separated defect kinds to inject (default: all)")
    parser.add_argument("--encoding", choices=ENCODINGS, default="cp1252", help="CSV pilots only")
    parser.add_argument("--date", type=date.fromisoformat, help="extraction date (default: --today)")
    parser.add_argument("--today", type=date.fromisoformat, help="the system's today (default: --date)")
    args = parser.parse_args(argv)
    today = args.today or args.date or DEFAULT_TODAY
    defects = [d.strip() for d in args.defects.split(",")] if args.defects else None
    system = PilotSystem(args.pilot, args.size, args.seed, args.defect_rate, defects=defects, today=today)
    for path in write_drops(system, args.inbox, args.date or today, args.encoding):
        print(path, file=sys.stderr)


if __name__ == "__main__":
    main()

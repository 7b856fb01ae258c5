"""CSV exports the way an Italian office tool writes them: `;`, CRLF, Windows-1252 or UTF-8 with BOM."""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from pilot_systems.system import PilotSystem

ENCODINGS = ("cp1252", "utf-8-sig", "mixed")


def write_csv(system: PilotSystem, entity: str, path: Path, encoding: str) -> int:
    if encoding not in ("cp1252", "utf-8-sig"):
        raise ValueError(f"unsupported encoding {encoding!r}")
    header = list(system.vocabulary.entities[entity].fields.values())
    written = 0
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        for rec in system.records(entity):
            writer.writerow([rec.record[name] for name in header])
            written += 1
    return written

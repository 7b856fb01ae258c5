"""File drops of the file-channel pilots: one file per record type and extraction date.

    write_drops(PilotSystem("cal_adda_martesana", size=100_000), Path("inbox"), date(2026, 11, 24))

Files are written streaming (one record in memory at a time) under a `.part` name and renamed
when complete, as a careful sender does, so an inbox never shows a half-written file.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from pilot_systems.drops.csv_files import ENCODINGS, write_csv
from pilot_systems.drops.xlsx_files import write_xlsx
from pilot_systems.vocabularies import ENTITIES

if TYPE_CHECKING:
    from datetime import date
    from pathlib import Path

    from pilot_systems.system import PilotSystem

__all__ = ["ENCODINGS", "drop_path", "encoding_for", "write_drops"]


def drop_path(system: PilotSystem, entity: str, inbox: Path, extraction_date: date) -> Path:
    return inbox / extraction_date.strftime(system.vocabulary.file_names[entity])


def encoding_for(entity: str, encoding: str) -> str:
    """`mixed` alternates the two encodings across record types, as two export tools would."""
    if encoding != "mixed":
        return encoding
    return ("cp1252", "utf-8-sig")[ENTITIES.index(entity) % 2]


def write_drops(
    system: PilotSystem,
    inbox: Path,
    extraction_date: date,
    encoding: str = "cp1252",
    entities: tuple[str, ...] = ENTITIES,
) -> list[Path]:
    channel = system.vocabulary.format.channel
    if channel not in ("csv_drop", "xlsx_drop"):
        raise ValueError(f"{system.pilot} is not a file pilot (channel {channel})")
    inbox.mkdir(parents=True, exist_ok=True)
    written = []
    for entity in entities:
        path = drop_path(system, entity, inbox, extraction_date)
        partial = path.with_name(path.name + ".part")
        if channel == "csv_drop":
            write_csv(system, entity, partial, encoding_for(entity, encoding))
        else:
            write_xlsx(system, entity, partial, extraction_date)
        os.replace(partial, path)
        written.append(path)
    return written

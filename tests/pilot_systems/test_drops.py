"""File drops: CSV (encodings, separators, Italian formats) and XLSX (title block above the header)."""

from __future__ import annotations

import csv
import fnmatch
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from osservatorio.registry import load_registry
from pilot_systems.drops import write_drops
from pilot_systems.system import PilotSystem
from pilot_systems.vocabularies import ENTITIES
from pilot_systems.vocabularies.zot_pratico import PROGRAMME, TITLE_ROWS

REPO = Path(__file__).resolve().parents[2]
DAY = date(2026, 11, 24)


def cal(encoding: str, tmp_path: Path) -> tuple[PilotSystem, list[Path]]:
    system = PilotSystem("cal_adda_martesana", size=600, seed=3, defect_rate=0.1, today=DAY)
    return system, write_drops(system, tmp_path, DAY, encoding)


def test_csv_files_are_named_as_the_registry_expects(tmp_path: Path) -> None:
    _, paths = cal("cp1252", tmp_path)
    assert [p.name for p in paths] == [
        f"{stem}_20261124.csv" for stem in ("progetti", "partecipanti", "esiti", "enti_sostenuti", "spese")
    ]
    sources = load_registry()["cal_adda_martesana"].entities
    for entity, path in zip(ENTITIES, paths, strict=True):
        assert fnmatch.fnmatch(path.name, sources[entity].file_pattern)
    assert not list(tmp_path.glob("*.part"))


def test_cp1252_csv_decodes_as_cp1252_with_accents(tmp_path: Path) -> None:
    _, paths = cal("cp1252", tmp_path)
    raw = paths[1].read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1252")
    assert "Disabilità" in text
    assert "Data di nascita" in text
    assert "\r\n" in text
    assert "Importo dichiarato (€)" in paths[4].read_bytes().decode("cp1252")


def test_utf8_csv_starts_with_a_bom(tmp_path: Path) -> None:
    _, paths = cal("utf-8-sig", tmp_path)
    raw = paths[1].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "Disabilità" in raw.decode("utf-8-sig")


def test_mixed_encoding_uses_both(tmp_path: Path) -> None:
    _, paths = cal("mixed", tmp_path)
    boms = {p.read_bytes().startswith(b"\xef\xbb\xbf") for p in paths}
    assert boms == {True, False}


def test_csv_rows_are_the_python_api_records_in_italian_formats(tmp_path: Path) -> None:
    system, paths = cal("cp1252", tmp_path)
    with paths[1].open(encoding="cp1252", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    expected = list(system.records("participant_enrolments"))
    assert rows[0] == list(expected[0].record)
    assert rows[1:] == [list(r.record.values()) for r in expected]
    birth = rows[0].index("Data di nascita")
    assert all(len(r[birth].split("/")) == 3 for r, e in zip(rows[1:], expected, strict=True) if r[birth])
    ids = [r[0] for r in rows[1:]]
    assert len(ids) > len(set(ids))  # duplicates are written twice in the same file
    with paths[4].open(encoding="cp1252", newline="") as handle:
        amounts = [row[3] for row in list(csv.reader(handle, delimiter=";"))[1:] if row[3]]
    assert any("." in a and "," in a for a in amounts)  # 12.345,67
    assert all(a.rsplit(",", 1)[1].isdigit() for a in amounts)


def test_xlsx_has_a_title_block_above_the_header(tmp_path: Path) -> None:
    system = PilotSystem("zot_pratico", size=500, seed=3, defect_rate=0.1, today=DAY)
    paths = write_drops(system, tmp_path, DAY)
    assert paths[1].name == "PRATICO_partecipanti_2026-11-24.xlsx"
    sources = load_registry()["zot_pratico"].entities
    for entity, path in zip(ENTITIES, paths, strict=True):
        assert fnmatch.fnmatch(path.name, sources[entity].file_pattern)
        workbook = openpyxl.load_workbook(path, read_only=True)
        rows = list(workbook.active.iter_rows(values_only=True))
        title_rows = TITLE_ROWS[entity]
        assert 2 <= title_rows <= 4
        assert rows[0][0] == PROGRAMME
        assert any(r and r[0] == "Data estrazione: 24/11/2026" for r in rows[:title_rows])
        expected = list(system.records(entity))
        assert list(rows[title_rows]) == list(expected[0].record)
        assert len(rows) - title_rows - 1 == len(expected)
        workbook.close()
    workbook = openpyxl.load_workbook(paths[1], read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    header = rows[TITLE_ROWS["participant_enrolments"]]
    first = dict(zip(header, rows[TITLE_ROWS["participant_enrolments"] + 1], strict=True))
    assert isinstance(first["Data nascita"], date)
    assert isinstance(first["Comune residenza ISTAT"], str)
    workbook.close()


def test_drops_cli_writes_one_file_per_record_type(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pilot_systems.drops",
            "--pilot",
            "zot_pratico",
            "--inbox",
            str(tmp_path),
            "--size",
            "60",
            "--seed",
            "2",
            "--defect-rate",
            "0.1",
            "--date",
            "2026-11-24",
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    assert len(list(tmp_path.glob("PRATICO_*_2026-11-24.xlsx"))) == 5
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pilot_systems.drops",
            "--pilot",
            "cal_adda_martesana",
            "--inbox",
            str(tmp_path),
            "--size",
            "60",
            "--seed",
            "2",
            "--defect-rate",
            "0.1",
            "--encoding",
            "utf-8-sig",
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    assert (tmp_path / "partecipanti_20261120.csv").read_bytes().startswith(b"\xef\xbb\xbf")

"""CSV files with a stray NUL or a stray cp1252 byte: the good rows land, the bad row is quarantined
naming column and problem; binary files are still refused whole. Files written here byte by byte."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from osservatorio.channels import channel_for
from osservatorio.envelope import BAD_TEXT
from osservatorio.extract.csv_reader import detect_encoding
from osservatorio.extract.file_drop import FileRejected, extract_files
from osservatorio.registry import load_registry
from osservatorio.validate.batch import ValidationSummary, validate_batch

CAL_ADDA = load_registry()["cal_adda_martesana"]  # csv_drop, Italian formats
SOURCE = CAL_ADDA.entities["operations"]
HEADER = list(SOURCE.fields.values())
BIG = 1 << 16  # detection looks at the first 64 KiB for binary content


def operation(i: int, **changes: str) -> dict[str, str]:
    return {
        "Codice progetto": f"OP-{i}",
        "Titolo": "Attività di quartiere: più lavoro",  # UTF-8 accents in every row
        "Ente attuatore": "Libera Compagnia di Arti & Mestieri Sociali",
        "Azione": "4.4.8.1",
        "Fonte di finanziamento": "Fondazioni private",
        "Data avvio": "01/03/2023",
        "Costo ammissibile (€)": "120.000,00",
        "Tasso di cofinanziamento (%)": "40",
    } | changes


def row_bytes(values: dict[str, str], encoding: str = "utf-8") -> bytes:
    return ";".join(values.get(h, "") for h in HEADER).encode(encoding) + b"\r\n"


def write(path: Path, rows: list[bytes], encoding: str = "utf-8") -> Path:
    path.write_bytes(";".join(HEADER).encode(encoding) + b"\r\n" + b"".join(rows))
    return path


def extract(tmp_path: Path) -> Path:
    out = tmp_path / "operations.source.jsonl"
    extract_files(CAL_ADDA, SOURCE, tmp_path / "inbox", out, set(), channel_for(CAL_ADDA).read_file)
    return out


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def validate(extracted: Path) -> tuple[ValidationSummary, list[dict[str, Any]]]:
    summary = validate_batch(CAL_ADDA, "operations", extracted, "k" * 40, date(2026, 6, 30))
    quarantine = Path(summary.quarantine_path).read_text(encoding="utf-8")
    for written in (extracted, Path(summary.valid_path), Path(summary.quarantine_path)):
        text = written.read_text(encoding="utf-8")  # would fail on a lone surrogate
        assert "\\u0000" not in text, written.name  # PostgreSQL text/jsonb cannot hold it
    return summary, [json.loads(line) for line in quarantine.splitlines()]


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    (tmp_path / "inbox").mkdir()
    return tmp_path / "inbox"


def filler(count: int) -> list[bytes]:
    return [row_bytes(operation(i)) for i in range(100, 100 + count)]


# -- a NUL byte in a text file ---------------------------------------------------------------------


@pytest.mark.parametrize("where", ["head", "tail"])
def test_a_row_with_a_nul_byte_is_quarantined_and_the_others_land(
    tmp_path: Path, inbox: Path, where: str
) -> None:
    bad = row_bytes(operation(1)).replace(b"120.000", b"120\x00000")
    good = filler(600)  # 600 rows: well over 64 KiB
    rows = [bad, *good] if where == "head" else [*good, bad]
    assert sum(map(len, good)) > BIG
    write(inbox / "progetti_1.csv", rows)

    extracted = extract(tmp_path)
    summary, quarantined = validate(extracted)

    assert (summary.received, summary.valid, summary.quarantined) == (601, 600, 1)
    [entry] = quarantined
    assert entry["record_id"] == "OP-1"
    assert "clean_text" in entry["failed_rules"]
    assert "Costo ammissibile (€): NUL byte" in entry["reason"]
    assert entry["payload"]["total_eligible_cost"] == "120\\x00000,00"
    line = 2 if where == "head" else 602
    assert entry["source"] == f"progetti_1.csv:{line}"


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200),
        random.Random(7).randbytes(BIG),  # compressed or encrypted data: any byte, evenly
        "Codice progetto;Titolo\r\nOP-1;x\r\n".encode("utf-16-le"),  # UTF-16 without its BOM
    ],
    ids=["png", "random", "utf16_without_bom"],
)
def test_a_binary_file_is_refused_whole(tmp_path: Path, inbox: Path, content: bytes) -> None:
    (inbox / "progetti_1.csv").write_bytes(content)
    with pytest.raises(FileRejected, match=r"file progetti_1\.csv: not a text file"):
        extract(tmp_path)


# -- a stray cp1252 byte in a UTF-8 file -----------------------------------------------------------


def test_a_mixed_file_is_utf8_and_only_the_row_with_the_bad_byte_is_quarantined(
    tmp_path: Path, inbox: Path
) -> None:
    bad = row_bytes(operation(1, Titolo="Caffè sociale"), encoding="cp1252")  # è is 0xE8 in cp1252
    write(inbox / "progetti_1.csv", [*filler(3), bad, *filler(2)])
    assert detect_encoding(inbox / "progetti_1.csv") == "utf-8"

    extracted = extract(tmp_path)
    read = records(extracted)
    assert [r["record"]["Titolo"] for r in read].count("Attività di quartiere: più lavoro") == 5
    assert read[3]["record"]["Titolo"] == "Caff\\xe8 sociale"
    assert read[3]["record"][BAD_TEXT] == {
        "Titolo": "byte 0xE8 is not valid UTF-8 (mixed encodings; shown as \\xe8)"
    }

    summary, quarantined = validate(extracted)
    assert (summary.valid, summary.quarantined) == (5, 1)
    [entry] = quarantined
    assert entry["source"] == "progetti_1.csv:5"
    assert "Titolo: byte 0xE8 is not valid UTF-8" in entry["reason"]
    valid = [json.loads(line) for line in Path(summary.valid_path).read_text(encoding="utf-8").splitlines()]
    assert {v["record"]["title"] for v in valid} == {"Attività di quartiere: più lavoro"}


def test_a_bad_byte_far_into_the_file_is_found(tmp_path: Path, inbox: Path) -> None:
    bad = row_bytes(operation(1, Titolo="Citt\xe0"), encoding="cp1252")
    write(inbox / "progetti_1.csv", [*filler(15_000), bad])  # about 2 MiB: beyond one read chunk
    assert detect_encoding(inbox / "progetti_1.csv") == "utf-8"
    assert records(extract(tmp_path))[-1]["record"][BAD_TEXT] == {
        "Titolo": "byte 0xE0 is not valid UTF-8 (mixed encodings; shown as \\xe0)"
    }


def test_a_character_split_between_reads_is_not_a_bad_byte(tmp_path: Path, inbox: Path) -> None:
    # One "à" whose two bytes fall either side of the first read (64 KiB).
    header = ";".join(HEADER).encode() + b"\r\n"
    title_at = len(header) + row_bytes(operation(1, Titolo="@")).index(b"@")
    title = "x" * (BIG - 1 - title_at) + "à"
    path = inbox / "progetti_1.csv"
    path.write_bytes(header + row_bytes(operation(1, Titolo=title)))
    assert path.read_bytes()[BIG - 1 : BIG + 1] == "à".encode()
    assert detect_encoding(path) == "utf-8"
    [read] = records(extract(tmp_path))
    assert read["record"]["Titolo"] == title


def test_a_cp1252_file_is_still_cp1252(tmp_path: Path, inbox: Path) -> None:
    write(inbox / "progetti_1.csv", [row_bytes(operation(1), encoding="cp1252")], encoding="cp1252")
    assert detect_encoding(inbox / "progetti_1.csv") == "cp1252"
    [read] = records(extract(tmp_path))
    assert read["record"]["Titolo"] == "Attività di quartiere: più lavoro"
    assert BAD_TEXT not in read["record"]


def test_a_header_with_a_bad_byte_refuses_the_file(tmp_path: Path, inbox: Path) -> None:
    header = ";".join(HEADER).encode("utf-8").replace("Attività".encode(), "Attività".encode("cp1252"))
    (inbox / "progetti_1.csv").write_bytes(header + b"\r\n" + row_bytes(operation(1)))
    with pytest.raises(FileRejected, match=r"progetti_1\.csv, line 1: header: byte 0xE0 is not valid UTF-8"):
        extract(tmp_path)

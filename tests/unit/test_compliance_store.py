"""Cut-off calendar and the version store: v001 first, then the next number; the staging folder is
hidden until the atomic rename; published files and folder are read-only."""

from __future__ import annotations

from dataclasses import astuple
from datetime import date
from typing import TYPE_CHECKING

import pytest

from osservatorio.errors import RunConfigurationError
from osservatorio.publish.compliance.cutoffs import carries_indicator_tables, submission_period
from osservatorio.publish.compliance.store import discard, publish, published_versions, staging_folder

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


@pytest.mark.parametrize(
    ("cutoff", "period", "indicators"),
    [
        (date(2031, 3, 31), "203103", False),
        (date(2031, 6, 30), "203106", True),
        (date(2031, 8, 31), "203108", False),
        (date(2031, 10, 31), "203110", False),
        (date(2031, 12, 31), "203112", True),
    ],
)
def test_the_five_art_42_cutoffs(cutoff: date, period: str, indicators: bool) -> None:
    assert submission_period(cutoff) == period
    assert carries_indicator_tables(cutoff) is indicators


@pytest.mark.parametrize("day", [date(2031, 6, 29), date(2031, 9, 30), date(2031, 1, 31)])
def test_other_dates_are_refused(day: date) -> None:
    with pytest.raises(RunConfigurationError, match=r"not an Art\. 42 cut-off"):
        submission_period(day)


def stage(root: Path, text: str) -> Path:
    staging = staging_folder(root, "203106")
    (staging / "data.csv").write_text(text)
    return staging


def write_manifest(folder: Path, version: int, supersedes: int | None) -> None:
    (folder / "manifest.json").write_text(f"{version} {supersedes}")


def test_versions_count_up_and_published_folders_are_read_only(tmp_path: Path) -> None:
    first, version, published = astuple(publish(stage(tmp_path, "a"), tmp_path, "203106", write_manifest))
    assert (first, version, published) == (tmp_path / "203106" / "v001", 1, True)
    second, version, published = astuple(publish(stage(tmp_path, "b"), tmp_path, "203106", write_manifest))
    assert (second, version, published) == (tmp_path / "203106" / "v002", 2, True)
    assert (first / "manifest.json").read_text() == "1 None"
    assert (second / "manifest.json").read_text() == "2 1"
    assert (first / "data.csv").read_text() == "a"
    assert first.stat().st_mode & 0o777 == 0o555
    assert {p.stat().st_mode & 0o777 for p in (*first.iterdir(), *second.iterdir())} == {0o444}
    assert published_versions(tmp_path, "203106") == [1, 2]
    assert published_versions(tmp_path, "203108") == []
    # Nothing but the lock file and the period folder is left in the root.
    assert sorted(p.name for p in tmp_path.iterdir()) == [".publish.lock", "203106"]


def test_versions_go_past_999_in_numeric_order(tmp_path: Path) -> None:
    for name in ("v009", "v010", "v999", "notes", ".building-x"):
        (tmp_path / "203106" / name).mkdir(parents=True)
    assert published_versions(tmp_path, "203106") == [9, 10, 999]
    done = publish(stage(tmp_path, "c"), tmp_path, "203106", write_manifest)
    assert (done.path.name, done.version) == ("v1000", 1000)
    assert published_versions(tmp_path, "203106")[-1] == 1000


def test_a_staging_folder_is_hidden_and_can_be_discarded(tmp_path: Path) -> None:
    staging = stage(tmp_path, "x")
    assert staging.parent == tmp_path
    assert staging.name.startswith(".building-203106-")
    discard(staging)
    assert list(tmp_path.iterdir()) == []


def test_a_failure_while_finishing_publishes_nothing(tmp_path: Path) -> None:
    def broken(folder: Path, version: int, supersedes: int | None) -> None:
        raise OSError("disk full")

    staging = stage(tmp_path, "x")
    with pytest.raises(OSError, match="disk full"):
        publish(staging, tmp_path, "203106", broken)
    assert published_versions(tmp_path, "203106") == []
    assert staging.exists()  # the caller (build_package) discards it


def test_a_build_equal_to_the_current_version_publishes_nothing(tmp_path: Path) -> None:
    publish(stage(tmp_path, "a"), tmp_path, "203106", write_manifest)
    compared: list[Path] = []

    def same_as(staging: Path) -> Callable[[Path], bool]:
        def same(current: Path) -> bool:
            compared.append(current)
            return (current / "data.csv").read_text() == (staging / "data.csv").read_text()

        return same

    staging = stage(tmp_path, "a")
    done = publish(staging, tmp_path, "203106", write_manifest, same_as=same_as(staging))
    assert (done.path, done.version, done.published) == (tmp_path / "203106" / "v001", 1, False)
    assert compared == [tmp_path / "203106" / "v001"]
    assert staging.exists()  # left to the caller, which discards it
    assert published_versions(tmp_path, "203106") == [1]
    other = stage(tmp_path, "b")
    changed = publish(other, tmp_path, "203106", write_manifest, same_as=same_as(other))
    assert (changed.version, changed.published) == (2, True)
    # A first version has nothing to equal.
    first = stage(tmp_path, "a")
    assert publish(first, tmp_path, "203108", write_manifest, same_as=same_as(first)).version == 1

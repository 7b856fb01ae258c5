"""Where packages are published, and the rule that a published version never changes.

Layout: `<root>/<YYYYMM>/v<NNN>/` per cut-off and version (v001 first). A package is written
into a hidden staging folder `<root>/.building-<YYYYMM>-<random>/` beside the published ones,
and only when it is complete is it renamed (one atomic rename on the same file system) to the
next free version number, under an exclusive lock on `<root>/.publish.lock`, so two builds of
the same cut-off at once get two versions and a reader never sees half a package. Before the
rename the files become read-only (0444), and the folder (0555) right after it: a version folder is never
written again. Anything whose name starts with `.` is not a package. A build whose files equal the
current version's publishes nothing (the comparison is made under the same lock).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import stat
import tempfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

VERSION_FOLDER = re.compile(r"v([0-9]{3,})")
READ_ONLY_FILE = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH  # 0444
READ_ONLY_FOLDER = READ_ONLY_FILE | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH  # 0555
LOCK_NAME = ".publish.lock"


def version_name(version: int) -> str:
    return f"v{version:03d}"


def published_versions(root: Path, period: str) -> list[int]:
    """The version numbers published for a submission period, in order."""
    folder = root / period
    if not folder.is_dir():
        return []
    found = (VERSION_FOLDER.fullmatch(p.name) for p in folder.iterdir() if p.is_dir())
    return sorted(int(m.group(1)) for m in found if m)


def staging_folder(root: Path, period: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    return root.joinpath(tempfile.mkdtemp(prefix=f".building-{period}-", dir=root))


def discard(staging: Path) -> None:
    """Remove an unpublished staging folder (it may already be read-only)."""
    if staging.exists():
        staging.chmod(0o755)
        shutil.rmtree(staging)


@contextlib.contextmanager
def publish_lock(root: Path) -> Iterator[None]:
    with (root / LOCK_NAME).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _seal_files(staging: Path) -> None:
    """Every file flushed to disk and read-only."""
    for path in staging.iterdir():
        with path.open("rb") as handle:
            os.fsync(handle.fileno())
        path.chmod(READ_ONLY_FILE)


@dataclass(frozen=True)
class Publication:
    path: Path  # the new version's folder, or the current one's when nothing was published
    version: int
    published: bool  # False: the staged files equal the current version's, nothing new


def publish(
    staging: Path,
    root: Path,
    period: str,
    finish: Callable[[Path, int, int | None], None],
    same_as: Callable[[Path], bool] | None = None,
) -> Publication:
    """Publish `staging` as the next version of `period`: `finish(staging, version, supersedes)`
    writes the last file (the manifest) once the version is known. When `same_as(current version's
    folder)` says the staged files are those of the current version, nothing is published (the
    staging folder is left to the caller) and the current version is returned."""
    with publish_lock(root):
        versions = published_versions(root, period)
        previous = versions[-1] if versions else None
        if previous is not None and same_as is not None:
            current = root / period / version_name(previous)
            if same_as(current):
                return Publication(current, previous, published=False)
        version = (previous or 0) + 1
        target = root / period / version_name(version)
        finish(staging, version, previous)
        _seal_files(staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():  # only a process ignoring the lock could have made it
            raise FileExistsError(f"{target} already exists: a published version is never replaced")
        # Renamed while still writable: moving a folder to another parent rewrites its `..`.
        os.rename(staging, target)
        target.chmod(READ_ONLY_FOLDER)
    return Publication(target, version, published=True)

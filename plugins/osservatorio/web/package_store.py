"""Read-only access to the published compliance packages, and nothing outside them.

The store is `compliance_packages_dir()`: one folder per cut-off (`YYYYMM`), one per version inside
it (`vNNN`), each holding the package's files and its `manifest.json` (`files`: name -> SHA-256).
Requests name a file by three path segments that are checked before anything is touched:

- the cut-off and the version must have their exact shapes, the file name must be a plain name
  (no separator, no `..`, no leading dot, no control character);
- the file must be named in that version's manifest (or be the manifest itself);
- the resolved path must be exactly `<store>/<cut-off>/<version>/<name>`: a symbolic link anywhere
  below the store (folder or file) is refused, wherever it points, and so is anything that is
  not a regular file. The file is opened with O_NOFOLLOW and checked again on the descriptor.

A version folder without a manifest is still being written (the manifest comes last) and is not
listed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

CUTOFF = re.compile(r"[0-9]{6}")
VERSION = re.compile(r"v[0-9]{3}")
SHA256 = re.compile(r"[0-9a-f]{64}")
MANIFEST = "manifest.json"
MAX_NAME = 255


class BadRequest(ValueError):
    """A path segment that can never name a package file (HTTP 400)."""


class NotFound(LookupError):
    """No such package, or a file that is not served (HTTP 404: the reason is not disclosed)."""


class ManifestError(ValueError):
    """A published version whose manifest cannot be read as a manifest."""


def is_plain_name(name: str) -> bool:
    """A file name that cannot leave its folder or hide: no separators, dots-only or control chars."""
    return (
        0 < len(name) <= MAX_NAME
        and not name.startswith(".")
        and "/" not in name
        and "\\" not in name
        and all(ch.isprintable() for ch in name)
    )


def check_segments(cutoff: str, version: str, name: str | None = None) -> None:
    """Raise BadRequest unless the segments have the shapes of a cut-off, a version and a name."""
    if not CUTOFF.fullmatch(cutoff):
        raise BadRequest(f"not a cut-off (YYYYMM): {cutoff!r}")
    if not VERSION.fullmatch(version):
        raise BadRequest(f"not a version (vNNN): {version!r}")
    if name is not None and not is_plain_name(name):
        raise BadRequest(f"not a file name: {name!r}")


def exact_path(store: Path, *parts: str) -> Path:
    """`store/parts...` if it exists with no symbolic link below the store; NotFound otherwise."""
    root = store.resolve(strict=True)
    path = root.joinpath(*parts)
    try:
        real = path.resolve(strict=True)
    except (FileNotFoundError, NotADirectoryError, RuntimeError) as error:  # RuntimeError: link loop
        raise NotFound(f"{'/'.join(parts)}: not in the store") from error
    if real != path:
        raise NotFound(f"{'/'.join(parts)}: a symbolic link, not served")
    return path


def open_regular(store: Path, *parts: str) -> IO[bytes]:
    """The regular file `store/parts...` opened for reading, symbolic links refused."""
    path = exact_path(store, *parts)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError as error:  # ELOOP: the file became a link since the check
        raise NotFound(f"{'/'.join(parts)}: not readable") from error
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise NotFound(f"{'/'.join(parts)}: not a regular file")
    return os.fdopen(fd, "rb")


def read_manifest(store: Path, cutoff: str, version: str) -> dict[str, Any]:
    """The version's manifest as a JSON object; NotFound without one, ManifestError if malformed."""
    with open_regular(store, cutoff, version, MANIFEST) as handle:
        raw = handle.read()
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ManifestError(f"{cutoff}/{version}/{MANIFEST} is not JSON: {error}") from error
    if not isinstance(manifest, dict):
        raise ManifestError(f"{cutoff}/{version}/{MANIFEST} is not a JSON object")
    manifest_files(manifest)  # raises ManifestError on a malformed `files`
    return manifest


def manifest_files(manifest: dict[str, Any]) -> dict[str, str]:
    """The manifest's `files` as name -> SHA-256 (a value may be the hash or {"sha256": hash})."""
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise ManifestError("the manifest has no `files` object (name -> SHA-256)")
    out: dict[str, str] = {}
    for name, value in files.items():
        digest = value.get("sha256") if isinstance(value, dict) else value
        if not isinstance(digest, str) or not SHA256.fullmatch(digest.lower()):
            raise ManifestError(f"the manifest's `files` has no SHA-256 for {name!r}")
        out[name] = digest.lower()
    return out


def sha256_and_size(handle: IO[bytes], chunk: int = 1 << 20) -> tuple[str, int]:
    """SHA-256 and length of what `handle` reads from its current position to the end."""
    digest, size = hashlib.sha256(), 0
    while block := handle.read(chunk):
        digest.update(block)
        size += len(block)
    return digest.hexdigest(), size


@dataclass(frozen=True)
class PackageFile:
    name: str
    sha256: str
    size: int | None  # None: named by the manifest but absent, or not servable (a link, a folder)


@dataclass(frozen=True)
class PackageVersion:
    cutoff: str
    version: str
    manifest: dict[str, Any] | None
    error: str | None  # why the manifest could not be read (then nothing is downloadable)
    files: tuple[PackageFile, ...]


def _subfolders(path: Path, shape: re.Pattern[str]) -> list[str]:
    """Names of the real folders (no links) in `path` with the given shape, highest first."""
    with os.scandir(path) as entries:
        names = [e.name for e in entries if shape.fullmatch(e.name) and e.is_dir(follow_symlinks=False)]
    return sorted(names, reverse=True)


def _file_size(store: Path, cutoff: str, version: str, name: str) -> int | None:
    if not is_plain_name(name):
        return None
    try:
        info = exact_path(store, cutoff, version, name).lstat()
    except (NotFound, OSError):
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def list_packages(store: Path) -> list[PackageVersion]:
    """Every published version, newest cut-off first, newest version first within a cut-off."""
    root = store.resolve(strict=True)
    found: list[PackageVersion] = []
    for cutoff in _subfolders(root, CUTOFF):
        for version in _subfolders(root / cutoff, VERSION):
            try:
                manifest = read_manifest(root, cutoff, version)
            except NotFound:
                continue  # still being written: its manifest is written last
            except (ManifestError, OSError) as error:
                found.append(PackageVersion(cutoff, version, None, str(error), ()))
                continue
            files = tuple(
                PackageFile(name, digest, _file_size(root, cutoff, version, name))
                for name, digest in sorted(manifest_files(manifest).items())
            )
            found.append(PackageVersion(cutoff, version, manifest, None, files))
    return found


@dataclass
class ServedFile:
    """A package file opened for download, hashed, positioned at its start."""

    handle: IO[bytes]
    sha256: str
    size: int


def open_for_download(store: Path, cutoff: str, version: str, name: str) -> ServedFile:
    """Open a package file for download after every check; its bytes must match the manifest.

    Raises BadRequest, NotFound, or ManifestError (a manifest that cannot be read, or a file whose
    SHA-256 differs from the one its manifest records: a damaged package is not served).
    """
    check_segments(cutoff, version, name)
    root = store.resolve(strict=True)
    manifest = read_manifest(root, cutoff, version)
    expected = manifest_files(manifest).get(name)
    if expected is None and name != MANIFEST:
        raise NotFound(f"{cutoff}/{version}/{name}: not in the manifest")
    handle = open_regular(root, cutoff, version, name)
    try:
        digest, size = sha256_and_size(handle)
        if expected is not None and digest != expected:
            raise ManifestError(
                f"{cutoff}/{version}/{name}: SHA-256 {digest} differs from the manifest's {expected}"
            )
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return ServedFile(handle, digest, size)

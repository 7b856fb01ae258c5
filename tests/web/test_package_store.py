"""The package store's own refusals, on folders built here (no server): the cases the HTTP tests
cannot build through a manifest written by the pipeline, and the ones that must not hang."""

from __future__ import annotations

import hashlib
import json
import os
from typing import TYPE_CHECKING

import pytest

from osservatorio.web.package_store import (
    BadRequest,
    ManifestError,
    NotFound,
    is_plain_name,
    list_packages,
    open_for_download,
)

if TYPE_CHECKING:
    from pathlib import Path


def publish(
    root: Path, cutoff: str, version: str, files: dict[str, bytes], listed: dict | None = None
) -> Path:
    folder = root / cutoff / version
    folder.mkdir(parents=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    digests = {name: hashlib.sha256(content).hexdigest() for name, content in files.items()}
    manifest = {"cutoff_date": "2026-06-30", "version": int(version[1:]), "files": listed or digests}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("name", "plain"),
    [
        ("list_of_operations.csv", True),
        ("Elenco operazioni è.csv", True),
        ("..", False),
        (".", False),
        (".hidden", False),
        ("a/b.csv", False),
        ("a\\b.csv", False),
        ("/etc/passwd", False),
        ("tab\there.csv", False),
        ("new\nline.csv", False),
        ("nul\x00.csv", False),
        ("", False),
        ("x" * 256, False),
    ],
)
def test_plain_names(name: str, plain: bool) -> None:
    assert is_plain_name(name) is plain


def test_a_file_served_is_exactly_the_one_of_the_manifest(tmp_path: Path) -> None:
    publish(tmp_path, "202606", "v001", {"a.csv": b"a,b\n1,2\n"})
    served = open_for_download(tmp_path, "202606", "v001", "a.csv")
    with served.handle:
        assert served.handle.read() == b"a,b\n1,2\n"
    assert served.sha256 == hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    assert served.size == 8


def test_a_manifest_may_give_each_file_as_an_object_with_its_sha256(tmp_path: Path) -> None:
    digest = hashlib.sha256(b"x\n").hexdigest()
    publish(tmp_path, "202606", "v001", {"a.csv": b"x\n"}, listed={"a.csv": {"sha256": digest, "rows": 1}})
    [package] = list_packages(tmp_path)
    assert [(f.name, f.sha256, f.size) for f in package.files] == [("a.csv", digest, 2)]


def test_links_inside_the_store_are_refused_too(tmp_path: Path) -> None:
    folder = publish(tmp_path, "202606", "v001", {"a.csv": b"a\n"})
    (folder / "b.csv").symlink_to(folder / "a.csv")  # inside the store, same bytes
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"]["b.csv"] = hashlib.sha256(b"a\n").hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "202606" / "v002").symlink_to(folder, target_is_directory=True)
    with pytest.raises(NotFound):
        open_for_download(tmp_path, "202606", "v001", "b.csv")
    with pytest.raises(NotFound):
        open_for_download(tmp_path, "202606", "v002", "a.csv")
    [package] = list_packages(tmp_path)  # the linked version folder is not listed
    assert package.version == "v001"
    assert {f.name: f.size for f in package.files} == {"a.csv": 2, "b.csv": None}


def test_a_fifo_named_by_the_manifest_is_refused_without_blocking(tmp_path: Path) -> None:
    folder = publish(tmp_path, "202606", "v001", {})
    os.mkfifo(folder / "pipe.csv")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"]["pipe.csv"] = "0" * 64
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(NotFound):
        open_for_download(tmp_path, "202606", "v001", "pipe.csv")  # would block if opened for reading
    [package] = list_packages(tmp_path)
    assert [(f.name, f.size) for f in package.files] == [("pipe.csv", None)]


def test_a_manifest_naming_a_path_is_never_followed(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "secret.txt").write_bytes(b"secret\n")
    digest = hashlib.sha256(b"secret\n").hexdigest()
    publish(tmp_path / "store", "202606", "v001", {}, listed={"../../../secret.txt": digest})
    [package] = list_packages(tmp_path / "store")
    assert [(f.name, f.size) for f in package.files] == [("../../../secret.txt", None)]
    with pytest.raises(BadRequest):
        open_for_download(tmp_path / "store", "202606", "v001", "../../../secret.txt")


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        (b"{not json", "is not JSON"),
        (b"[1, 2]", "is not a JSON object"),
        (b'{"files": ["a.csv"]}', "no `files` object"),
        (b'{"files": {"a.csv": "abc"}}', "no SHA-256 for 'a.csv'"),
        (b"\xff\xfe", "is not JSON"),
    ],
)
def test_an_unreadable_manifest_is_listed_as_such_and_serves_nothing(
    tmp_path: Path, manifest: bytes, message: str
) -> None:
    folder = tmp_path / "202606" / "v001"
    folder.mkdir(parents=True)
    (folder / "a.csv").write_bytes(b"a\n")
    (folder / "manifest.json").write_bytes(manifest)
    [package] = list_packages(tmp_path)
    assert package.manifest is None
    assert message in (package.error or "")
    with pytest.raises(ManifestError) as refused:
        open_for_download(tmp_path, "202606", "v001", "a.csv")
    assert message in str(refused.value)


def test_versions_without_a_manifest_and_stray_folders_are_not_listed(tmp_path: Path) -> None:
    publish(tmp_path, "202606", "v001", {"a.csv": b"a\n"})
    publish(tmp_path, "202606", "v010", {"a.csv": b"b\n"})
    publish(tmp_path, "202608", "v001", {"a.csv": b"c\n"})
    (tmp_path / "202608" / "v002").mkdir()  # being written
    (tmp_path / "202608" / ".v003.tmp").mkdir()
    (tmp_path / "2026-09").mkdir()
    (tmp_path / "202610").write_bytes(b"a file, not a folder")
    listed = [(p.cutoff, p.version) for p in list_packages(tmp_path)]
    assert listed == [("202608", "v001"), ("202606", "v010"), ("202606", "v001")]

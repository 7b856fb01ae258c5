"""The code version a package was generated with, for its manifest: the git commit of the checkout
(`-dirty` when it has uncommitted changes), or OSSERVATORIO_CODE_VERSION where the code is deployed
without its git history (an image build sets it)."""

from __future__ import annotations

import os
import subprocess

from osservatorio.paths import REPO_ROOT


def code_version() -> str:
    if version := os.environ.get("OSSERVATORIO_CODE_VERSION"):
        return version
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit}-dirty" if dirty else commit

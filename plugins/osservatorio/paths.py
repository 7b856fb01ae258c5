"""Where things are: the repository's folders and the git-ignored state folder."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = REPO_ROOT / "config"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
# The manifest cosmos renders the dbt DAG from: written only by `make dbt-parse`, atomically.
DBT_MANIFEST = DBT_PROJECT_DIR / "target" / "cosmos" / "manifest.json"
CONTRACT_DIR = Path(__file__).resolve().parent / "contract"


def state_dir() -> Path:
    """Generated state (work files, extracts, Data Docs): git-ignored, `.local/` by default."""
    return Path(os.environ.get("OSSERVATORIO_STATE_DIR", REPO_ROOT / ".local"))


def work_dir(pilot_id: str, batch_key: str) -> Path:
    """Scratch folder of one batch; rewritten when the same data interval runs again."""
    path = state_dir() / "work" / pilot_id / batch_key
    path.mkdir(parents=True, exist_ok=True)
    return path


def extracts_dir() -> Path:
    path = state_dir() / "extracts"
    path.mkdir(parents=True, exist_ok=True)
    return path


def compliance_packages_dir() -> Path:
    """The published compliance packages: `<YYYYMM>/v<NNN>/` per cut-off and version, never
    overwritten (`OSSERVATORIO_PACKAGES_DIR` overrides, e.g. a shared volume in production)."""
    path = Path(os.environ.get("OSSERVATORIO_PACKAGES_DIR", state_dir() / "compliance_packages"))
    path.mkdir(parents=True, exist_ok=True)
    return path

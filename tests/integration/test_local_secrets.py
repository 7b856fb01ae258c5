"""The local state that holds secrets is this user's only (issue 24 point 8): the Airflow UI's
plain-text passwords file, Airflow's home and the keys folder, as `scripts/airflow_init.sh` (run by
`make setup` and by the test session) leaves them."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.conftest import TestEnv

pytestmark = pytest.mark.integration


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_passwords_file_and_the_secret_folders_are_private(test_env: TestEnv) -> None:
    home = Path(test_env.env["AIRFLOW_HOME"])
    # Where Airflow's SimpleAuthManager writes the passwords when no file is configured (make ui).
    passwords = home / "simple_auth_manager_passwords.json.generated"
    assert passwords.exists()  # made by airflow_init.sh before Airflow writes into it
    assert mode(passwords) == 0o600
    assert mode(home) == 0o700
    assert mode(Path(test_env.env["OSSERVATORIO_STATE_DIR"]) / "secrets") == 0o700


def test_an_older_world_readable_passwords_file_is_closed(test_env: TestEnv) -> None:
    """A passwords file written by an earlier version (0644) is 0600 after airflow_init.sh again."""
    passwords = Path(test_env.env["AIRFLOW_HOME"]) / "simple_auth_manager_passwords.json.generated"
    passwords.chmod(0o644)
    Path(test_env.env["AIRFLOW_HOME"]).chmod(0o755)
    test_env.run("scripts/airflow_init.sh")
    assert mode(passwords) == 0o600
    assert mode(Path(test_env.env["AIRFLOW_HOME"])) == 0o700

"""The validate task's log is the pipeline's, not GX's: validating a batch and rendering its Data
Docs page in a fresh process (GX imported there for the first time, as in a task) logs almost
nothing at INFO, and none of GX's registration chatter."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

from tests.conftest import REPO

if TYPE_CHECKING:
    from pathlib import Path

# What GX 1.x logged per process before: 214 lines of API-docs registry, metric and expectation
# (re)declarations, and every context's temporary docs folder and empty datasource config.
NOISE = (
    "Skipping registering function",
    "Multiple declarations of",
    "Overwriting declaration of",
    "is being registered with different",
    "for ephemeral docs site",
    "loading fluent config",
    "Loading 'datasources'",
)
# A task log line is worth its place; a clean batch needs none (a few allowed for later additions).
MAX_LINES = 10

VALIDATE = """
import logging, sys
from pathlib import Path

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
logging.captureWarnings(True)

from osservatorio.validate.batch import validate_batch
from osservatorio.validate.data_docs import publish_batch_result
from osservatorio.validate.suite import load_suite_definition
from tests.integration.test_validate_batch import AS_OF, GOOD, KEY, PILOT, write_batch

folder = Path(sys.argv[1])
rows = [
    GOOD | {"id_iscrizione": f"E{i}", "codice_progetto": f"P-{i}", "aggiornato_il": "2026-06-01T00:00:00Z"}
    for i in range(10)
]
suite = load_suite_definition("participant_enrolments")
summary = validate_batch(
    PILOT, "participant_enrolments", write_batch(folder, rows), KEY, AS_OF, chunk_size=4,
    publish=lambda result: publish_batch_result(result, suite, PILOT.pilot_id, "20260629T000000"),
)
print(summary.valid, summary.quarantined)
"""


def test_validating_a_batch_logs_no_library_chatter(tmp_path: Path) -> None:
    env = os.environ | {"OSSERVATORIO_STATE_DIR": str(tmp_path / "state")}
    env.pop("OSSERVATORIO_DATA_DOCS_DIR", None)
    run = subprocess.run(
        [sys.executable, "-c", VALIDATE, str(tmp_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    assert run.stdout.split() == ["10", "0"]  # the batch was validated: the log had its chance
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert not [line for line in lines if any(noise in line for noise in NOISE)], "\n".join(lines[:40])
    assert len(lines) <= MAX_LINES, "\n".join(lines[:40])

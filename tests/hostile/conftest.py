"""The hostile suites' figures: when hostile tests ran, the figures they collected
(tests/hostile/figures.py) are recorded at the end of the session in the state folder
(.local/reliability/), with a preview of the page. The committed docs/reliability.md is
refreshed from them by `make reliability-page` (tests/hostile/reliability_page.py), never by a
test run: a test run leaves the tree as it found it.
"""

from __future__ import annotations

import shlex
from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tests.hostile import figures, reliability_page

if TYPE_CHECKING:
    import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes tens of seconds; still part of `make test` and CI")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    collected = {
        "cases": [asdict(c) for c in figures.CASES],
        "faults": [
            asdict(f)
            | {"notes": figures.FAULT_NOTES.get(f.fault, []), "marts": figures.FAULT_MARTS.get(f.fault)}
            for f in figures.FAULTS
        ],
        "marts": [asdict(m) for m in figures.MARTS],
    }
    if not any(collected.values()):
        return  # no hostile test ran: nothing to record
    stamp = {
        "at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "pytest " + shlex.join(str(a) for a in session.config.invocation_params.args),
    }
    reliability_page.record(collected, stamp)

"""Who is a program officer: the one place that decides who may list and download packages.

Airflow's SimpleAuthManager has four fixed roles (viewer < user < op < admin) and no custom ones,
and being an Airflow admin says nothing about being allowed to send figures to the Commission. So
program officers are named explicitly, by Airflow username, in the environment variable
`OSSERVATORIO_PROGRAM_OFFICERS` of the API server (comma-separated, e.g. "carol,dana"). Their
Airflow role does not matter (a `viewer` is enough); anyone not named is refused, admins included.
Unset or empty: nobody may download. docs/downloads.md says how to assign the role.
"""

from __future__ import annotations

import os

OFFICERS_VARIABLE = "OSSERVATORIO_PROGRAM_OFFICERS"


def program_officers() -> frozenset[str]:
    """The usernames named in OSSERVATORIO_PROGRAM_OFFICERS (read on every call: no stale copy)."""
    names = os.environ.get(OFFICERS_VARIABLE, "").split(",")
    return frozenset(name.strip() for name in names if name.strip())


def is_program_officer(username: str) -> bool:
    """Exact, case-sensitive match, as Airflow compares usernames at login."""
    return username in program_officers()

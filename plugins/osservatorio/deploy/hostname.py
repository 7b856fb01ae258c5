"""The host name a task instance records (`[core] hostname_callable` of local Celery workers).

Two workers on one machine would both record the machine's name; each local worker sets
OSSERVATORIO_WORKER_NAME (osservatorio/deploy/celery_stack.py), so the UI and the REST API say
which worker ran a task. Elsewhere this is Airflow's own answer, the fully qualified host name.
"""

from __future__ import annotations

import os
import socket


def worker_hostname() -> str:
    fqdn = socket.getfqdn()
    name = os.environ.get("OSSERVATORIO_WORKER_NAME")
    return f"{name}@{fqdn}" if name else fqdn

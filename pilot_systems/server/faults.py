"""Faults a test asks for (POST /_admin/faults), applied to the next matching API requests.

{"status": 500, "count": 3}                 answer 500 three times
{"status": 429, "retry_after": 1}           answer 429 with Retry-After: 1
{"delay": 5}                                answer after 5 s (trips a client's read timeout)
{"reset": true}                             send headers and half the body, then close the socket
{"malformed": true}                         200 with a truncated JSON body
optional "pilot": "cmrc_col" and "path": "/partecipanti" (a substring of the request path)
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, fields, replace

KINDS = ("status", "delay", "reset", "malformed")


@dataclass(frozen=True)
class Fault:
    count: int = 1
    status: int | None = None
    retry_after: float | None = None
    delay: float | None = None
    reset: bool = False
    malformed: bool = False
    pilot: str | None = None
    path: str | None = None

    @classmethod
    def parse(cls, spec: dict[str, object]) -> Fault:
        known = {f.name for f in fields(cls)}
        unknown = set(spec) - known
        if unknown:
            raise ValueError(f"unknown fault keys: {sorted(unknown)} (known: {sorted(known)})")
        fault = cls(**spec)  # type: ignore[arg-type]
        if sum(bool(getattr(fault, kind)) for kind in KINDS) != 1:
            raise ValueError(f"a fault needs exactly one of {KINDS}: {spec}")
        if fault.count < 1:
            raise ValueError("count must be at least 1")
        return fault

    def matches(self, pilot: str | None, path: str) -> bool:
        return (self.pilot is None or self.pilot == pilot) and (self.path is None or self.path in path)


class FaultPlan:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, specs: list[dict[str, object]]) -> None:
        parsed = [Fault.parse(spec) for spec in specs]
        with self._lock:
            self._faults.extend(parsed)

    def take(self, pilot: str | None, path: str) -> Fault | None:
        """The first pending fault matching the request, one use of it consumed."""
        with self._lock:
            for i, fault in enumerate(self._faults):
                if fault.matches(pilot, path):
                    if fault.count == 1:
                        del self._faults[i]
                    else:
                        self._faults[i] = replace(fault, count=fault.count - 1)
                    return fault
        return None

    def pending(self) -> list[dict[str, object]]:
        with self._lock:
            return [asdict(f) for f in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

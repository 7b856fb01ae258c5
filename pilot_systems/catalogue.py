"""The simulated pilots and the operations each one runs (codes are fictitious but well-formed)."""

from __future__ import annotations

from pilot_systems.population import Operation

OPERATIONS: dict[str, list[Operation]] = {
    "tdz_corviale": [
        Operation("J81H22000140006", "TdZ Corviale - percorsi personalizzati di lavoro", "4.4.8.1"),
        Operation("J81H22000150006", "TdZ Corviale - impresa di comunità e nuovi servizi", "4.4.8.2"),
    ],
}


def operation_records(pilot: str) -> list[dict[str, object]]:
    """Operations as the pilot's API serves them."""
    return [{"codice_progetto": op.code, "titolo": op.title, "azione": op.action} for op in OPERATIONS[pilot]]

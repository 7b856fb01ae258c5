"""How far each pilot's data had landed, as known at `known_at`: is the package complete?

A pilot's data reach as far as its most lagging record type: for each record type it has landed
(raw.batches current at `known_at`), the latest data interval; the pilot's last data interval is
the one of the record type whose latest interval ends first. A batch covers records changed up to
its interval's end, so the pilot has landed up to the cut-off when that end is at or after the end
of the cut-off day (`covers_cutoff`); a pilot with no landing at all has not.

`reaching_cutoff` is the interval that completed the cut-off (for each record type the first
interval ending at or after the cut-off; the latest of those). The summary page shows it rather
than the last interval, so that the page stays the same when later intervals land: a rerun whose
tables are unchanged then publishes nothing new. The manifest keeps both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from osservatorio.publish.compliance.cutoffs import end_of_cutoff

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date, datetime

    import psycopg

Interval = tuple["datetime", "datetime"]


@dataclass(frozen=True)
class PilotLanding:
    pilot_id: str
    last_interval: Interval | None  # None: nothing landed as known at known_at
    reaching_cutoff: Interval | None  # None: not landed up to the cut-off

    @property
    def covers_cutoff(self) -> bool:
        return self.reaching_cutoff is not None

    def to_manifest(self) -> dict[str, Any]:
        def span(interval: Interval | None) -> dict[str, str] | None:
            return {"start": interval[0].isoformat(), "end": interval[1].isoformat()} if interval else None

        return {
            "last_data_interval": span(self.last_interval),
            "covers_cutoff": self.covers_cutoff,
            "interval_reaching_cutoff": span(self.reaching_cutoff),
        }


_QUERY = """
WITH known AS (
    SELECT pilot_id, entity, data_interval_start AS s, data_interval_end AS e
    FROM {batches}
    WHERE landed_at <= %(t)s AND (superseded_at IS NULL OR superseded_at > %(t)s)
),
last AS (
    SELECT DISTINCT ON (pilot_id, entity) pilot_id, entity, s, e FROM known
    ORDER BY pilot_id, entity, e DESC, s DESC
),
reaching AS (
    SELECT DISTINCT ON (pilot_id, entity) pilot_id, entity, s, e FROM known WHERE e >= %(end)s
    ORDER BY pilot_id, entity, e, s
)
SELECT 'last', pilot_id, entity, s, e FROM last
UNION ALL
SELECT 'reaching', pilot_id, entity, s, e FROM reaching
"""


def pilot_landings(
    conn: psycopg.Connection,
    known_at: datetime,
    cutoff: date,
    pilots: Sequence[str] | None = None,
    raw_schema: str = "raw",
) -> list[PilotLanding]:
    """Every pilot of `pilots` (default: every pilot with a landing at `known_at`), by id."""
    from psycopg import sql

    query = sql.SQL(_QUERY).format(batches=sql.Identifier(raw_schema, "batches"))
    last: dict[str, dict[str, Interval]] = {}
    reaching: dict[str, dict[str, Interval]] = {}
    for kind, pilot, entity, start, end in conn.execute(query, {"t": known_at, "end": end_of_cutoff(cutoff)}):
        (last if kind == "last" else reaching).setdefault(pilot, {})[entity] = (start, end)
    landings = []
    for pilot in sorted(set(pilots) if pilots is not None else set(last)):
        by_entity = last.get(pilot, {})
        lagging = min(by_entity.values(), key=lambda i: (i[1], i[0])) if by_entity else None
        reached = reaching.get(pilot, {})
        complete = bool(by_entity) and set(reached) == set(by_entity)
        landings.append(
            PilotLanding(
                pilot_id=pilot,
                last_interval=lagging,
                reaching_cutoff=max(reached.values(), key=lambda i: (i[1], i[0])) if complete else None,
            )
        )
    return landings

"""Refused batches in the warehouse (raw.batch_refusals, raw.refused_records).

A batch refused whole loads nothing and leaves its files in the inbox, but why it was refused is
recorded: one row per refusal (stage, counts, the message, the top reasons) and every record the
refusal judged invalid, with its rules and reasons. The same top reasons, with example lines,
open the task's error message: the engineer reads the cause on the first screen of the log.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from osservatorio.extract.text_safety import escape_text
from osservatorio.land.migrate import require_migrated

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path

    import psycopg

    from osservatorio.land.warehouse import Batch

log = logging.getLogger(__name__)
STAGES = ("extract", "validate", "land")
TOP_RULES = 5
EXAMPLES_PER_RULE = 3


def inert(text: str) -> str:
    """Text PostgreSQL can store and a log shows as sent: NUL and undecodable bytes escaped as
    the extraction escapes them (extract/text_safety.py)."""
    return escape_text(text)[0]


def inert_json(value: Any) -> Any:
    """`inert` applied to every string of a JSON value, keys included (jsonb refuses \\u0000)."""
    if isinstance(value, str):
        return inert(value)
    if isinstance(value, dict):
        return {inert(str(k)): inert_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [inert_json(v) for v in value]
    return value


@dataclass(frozen=True)
class ReasonCount:
    rule: str
    count: int
    examples: tuple[tuple[str, str], ...]  # (source, reason)

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "count": self.count,
            "examples": [{"source": s, "reason": r} for s, r in self.examples],
        }


def quarantine_entries(path: Path | None) -> Iterator[dict[str, Any]]:
    """The entries of a quarantine work file (validate/batch.py), if it exists."""
    if path is None or not path.is_file():
        return
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def top_reasons(entries: Iterable[dict[str, Any]], limit: int = TOP_RULES) -> list[ReasonCount]:
    """The most frequent failed rules, each with its first example lines (one pass, streaming)."""
    counts: Counter[str] = Counter()
    examples: dict[str, list[tuple[str, str]]] = {}
    for entry in entries:
        for rule in entry["failed_rules"]:
            counts[rule] += 1
            kept = examples.setdefault(rule, [])
            if len(kept) < EXAMPLES_PER_RULE:
                kept.append((inert(str(entry["source"])), inert(str(entry["reason"]))))
    return [ReasonCount(rule, n, tuple(examples[rule])) for rule, n in counts.most_common(limit)]


def describe(reason: str, top: list[ReasonCount]) -> str:
    """The refusal as the task log opens with it: the reason, then the top reasons with examples."""
    lines = [inert(reason)]
    if top:
        lines.append("top reasons:")
        for item in top:
            lines.append(f"  {item.rule}: {item.count} record(s), e.g.")
            lines += [f"    {source}: {why}" for source, why in item.examples]
    return "\n".join(lines)


def record_refusal(
    conn: psycopg.Connection,
    batch: Batch,
    stage: str,
    reason: str,
    *,
    received: int | None = None,
    entries: Iterable[dict[str, Any]] = (),
    top: list[ReasonCount] | None = None,
) -> int | None:
    """Store one refusal and its invalid records (quarantine-shaped entries); returns its id.

    Commits on its own: call it after the refused batch's own transaction has rolled back. A
    failure to record is logged and returns None: the caller still raises the refusal itself,
    which must never be hidden (nor turned into a retryable error) by a bookkeeping failure.
    """
    try:
        return _record(conn, batch, stage, reason, received, entries, top)
    except Exception:
        log.exception("refusal of %s not recorded in raw.batch_refusals", batch.batch_id)
        return None


def _record(
    conn: psycopg.Connection,
    batch: Batch,
    stage: str,
    reason: str,
    received: int | None,
    entries: Iterable[dict[str, Any]],
    top: list[ReasonCount] | None,
) -> int:
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    with conn.transaction(), conn.cursor() as cur:
        require_migrated(conn)
        [refusal_id] = cur.execute(
            "INSERT INTO raw.batch_refusals (batch_id, pilot_id, entity, data_interval_start,"
            " data_interval_end, stage, received, reason, top_reasons) VALUES"
            " (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING refusal_id",
            (
                batch.batch_id,
                batch.pilot_id,
                batch.entity,
                batch.data_interval_start,
                batch.data_interval_end,
                stage,
                received,
                inert(reason),
                json.dumps([t.to_json() for t in top or []], ensure_ascii=False),
            ),
        ).fetchone()
        invalid = 0
        with cur.copy(
            "COPY raw.refused_records (refusal_id, source_location, source_record_id, record_hash,"
            " failed_rules, reason, payload) FROM STDIN"
        ) as copy:
            for entry in entries:
                record_id = entry.get("record_id")
                copy.write_row(
                    (
                        refusal_id,
                        inert(str(entry["source"])),
                        None if record_id is None else inert(str(record_id)),
                        entry.get("hash"),
                        [inert(rule) for rule in entry["failed_rules"]],
                        inert(str(entry["reason"])),
                        json.dumps(inert_json(entry.get("payload")), ensure_ascii=False, default=str),
                    )
                )
                invalid += 1
        cur.execute("UPDATE raw.batch_refusals SET invalid = %s WHERE refusal_id = %s", (invalid, refusal_id))
    return refusal_id

"""What the XLSX and REST corpora share: how a case states its expected outcome, and the one
check every case runs (tests/hostile/harness.py does the batch and the shared invariants).

A case expects either a refusal (the words its message must contain, besides `pilot <id>`,
which the harness checks) or a landing (how many records load, and which records end in the
quarantine with which rules and which words in their reason). Its outcome is recorded for
docs/reliability.md before anything is asserted, so a failing case is counted as what it did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.hostile.figures import record_case
from tests.hostile.harness import check_accounted, run_batch, schema_intact, stored_strings

if TYPE_CHECKING:
    import psycopg

    from osservatorio.channels import Channel
    from osservatorio.pipeline import BatchOutcome
    from osservatorio.registry import Pilot
    from tests.hostile.harness import Landed

ENTITY = "participant_enrolments"


@dataclass(frozen=True)
class Expect:
    """A case's expected outcome.

    refused: words the refusal must contain (empty: the batch lands);
    loaded: how many records load (None: not stated);
    quarantined: record -> rules that must all be among its failed rules; a record is named by
      its id, its payload's enrolment_id, or the end of its source location ("row 7");
    reasons: record -> words its quarantine reason must contain;
    quarantine_total: how many quarantine entries (default: one per record in `quarantined`);
    stage: the step that must refuse (extract, validate, land), when it matters.
    A record named "*" is any entry (for records without a usable id); a word given as a tuple
    is any one of its spellings (a field named by its canonical or its source name).
    """

    refused: tuple[str, ...] = ()
    loaded: int | None = None
    quarantined: dict[str, tuple[str, ...]] = field(default_factory=dict)
    reasons: dict[str, tuple[str | tuple[str, ...], ...]] = field(default_factory=dict)
    quarantine_total: int | None = None
    stage: str | None = None

    def describe(self) -> str:
        if self.refused:
            return "refused: " + " / ".join(self.refused)
        rules = sorted({rule for rules in self.quarantined.values() for rule in rules})
        if self.quarantined and not rules:  # any rule, as long as the reason shows the value
            rules = sorted({_shown(words) for reasons in self.reasons.values() for words in reasons})
        return "quarantine: " + ", ".join(rules) if self.quarantined else "loaded"


@dataclass(frozen=True)
class Built:
    """What a case's builder made, to check besides the outcome.

    injected: strings that must be stored byte for byte (records or quarantine payloads);
    values: record id -> canonical fields and the values they must have landed with;
    forbidden: words that must appear nowhere in a refusal (e.g. a linked file's content).
    """

    injected: tuple[str, ...] = ()
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    forbidden: tuple[str, ...] = ()


def _shown(words: str | tuple[str, ...]) -> str:
    return words if isinstance(words, str) else " or ".join(words)


def _has(words: str | tuple[str, ...], text: str) -> bool:
    return words in text if isinstance(words, str) else any(w in text for w in words)


def refused(*words: str, stage: str | None = None) -> Expect:
    return Expect(refused=words, stage=stage)


def loads(count: int) -> Expect:
    return Expect(loaded=count)


def quarantines(
    loaded: int,
    rules: dict[str, tuple[str, ...]],
    reasons: dict[str, tuple[str | tuple[str, ...], ...]] | None = None,
    total: int | None = None,
) -> Expect:
    return Expect(loaded=loaded, quarantined=rules, reasons=reasons or {}, quarantine_total=total)


def describe_outcome(outcome: BatchOutcome, quarantine: list[tuple[str, list[str], str]]) -> str:
    if outcome.refused:
        return f"refused: {outcome.refusal}"
    rules = sorted({rule for _, rules, _ in quarantine for rule in rules})
    return "quarantine: " + ", ".join(rules) if rules else "loaded"


def quarantine_rows(
    conn: psycopg.Connection, batch_id: str
) -> list[tuple[str, list[str], str, str | None, Any]]:
    """(source location, failed rules, reason, record id, payload) of the batch's current entries."""
    return conn.execute(
        "SELECT source_location, failed_rules, reason, source_record_id, payload FROM raw.quarantine"
        " WHERE batch_id = %s AND superseded_at IS NULL ORDER BY quarantine_id",
        (batch_id,),
    ).fetchall()


def _named(key: str, row: tuple[str, list[str], str, str | None, Any]) -> bool:
    source, _, _, record_id, payload = row
    return (
        key in ("*", record_id)
        or (isinstance(payload, dict) and payload.get("enrolment_id") == key)
        or source.endswith(f":{key}")
    )


def run_case(
    conn: psycopg.Connection,
    channel_name: str,
    case_id: str,
    expect: Expect,
    pilot: Pilot,
    day: str,
    channel: Channel,
    built: Built | None = None,
) -> tuple[BatchOutcome, Landed]:
    """Run the case's batch, record its outcome, and assert everything the case expects."""
    built = built or Built()
    try:
        outcome = run_batch(conn, pilot, ENTITY, day, channel)
    except Exception as crash:  # a bare trace: exactly what the corpus exists to catch
        record_case(
            channel_name, case_id, expect.describe(), f"crashed: {type(crash).__name__}: {crash}"[:500]
        )
        kind = type(crash).__name__
        raise AssertionError(
            f"{case_id}: crashed with a bare {kind} instead of a refusal or a landing: {crash}"
        ) from crash
    entries = quarantine_rows(conn, outcome.batch.batch_id) if not outcome.refused else []
    happened = describe_outcome(outcome, [e[:3] for e in entries])
    record_case(channel_name, case_id, expect.describe(), happened)
    schema_intact(conn)
    state = check_accounted(conn, outcome)
    if expect.refused:
        assert outcome.refused, (
            f"{case_id}: expected a refusal ({expect.refused}), got {happened};"
            f" quarantine: {[e[:4] for e in entries][:10]}"
        )
        for words in expect.refused:
            assert words in (outcome.refusal or ""), (
                f"{case_id}: {words!r} not in the refusal: {outcome.refusal}"
            )
        if expect.stage is not None:
            stages = [stage for stage, *_ in state.refusals]
            assert expect.stage in stages, (
                f"{case_id}: refused at {stages}, expected at {expect.stage}: {outcome.refusal}"
            )
        for words in built.forbidden:
            assert words not in (outcome.refusal or ""), f"{case_id}: {words!r} leaked into the refusal"
        return outcome, state
    assert not outcome.refused, f"{case_id}: expected a landing, refused: {outcome.refusal}"
    assert outcome.landed is not None
    summary = [e[:4] for e in entries]
    if expect.loaded is not None:
        assert outcome.landed.loaded == expect.loaded, (
            f"{case_id}: loaded {outcome.landed.loaded}, expected {expect.loaded}; quarantine: {summary}"
        )
    total = expect.quarantine_total if expect.quarantine_total is not None else len(expect.quarantined)
    assert len(entries) == total, f"{case_id}: {len(entries)} quarantined, expected {total}: {summary}"
    for key, rules in expect.quarantined.items():
        found = [e for e in entries if _named(key, e)]
        assert found, f"{case_id}: record {key!r} not in the quarantine: {summary}"
        for _, failed, reason, _, _ in found:
            missing = [rule for rule in rules if rule not in failed]
            assert not missing, f"{case_id}: record {key!r} failed {failed}, not {missing} ({reason})"
            for words in expect.reasons.get(key, ()):
                assert _has(words, reason), f"{case_id}: {words!r} not in the reason of {key!r}: {reason}"
            assert "Traceback" not in reason
    stored = stored_strings(state)
    for text in built.injected:
        assert text in stored, f"{case_id}: {text[:80]!r} was not stored byte for byte"
    for record_id, fields in built.values.items():
        assert record_id in state.records, f"{case_id}: {record_id!r} did not land"
        record = state.records[record_id]
        for name, value in fields.items():
            assert record.get(name) == value, (
                f"{case_id}: {record_id} {name}={record.get(name)!r}, sent {value!r}"
            )
    return outcome, state

"""The 24 ESF+ common indicators recomputed in plain Python from the simulated pilot systems' own
canonical records and their injected-defect labels (pilot_systems.system.PilotSystem), following
the counting rules of shared/domain.md section 2. Never from pipeline output or the dbt SQL: only
two reference lists are read from the dbt seeds (degree of urbanisation of the comuni, and which
indicator a target group counts in).

    counts = expected_indicators(system, date(2026, 10, 31))
    counts[("EECO01", "4.4.8.1", "F")]   # participants, women, action 4.4.8.1

Keys are (indicator_code, action_code, gender); person indicators use F / M / non-binary only, the
entity indicators EECO18 / EECO19 "not_applicable" only (the cells the mart holds). Missing keys
are 0. Rules written from shared/domain.md: overlapping stays (in while any stay is open, else
the latest exit), upon-leaving results only once exit + 28 days is on or before the cut-off, a
residence anywhere in Italy (rural only where the comune's degree of urbanisation is 3). `expected_by_fund`
adds the fund (the operation's) to the key.
"""

from __future__ import annotations

import calendar
import csv
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pilot_systems.system import PilotSystem

SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"

OUTPUTS = [f"EECO{n:02d}" for n in range(1, 20)]
RESULTS = [f"EECR{n:02d}" for n in range(1, 6)]
INDICATORS = OUTPUTS + RESULTS
ENTITY_INDICATORS = {"EECO18", "EECO19"}
PERSON_GENDERS = ("F", "M", "non-binary")
NOT_APPLICABLE = "not_applicable"
ACTIONS = ("4.4.8.1", "4.4.8.2")

# Defects that do not stop a record from landing, per the validation rules: exact copies (same
# id) land once; missing point 1.1 data land flagged as incomplete; a same-day registration that
# agrees on point 1.1 lands (one participation); events of an unknown enrolment land and match
# nothing. Every other injected defect quarantines its record (a conflicting same-day pair: both).
LANDS = {
    "duplicate",
    "orphan_enrolment",
    "missing_gender",
    "missing_birth_date",
    "missing_education",
    "missing_labour_status",
    "same_day_duplicate",
}
ID_FIELDS = {
    "operations": "operation_id",
    "participant_enrolments": "enrolment_id",
    "result_events": "event_id",
    "supported_entities": "support_id",
    "expenditures": "expenditure_id",
}
POINT_1_1 = ("gender", "birth_date", "isced_level", "labour_status")
EMPLOYED = {"employment", "self_employment"}
LABOUR_EVENTS = EMPLOYED | {"job_searching"}
EECO19_TYPES = {
    "micro_enterprise",
    "small_enterprise",
    "medium_enterprise",
    "cooperative",
    "social_enterprise",
}
UPON_LEAVING_DAYS = 28


def lands(defects: tuple[str, ...]) -> bool:
    return set(defects) <= LANDS


def landed(system: PilotSystem, entity: str) -> list[dict]:
    """The canonical records of a type that land, each id once (an exact copy lands once)."""
    id_field = ID_FIELDS[entity]
    out: dict[object, dict] = {}
    for rec in system.records(entity):
        if lands(rec.defects):
            out.setdefault(rec.canonical[id_field], rec.canonical)
    return list(out.values())


def _seed(name: str) -> list[dict[str, str]]:
    with (SEEDS / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def rural_comuni() -> set[str]:
    """ISTAT codes of the comuni whose degree of urbanisation is 3 (rural areas: EECO17)."""
    return {
        r["comune_code"].strip().zfill(6)
        for r in _seed("comuni_degree_of_urbanisation.csv")
        if r["degree_of_urbanisation"].strip() == "3"
    }


def target_group_indicators() -> dict[str, str]:
    """Target group of an operation -> the point 1.2 indicator all its participants count in."""
    return {
        r["target_group"].strip(): r["indicator_code"].strip() for r in _seed("target_group_indicators.csv")
    }


def plus_months(day: date, months: int) -> date:
    """Calendar months later; a day the month lacks becomes its last day (31 Aug + 6 = 28/29 Feb)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_on(birth: date, day: date) -> int:
    """Whole years on `day` (one less while that year's birthday has not come yet)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass
class Participation:
    """One person in one operation: all its landed enrolments, first (entry order, then id) first."""

    tax_code: str
    operation: dict
    enrolments: list[dict]
    events: list[dict] = field(default_factory=list)

    @property
    def first(self) -> dict:
        return self.enrolments[0]

    @property
    def complete(self) -> bool:
        """Art. 17(5): counted only when the first enrolment has every point 1.1 datum."""
        return all(self.first[f] is not None for f in POINT_1_1)

    def exit_at(self, cutoff: date) -> date | None:
        """The exit known at the cut-off, None while still in. Stays may overlap: of the enrolments
        entered by the cut-off, any still open at it (no exit, or an exit after it) means the
        participant is in; otherwise the exit is the latest of their exits."""
        entered = [e for e in self.enrolments if e["entry_date"] <= cutoff]
        if not entered or any(e["exit_date"] is None or e["exit_date"] > cutoff for e in entered):
            return None
        return max(e["exit_date"] for e in entered)


def participations(system: PilotSystem) -> list[Participation]:
    operations = {op["operation_id"]: op for op in landed(system, "operations")}
    grouped: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for enrolment in landed(system, "participant_enrolments"):
        grouped[(str(enrolment["tax_code"]), str(enrolment["operation_id"]))].append(enrolment)
    out: dict[str, Participation] = {}  # by enrolment id, to attach the events
    for (tax_code, operation_id), enrolments in grouped.items():
        enrolments.sort(key=lambda e: (e["entry_date"], str(e["enrolment_id"])))
        p = Participation(tax_code, operations[operation_id], enrolments)
        for e in enrolments:
            out[str(e["enrolment_id"])] = p
    for event in landed(system, "result_events"):
        p = out.get(str(event["enrolment_id"]))
        if p is not None:  # an event of an unknown enrolment counts nowhere
            p.events.append(event)
    return list({id(p): p for p in out.values()}.values())


def output_indicators(p: Participation, rural: set[str], by_target_group: dict[str, str]) -> set[str]:
    """The output indicators the participation counts in (from its first enrolment)."""
    c = p.first
    age = age_on(c["birth_date"], c["entry_date"])
    status = c["labour_status"]
    out = {"EECO01"}
    if status == "unemployed":
        out.add("EECO02")
        months = c["unemployment_months"]
        if months is not None and months > (6 if age < 25 else 12):
            out.add("EECO03")
    elif status == "inactive":
        out.add("EECO04")
    elif status in ("employed", "self_employed"):
        out.add("EECO05")
    if age < 18:
        out.add("EECO06")
    elif age <= 29:
        out.add("EECO07")
    elif age >= 55:
        out.add("EECO08")
    isced = int(c["isced_level"])
    out.add("EECO09" if isced <= 2 else "EECO10" if isced <= 4 else "EECO11")
    answers = {
        "EECO12": "disability",
        "EECO13": "third_country_national",
        "EECO14": "foreign_background",
        "EECO15": "minority",
        "EECO16": "homeless",
    }
    out |= {code for code, name in answers.items() if c[name] == "yes"}
    if c["residence_comune"] in rural:
        out.add("EECO17")
    group = p.operation["target_group"]
    if group:  # target-group reporting: every participant counts, whatever the answer
        out.add(by_target_group[group])
    return out


def _labour_status(events: list[dict]) -> str | None:
    """The type of the latest job-searching or employment event (same date: employment wins)."""
    labour = [e for e in events if e["event_type"] in LABOUR_EVENTS]
    if not labour:
        return None
    latest = max(e["event_date"] for e in labour)
    types = {e["event_type"] for e in labour if e["event_date"] == latest}
    return "employment" if types & EMPLOYED else "job_searching"


def result_indicators(p: Participation, cutoff: date) -> set[str]:
    exit_ = p.exit_at(cutoff)
    if exit_ is None:  # still in at the cut-off: no result
        return set()
    known = [e for e in p.events if e["event_date"] <= cutoff]
    out = set()
    window_end = exit_ + timedelta(days=UPON_LEAVING_DAYS)
    # upon leaving counts only once its window has closed on or before the cut-off
    window = [e for e in known if exit_ <= e["event_date"] <= window_end] if window_end <= cutoff else []
    status = _labour_status(window)
    if status == "employment":
        out.add("EECR04")
    elif status == "job_searching":
        out.add("EECR01")
    if any(e["event_type"] == "education_training" for e in window):
        out.add("EECR02")
    if any(e["event_type"] == "qualification" for e in window):
        out.add("EECR03")
    six_months = plus_months(exit_, 6)
    if six_months <= cutoff:
        later = [e for e in known if exit_ <= e["event_date"] <= six_months]
        if _labour_status(later) == "employment":
            out.add("EECR05")
    return out


def entity_indicators(system: PilotSystem, cutoff: date) -> Counter[tuple[str, str, str, str]]:
    """EECO18 / EECO19 by (indicator, action, fund, "not_applicable"): each entity once per
    operation, from its earliest support there (same date: the smallest support id)."""
    operations = {op["operation_id"]: op for op in landed(system, "operations")}
    supports: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for s in landed(system, "supported_entities"):
        supports[(str(s["operation_id"]), str(s["entity_vat_number"]))].append(s)
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for (operation_id, _), records in supports.items():
        first = min(records, key=lambda s: (s["support_start_date"], str(s["support_id"])))
        if first["support_start_date"] > cutoff:
            continue
        operation = operations[operation_id]
        where = (operation["action"], operation["fund"], NOT_APPLICABLE)
        if first["entity_type"] == "public_administration":
            counts[("EECO18", *where)] += 1
        elif first["entity_type"] in EECO19_TYPES:
            counts[("EECO19", *where)] += 1
    return counts


def expected_by_fund(system: PilotSystem, cutoff: date) -> Counter[tuple[str, str, str, str]]:
    """(indicator_code, action_code, fund, gender) -> value of one pilot at one cut-off."""
    rural, by_target_group = rural_comuni(), target_group_indicators()
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for p in participations(system):
        if not p.complete or p.first["entry_date"] > cutoff:
            continue
        codes = output_indicators(p, rural, by_target_group) | result_indicators(p, cutoff)
        for code in codes:
            counts[(code, p.operation["action"], p.operation["fund"], p.first["gender"])] += 1
    counts.update(entity_indicators(system, cutoff))
    return counts


def expected_indicators(system: PilotSystem, cutoff: date) -> Counter[tuple[str, str, str]]:
    """(indicator_code, action_code, gender) -> value of one pilot at one cut-off (0: absent)."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for (code, action, _, gender), n in expected_by_fund(system, cutoff).items():
        counts[(code, action, gender)] += n
    return counts


def all_cells() -> list[tuple[str, str, str]]:
    """Every (indicator, action, gender) cell of one pilot and cut-off in the mart."""
    return [
        (i, a, g)
        for i in INDICATORS
        for a in ACTIONS
        for g in ((NOT_APPLICABLE,) if i in ENTITY_INDICATORS else PERSON_GENDERS)
    ]

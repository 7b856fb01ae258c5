"""Deterministic synthetic participants, one per index, in the pilot's own (Italian) vocabulary.

Record *i* depends only on (seed, pilot, i), so any page of a million-record system can be
served without holding the data set in memory.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from stdnum.it import codicefiscale

MONTH_LETTERS = "ABCDEHLMPRST"
CONSONANTS = "BCDFGLMNPRSTVZ"
VOWELS = "AEIOU"
FIRST_NAMES_F = ["Giulia", "Sara", "Martina", "Aisha", "Elena", "Fatima", "Chiara", "Ioana", "Rosa", "Anna"]
FIRST_NAMES_M = ["Marco", "Luca", "Ahmed", "Giuseppe", "Andrea", "Mohamed", "Paolo", "Ion", "Davide", "Karim"]
SURNAMES = [
    "Rossi",
    "Bianchi",
    "Esposito",
    "Romano",
    "Colombo",
    "Ricci",
    "Marino",
    "Greco",
    "Popescu",
    "Diallo",
]
# ISTAT code -> Belfiore code of the birth place (most participants are born in Rome or abroad).
BIRTH_PLACES = ["H501", "H501", "H501", "F205", "F839", "Z129", "Z330", "Z100", "Z210"]
# Labour-market status at entry, as the TdZ case-management system records it.
LABOUR_STATUSES = [("disoccupato", 0.62), ("inattivo", 0.23), ("occupato", 0.10), ("autonomo", 0.05)]
YES_NO = [("si", 0.12), ("no", 0.78), ("non_dichiarato", 0.10)]
EPOCH = date(2022, 1, 10)  # first enrolments of the simulated operations
LAST_ENTRY = date(2026, 6, 30)  # last enrolment date the simulation produces


@dataclass(frozen=True)
class Operation:
    code: str  # the pilot's project code (CUP-based)
    title: str
    action: str  # ESF+ action of PN Metro Plus 2021-2027


@dataclass
class Enrolment:
    """One participant record and the defects deliberately injected into it (ground truth)."""

    record: dict[str, object]
    defects: list[str] = field(default_factory=list)


def _weighted(rng: random.Random, choices: list[tuple[str, float]]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _letters(name: str) -> str:
    cons = [c for c in name.upper() if c in CONSONANTS]
    vows = [c for c in name.upper() if c in VOWELS]
    return "".join((cons + vows + ["X", "X", "X"])[:3])


def make_tax_code(rng: random.Random, surname: str, name: str, birth: date, female: bool) -> str:
    """A codice fiscale with a valid check character, consistent with birth date and gender."""
    day = birth.day + (40 if female else 0)
    body = (
        _letters(surname)
        + _letters(name)
        + f"{birth.year % 100:02d}{MONTH_LETTERS[birth.month - 1]}{day:02d}"
        + rng.choice(BIRTH_PLACES)
    )
    return body + codicefiscale.calc_check_digit(body)


def person(seed: int, pilot: str, person_no: int) -> dict[str, object]:
    """The stable characteristics of one person (same person -> same answer on re-entry)."""
    rng = random.Random(f"{seed}:{pilot}:person:{person_no}")
    roll = rng.random()
    gender = "F" if roll < 0.53 else ("M" if roll < 0.985 else "X")  # X: non-binary, a small share
    female = gender == "F" or (gender == "X" and rng.random() < 0.5)
    name = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
    surname = rng.choice(SURNAMES)
    # Entries fall in 2022-2026: births 1956-2006 give ages of about 16-70 at entry.
    birth = date(1956, 7, 1) + timedelta(days=rng.randint(0, (date(2006, 1, 1) - date(1956, 7, 1)).days))
    return {
        "nome": name,
        "cognome": surname,
        "codice_fiscale": make_tax_code(rng, surname, name, birth, female),
        "sesso": gender,
        "data_nascita": birth.isoformat(),
        "titolo_studio": rng.choices(range(9), weights=[3, 10, 30, 32, 5, 3, 12, 4, 1])[0],
        "cittadinanza_extra_ue": _weighted(rng, [("si", 0.14), ("no", 0.84), ("non_dichiarato", 0.02)]),
        "disabilita": _weighted(rng, YES_NO),
    }


class PilotPopulation:
    """All enrolments of one simulated pilot: `size` records, `defect_rate` of them defective."""

    def __init__(
        self, pilot: str, operations: list[Operation], size: int, seed: int, defect_rate: float = 0.03
    ) -> None:
        self.pilot, self.operations, self.size, self.seed = pilot, operations, size, seed
        self.defect_rate = defect_rate
        span = datetime.combine(LAST_ENTRY, datetime.min.time()) - datetime.combine(
            EPOCH, datetime.min.time()
        )
        self._step = span / max(size, 1)

    def _updated_at(self, i: int) -> datetime:
        # Strictly increasing with the record number, so `updated_since` maps to a record range.
        return datetime.combine(EPOCH, datetime.min.time(), tzinfo=UTC) + self._step * (i + 0.5)

    def _dates(self, i: int) -> tuple[date, date | None]:
        rng = random.Random(f"{self.seed}:{self.pilot}:dates:{i}")
        entry = self._updated_at(i).date()
        exit_ = entry + timedelta(days=rng.randint(20, 420)) if rng.random() < 0.7 else None
        if exit_ is not None and exit_ > self._updated_at(self.size - 1).date():
            exit_ = None  # not left yet when the system was last updated
        return entry, exit_

    def _person_no(self, i: int) -> int:
        """Re-entries: about 4% of records are a person's second enrolment in the same operation."""
        rng = random.Random(f"{self.seed}:{self.pilot}:reentry:{i}")
        if i > 50 and rng.random() < 0.04:
            earlier = rng.randint(0, i - 1)
            _first_entry, first_exit = self._dates(earlier)
            if (
                first_exit is not None
                and first_exit < self._dates(i)[0]
                and self._person_no(earlier) == earlier
            ):
                return earlier
        return i

    def operation_of(self, person_no: int) -> Operation:
        return self.operations[
            random.Random(f"{self.seed}:{self.pilot}:op:{person_no}").randrange(len(self.operations))
        ]

    def enrolment(self, i: int) -> Enrolment:
        person_no = self._person_no(i)
        who = person(self.seed, self.pilot, person_no)
        entry, exit_ = self._dates(i)
        rng = random.Random(f"{self.seed}:{self.pilot}:enrolment:{i}")
        status = _weighted(rng, LABOUR_STATUSES)
        record: dict[str, object] = {
            "id_iscrizione": f"{self.pilot.upper()}-{i:07d}",
            "codice_progetto": self.operation_of(person_no).code,
            **who,
            "condizione_occupazionale": status,
            "mesi_disoccupazione": rng.randint(0, 60) if status == "disoccupato" else None,
            "data_ingresso": entry.isoformat(),
            "data_uscita": exit_.isoformat() if exit_ else None,
            "aggiornato_il": self._updated_at(i).isoformat(timespec="seconds"),
        }
        defects: list[str] = []
        if rng.random() < self.defect_rate:
            defect = rng.choice(DEFECTS)
            DEFECT_INJECTORS[defect](record)
            defects.append(defect)
        return Enrolment(record, defects)

    def enrolments(self, start: int = 0, stop: int | None = None) -> list[Enrolment]:
        return [self.enrolment(i) for i in range(start, min(stop or self.size, self.size))]

    def first_record_updated_after(self, since: datetime) -> int:
        """Index of the first record with aggiornato_il > since (binary search on the monotonic clock)."""
        lo, hi = 0, self.size
        while lo < hi:
            mid = (lo + hi) // 2
            if self._updated_at(mid) > since:
                hi = mid
            else:
                lo = mid + 1
        return lo


def _bad_tax_code(record: dict[str, object]) -> None:
    cf = str(record["codice_fiscale"])
    record["codice_fiscale"] = cf[:15] + ("A" if cf[15] != "A" else "B")


def _missing_gender(record: dict[str, object]) -> None:
    record["sesso"] = None


def _bad_education(record: dict[str, object]) -> None:
    record["titolo_studio"] = 11


def _exit_before_entry(record: dict[str, object]) -> None:
    entry = date.fromisoformat(str(record["data_ingresso"]))
    record["data_uscita"] = (entry - timedelta(days=15)).isoformat()


def _missing_birth_date(record: dict[str, object]) -> None:
    record["data_nascita"] = None


DEFECT_INJECTORS = {
    "bad_tax_code": _bad_tax_code,
    "missing_gender": _missing_gender,
    "bad_education": _bad_education,
    "exit_before_entry": _exit_before_entry,
    "missing_birth_date": _missing_birth_date,
}
DEFECTS = sorted(DEFECT_INJECTORS)

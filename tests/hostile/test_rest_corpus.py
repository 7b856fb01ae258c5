"""Hostile REST answers (issue 16): every case is what a pilot's API could answer, served over
real HTTP on 127.0.0.1 by tests/hostile/rest_server.py and read by the pipeline's REST channel,
then validated and landed in-process as the DAG's tasks do, on the real PostgreSQL.

Cases run on copies of `tdz_tor_bella_monaca` (page pagination: `pagina`, `dimensione`,
`pagine_totali`, records under `dati`) and of `cmrc_col` (cursor pagination: `cursore`,
`cursoreSuccessivo`, records under `risultati`), one pilot id and one path prefix per case.
Base records come from the simulated pilot systems' generators (no defects), all changed the
day before the interval ends. Each case states its outcome: a refusal naming pilot and page (and
rule), or a landing with the records it quarantines and their rules; the invariants every case
shares are checked by tests/hostile/corpus.py `run_case`.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from stdnum.it import codicefiscale

from tests.hostile.corpus import Built, Expect, loads, quarantines, refused, run_case
from tests.hostile.harness import INJECTIONS, forget, pilot_copy, rest_channel
from tests.hostile.rest_server import Answer, HostileApi, Request, as_json

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from osservatorio.registry import Pilot
    from tests.conftest import TestEnv

pytestmark = pytest.mark.hostile

DAY = "2026-11-20"
TOKEN = "hostile-suite-token"
TDZ, COL = "tdz_tor_bella_monaca", "cmrc_col"
SIZE = 12  # base records per case
FRESH = datetime(2026, 11, 19, 9, 0)

# TdZ field names (config/pilots.yaml)
ID, OP, CF, SEX, BORN = "id_iscrizione", "codice_progetto", "codice_fiscale", "sesso", "data_nascita"
COMUNE, ISCED, LABOUR, MONTHS = (
    "comune_residenza",
    "titolo_studio",
    "condizione_occupazionale",
    "mesi_disoccupazione",
)
YES_NO = ("disabilita", "cittadinanza_extra_ue", "background_migratorio", "minoranza", "senza_dimora")
ENTRY, EXIT, UPDATED = "data_ingresso", "data_uscita", "aggiornato_il"
TEXT_FIELDS = (ID, OP, CF, SEX, COMUNE, LABOUR, *YES_NO, "nome", "cognome")
PAGE_1, PAGE_2 = "/api/v1/partecipanti?pagina=1", "/api/v1/partecipanti?pagina=2"


def tdz_id(i: int) -> str:
    return f"TDZ_TOR_BELLA_MONACA-{i:07d}"


def base_records(pilot: str, updated: str, stamp: Callable[[datetime], str]) -> list[dict[str, Any]]:
    from pilot_systems.system import PilotSystem

    system = PilotSystem(pilot, SIZE, seed=11, defect_rate=0, today=date(2026, 11, 20))
    records = [dict(r.record) for r in system.records("participant_enrolments")]
    for number, record in enumerate(records):
        record[updated] = stamp(FRESH + timedelta(minutes=number))
    return records


@dataclass
class Site:
    """One case's corner of the server: its pilot, a copy of the base records, what it serves."""

    api: HostileApi
    case: str
    pilot: Pilot
    records: list[dict[str, Any]]
    base_url: str = ""
    check: Callable[[list[Request]], None] | None = None
    sent: list[Any] = field(default_factory=list)

    @property
    def names(self) -> Any:
        return self.pilot.api

    def serve(self, respond: Callable[[dict[str, str]], Answer]) -> None:
        path = self.pilot.entities["participant_enrolments"].path or ""
        self.base_url = self.api.serve(self.case, path, respond)

    def page(self, records: list[Any], number: int, total_pages: Any) -> dict[str, Any]:
        return {
            self.names.records_key: records,
            self.names.page_param: number,
            self.names.size_param: 500,
            "totale": len(records),
            self.names.total_pages_key: total_pages,
        }

    def pages(self, *pages: list[Any] | Answer, total_pages: Any = None) -> None:
        """Page pagination: page n answers pages[n-1] (an Answer as it is), beyond: an empty page."""

        def respond(query: dict[str, str]) -> Answer:
            number = int(query.get(self.names.page_param, "1"))
            if number > len(pages):
                return as_json(self.page([], number, total_pages or len(pages)))
            item = pages[number - 1]
            if isinstance(item, Answer):
                return item
            return as_json(self.page(item, number, len(pages) if total_pages is None else total_pages))

        self.serve(respond)

    def halves(self) -> None:
        """The records over two pages."""
        self.pages(self.records[: SIZE // 2], self.records[SIZE // 2 :])

    def cursor_pages(self, *pages: list[Any] | Answer) -> None:
        """Cursor pagination: no cursor -> pages[0], cursor "c<n>" -> pages[n]."""

        def respond(query: dict[str, str]) -> Answer:
            cursor = query.get(self.names.cursor_param, "")
            number = int(cursor[1:]) if cursor.startswith("c") else 0
            item = pages[number]
            if isinstance(item, Answer):
                return item
            following = f"c{number + 1}" if number + 1 < len(pages) else None
            return as_json(
                {self.names.records_key: item, "limite": 500, self.names.next_cursor_key: following}
            )

        self.serve(respond)


def changed(
    site: Site, changes: dict[int, dict[str, Any]], drop: dict[int, tuple[str, ...]] | None = None
) -> None:
    for i, fields in changes.items():
        site.records[i].update(fields)
    for i, names in (drop or {}).items():
        for name in names:
            del site.records[i][name]
    site.halves()


def check_digit(body: str) -> str:
    return body + codicefiscale.calc_check_digit(body)


# ------------------------------------------------------------------ builders
def baseline_two_pages(site: Site) -> None:
    site.halves()

    def requests_as_the_registry_says(requests: list[Request]) -> None:
        assert [r.query.get("pagina") for r in requests] == ["1", "2"], requests
        assert all(r.authorization == f"Bearer {TOKEN}" for r in requests)
        assert all(r.query.get("dimensione") == "500" for r in requests)
        assert all("aggiornati_dal" not in r.query for r in requests)  # a first interval takes all

    site.check = requests_as_the_registry_says


def numbers_as_strings(site: Site) -> Built:
    changed(site, {0: {ISCED: "6", MONTHS: "12"}})
    return Built(values={tdz_id(0): {"isced_level": 6, "unemployment_months": 12}})


def strings_as_numbers(site: Site) -> Built:
    changed(site, {0: {ID: 4242, OP: 7}})
    return Built(values={"4242": {"operation_id": "7", "enrolment_id": "4242"}})


def codes_as_numbers(site: Site) -> None:
    changed(site, {0: {COMUNE: 58091}, 1: {CF: 12345678}})


def booleans_as_0_and_1(site: Site) -> None:
    changed(site, {0: {"disabilita": 1}, 1: {"senza_dimora": 0}})


def booleans_as_json_true_false(site: Site) -> None:
    changed(site, {0: {"minoranza": True}})


def nulls_in_required_fields(site: Site) -> Built:
    # A null gender (a point 1.1 datum) is an incomplete participant, who lands; a null entry
    # date makes the record unusable.
    changed(site, {0: {SEX: None}, 1: {ENTRY: None}})
    return Built(values={tdz_id(0): {"gender": None}})


def nulls_in_optional_fields(site: Site) -> Built:
    changed(site, {0: {EXIT: None, MONTHS: None, COMUNE: None}})
    return Built(
        values={tdz_id(0): {"exit_date": None, "unemployment_months": None, "residence_comune": None}}
    )


def missing_key_in_one_record(site: Site) -> Built:
    changed(site, {}, drop={0: (SEX,), 1: (EXIT,)})
    return Built(values={tdz_id(0): {"gender": None}, tdz_id(1): {"exit_date": None}})


def same_entry_under_two_ids(conflicting: bool) -> Callable[[Site], Built]:
    """Record 3 again under another id (same person, operation and entry date): one participation
    when the point 1.1 data agree, a conflict naming each other when its labour status differs."""

    def build(site: Site) -> Built:
        twin = copy.deepcopy(site.records[3]) | {ID: "TDZ-DOPPIO"}
        if conflicting:
            twin[LABOUR] = "occupato" if twin[LABOUR] != "occupato" else "inattivo"
        else:
            twin[EXIT] = None  # data outside point 1.1 may differ
        site.records.append(twin)
        site.halves()
        return Built() if conflicting else Built(values={tdz_id(3): {}, "TDZ-DOPPIO": {"exit_date": None}})

    return build


def minor_and_oldest(site: Site) -> Built:
    """Participants aged 0, 14 and 110 at entry land; 111 does not (codici fiscali to match)."""
    for i, years in ((0, 0), (1, 14), (2, 110), (3, 111)):
        record = site.records[i]
        born, entry = date.fromisoformat(record[BORN]), date.fromisoformat(record[ENTRY])
        assert (born.month, born.day) not in ((2, 29), (entry.month, entry.day))
        year = entry.year - years - ((entry.month, entry.day) < (born.month, born.day))
        record[BORN] = born.replace(year=year).isoformat()
        record[CF] = check_digit(record[CF][:6] + f"{year % 100:02d}" + record[CF][8:15])
    site.halves()
    return Built(values={tdz_id(i): {} for i in range(3)})


def missing_key_in_every_record(site: Site) -> None:
    changed(site, {}, drop={i: (BORN,) for i in range(SIZE)})


def extra_unknown_key(site: Site) -> None:
    changed(site, {3: {"note_operatore": "richiamare"}})


def nested_object_in_enum(site: Site) -> None:
    changed(site, {0: {SEX: {"codice": "F", "descrizione": "femmina"}}})


def nested_array_in_id(site: Site) -> None:
    changed(site, {0: {ID: ["TDZ-A", "TDZ-B"]}})


def nested_object_in_free_text(site: Site) -> None:
    changed(site, {0: {OP: {"id": "TDZ-TBM-01"}}})


def nested_array_in_date(site: Site) -> None:
    changed(site, {0: {BORN: ["2005-03-08"]}})


HTML = b"<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body>Errore</body></html>"


def html_error_page_with_200(site: Site) -> None:
    site.pages(site.records[:6], Answer(200, HTML, "text/html; charset=utf-8"))


def empty_body_with_200(site: Site) -> None:
    site.pages(Answer(200, b""))


def truncated_json(site: Site) -> None:
    whole = as_json(site.page(site.records[6:], 2, 2)).body
    site.pages(site.records[:6], Answer(200, whole[: len(whole) // 2]))


def top_level_list(site: Site) -> None:
    site.pages(Answer(200, json.dumps(site.records).encode()))


def top_level_string(site: Site) -> None:
    site.pages(Answer(200, b'"manutenzione programmata"'))


def records_key_missing(site: Site) -> None:
    site.pages(Answer(200, json.dumps({"data": site.records, "pagine_totali": 1}).encode()))


def records_key_not_a_list(site: Site) -> None:
    site.pages(Answer(200, json.dumps({"dati": {"0": site.records[0]}, "pagine_totali": 1}).encode()))


def records_that_are_not_objects(site: Site) -> None:
    site.pages([*site.records[:3], 42, "TDZ", None, ["x"]])


def deeply_nested_junk(site: Site) -> None:
    body = json.dumps(site.page(site.records, 1, 1)).replace('"F"', "[" * 100_000 + "]" * 100_000, 1)
    site.pages(Answer(200, body.encode()))


def same_page_twice(site: Site) -> None:
    site.pages(site.records[:6], site.records[:6])


MAX_REQUESTS = 300  # the server ends the never-ending pagination itself after this many pages


def pagination_never_ends(site: Site) -> None:
    def respond(query: dict[str, str]) -> Answer:
        number = int(query.get("pagina", "1"))
        if number >= MAX_REQUESTS:
            return as_json(site.page([], number, number))
        return as_json(site.page(site.records[:3], number, number + 1))

    site.serve(respond)
    site.check = stopped_by_itself


def stopped_by_itself(requests: list[Request]) -> None:
    assert len(requests) < MAX_REQUESTS, f"{len(requests)} requests: the pipeline never noticed the repeats"


def total_pages_lies_high(site: Site) -> None:
    site.pages(site.records, [], total_pages=5)


def total_pages_not_a_number(site: Site) -> None:
    site.pages(site.records[:6], site.records[6:], total_pages="due")


def http_404_on_page_2(site: Site) -> None:
    site.pages(site.records[:6], as_json({"errore": "pagina non trovata"}, 404))


def content_type_html_with_json_body(site: Site) -> None:
    site.pages(Answer(200, json.dumps(site.page(site.records, 1, 1)).encode(), "text/html"))


def empty_first_page(site: Site) -> None:
    site.pages([])


HUGE = "TDZ-" + "\u00e8" * (1 << 20)


def huge_string(site: Site) -> Built:
    changed(site, {0: {OP: HUGE}})
    return Built(injected=(HUGE,))


def nul_in_free_text(site: Site) -> None:
    changed(site, {0: {OP: "TDZ-TBM\u000001"}})


def nul_in_id(site: Site) -> None:
    changed(site, {0: {ID: "TDZ\u0000-0000000"}})


def nul_in_enum(site: Site) -> None:
    changed(site, {0: {SEX: "F\u0000"}})


def lone_surrogate_in_free_text(site: Site) -> None:
    changed(site, {0: {OP: "TDZ-TBM-\udce9"}})


def lone_surrogate_in_enum(site: Site) -> None:
    changed(site, {0: {SEX: "\ud800"}})


def lone_surrogate_in_ignored_field(site: Site) -> None:
    changed(site, {0: {"nome": "Jos\udce9"}})


# (served with ensure_ascii: the emoji travels as the surrogate pair \ud83d\ude00, NFD stays NFD)
ESCAPED = ("Citt\u00e0 \U0001f600 \u20ac", "Citta\u0300", "\u202etxt.exe \u200b\ufeff")


def unicode_escapes(site: Site) -> Built:
    changed(site, {i: {OP: text} for i, text in enumerate(ESCAPED)})
    return Built(injected=ESCAPED, values={tdz_id(i): {"operation_id": t} for i, t in enumerate(ESCAPED)})


def injections_in_free_text(site: Site) -> Built:
    for text in INJECTIONS:
        site.records.append(dict(site.records[0]) | {ID: text, OP: text})
    site.halves()
    return Built(injected=INJECTIONS, values={t: {"operation_id": t} for t in INJECTIONS})


def injections_in_every_text_field(site: Site) -> Built:
    for text in INJECTIONS:
        site.records.append(dict(site.records[0]) | dict.fromkeys(TEXT_FIELDS, text))
    site.halves()
    return Built(injected=INJECTIONS)


def dates_in_five_formats(site: Site) -> Built:
    born = [date.fromisoformat(site.records[i][BORN]) for i in range(6)]
    changed(site, {
        0: {BORN: f"{born[0]:%d/%m/%Y}"},
        1: {BORN: f"{born[1]:%d} aprile {born[1]:%Y}"},
        2: {BORN: int(datetime(born[2].year, born[2].month, born[2].day).timestamp())},
        3: {BORN: f"{born[3]:%Y%m%d}"},
        5: {UPDATED: "19/11/2026 09:05"},
    })  # fmt: skip
    return Built(values={tdz_id(4): {"birth_date": born[4].isoformat()}})


def date_with_a_timezone_offset(site: Site) -> None:
    born = date.fromisoformat(site.records[0][BORN])
    changed(site, {0: {BORN: f"{born:%Y-%m-%d}T00:00:00+02:00"}})


LOCALE = {0: "2.5", 1: 2.5, 2: "2,5", 3: "1 000", 4: 99999999999999999999, 5: "NaN", 6: "0x1F", 7: 1000}


def numbers_in_locale_traps(site: Site) -> Built:
    changed(site, {i: {MONTHS: value} for i, value in LOCALE.items()} | {8: {MONTHS: 12.0}, 9: {ISCED: "3"}})
    return Built(values={tdz_id(8): {"unemployment_months": 12}, tdz_id(9): {"isced_level": 3}})


def infinity_and_exponent(site: Site) -> None:
    body = json.dumps(site.page(site.records, 1, 1))
    body = body.replace(f'"{MONTHS}": null', f'"{MONTHS}": 1e400', 1)
    site.pages(Answer(200, body.encode()))


def invalid_codici_fiscali(site: Site) -> Built:
    codes = [str(site.records[i][CF]) for i in range(7)]
    wrong_check = codes[0][:15] + ("A" if codes[0][15] != "A" else "B")
    other_birth = check_digit(codes[4][:9] + f"{(int(codes[4][9:11]) % 28) + 1:02d}" + codes[4][11:15])
    omocode = (
        check_digit(codes[6][:14] + "LMNPQRSTUV"[int(codes[6][14])]) if codes[6][14].isdigit() else codes[6]
    )
    changed(site, {
        0: {CF: wrong_check},
        1: {CF: codes[1].lower()},
        2: {CF: codes[2][:15]},
        3: {CF: f"{codes[3][:6]} {codes[3][6:]}"},
        4: {CF: other_birth},
        6: {CF: omocode},
    })  # fmt: skip
    return Built(values={tdz_id(6): {}})


def every_record_invalid(site: Site) -> None:
    changed(site, {i: {SEX: "Z"} for i in range(SIZE)})


def every_record_twice_differing(site: Site) -> None:
    site.pages(site.records, [dict(r) | {MONTHS: 99} for r in site.records])


def stale_batch(site: Site) -> None:
    changed(site, {i: {UPDATED: "2025-01-15T12:00:00+00:00"} for i in range(SIZE)})


# cursor pagination (COL)
def cursor_baseline(site: Site) -> None:
    site.cursor_pages(site.records[:6], site.records[6:])

    def cursor_requests(requests: list[Request]) -> None:
        assert [r.query.get("cursore") for r in requests] == [None, "c1"], requests
        assert all(r.query.get("limite") == "500" for r in requests)
        assert all(r.authorization == f"Bearer {TOKEN}" for r in requests)

    site.check = cursor_requests


def cursor_never_changes(site: Site) -> None:
    def respond(query: dict[str, str]) -> Answer:
        served = len(site.sent)
        site.sent.append(query)
        following = "c1" if served < MAX_REQUESTS else None
        return as_json({"risultati": site.records[:3], "cursoreSuccessivo": following})

    site.serve(respond)
    site.check = stopped_by_itself


def cursor_page_not_json(site: Site) -> None:
    site.cursor_pages(site.records[:6], Answer(200, HTML, "text/html"))


def cursor_records_key_missing(site: Site) -> None:
    site.cursor_pages(Answer(200, json.dumps({"dati": site.records, "cursoreSuccessivo": None}).encode()))


def cursor_nul_and_surrogate(site: Site) -> None:
    site.records[0]["codiceProgetto"] = "COL-\u000004"
    site.records[1]["genere"] = "donna\udce9"
    site.cursor_pages(site.records[:6], site.records[6:])


def col_id(i: int) -> str:
    return f"COL-{i:07d}"


OP_FIELD = ("operation_id", OP)
SEX_FIELD = ("gender", SEX)
ID_FIELD = ("enrolment_id", ID)

# ------------------------------------------------------------------ the corpus
# fmt: off
# (case id, registry pilot copied, builder, expected outcome, the pilot's max_bad_row_share)
CASES: list[tuple[str, str, Callable[[Site], Built | None], Expect, float]] = [
    ("baseline_two_pages", TDZ, baseline_two_pages, loads(SIZE), 0.5),
    ("cursor_baseline", COL, cursor_baseline, loads(SIZE), 0.5),
    # wrong types
    ("numbers_as_strings", TDZ, numbers_as_strings, loads(SIZE), 0.5),
    ("strings_as_numbers", TDZ, strings_as_numbers, loads(SIZE), 0.5),
    ("codes_as_numbers", TDZ, codes_as_numbers, quarantines(
        SIZE - 2, {tdz_id(0): ("residence_comune_format",), tdz_id(1): ("tax_code_format",)},
        {tdz_id(0): ("comune_residenza=58091",)},
    ), 0.5),
    ("booleans_as_0_and_1", TDZ, booleans_as_0_and_1, quarantines(
        SIZE - 2, {tdz_id(0): ("disability_domain",), tdz_id(1): ("homeless_domain",)},
        {tdz_id(0): ("disabilita=1",), tdz_id(1): ("senza_dimora=0",)},
    ), 0.5),
    ("booleans_as_json_true_false", TDZ, booleans_as_json_true_false,
     quarantines(SIZE - 1, {tdz_id(0): ("minority_domain",)},
                 {tdz_id(0): (("minoranza=true", "minoranza=True"),)}), 0.5),
    ("nulls_in_required_fields", TDZ, nulls_in_required_fields, quarantines(
        SIZE - 1, {tdz_id(1): ("entry_date_present",)}), 0.5),
    ("nulls_in_optional_fields", TDZ, nulls_in_optional_fields, loads(SIZE), 0.5),
    # missing and unknown keys
    ("missing_key_in_one_record", TDZ, missing_key_in_one_record, loads(SIZE), 0.5),
    ("missing_key_in_every_record", TDZ, missing_key_in_every_record,
     refused("required field(s) absent from every record", "data_nascita"), 0.5),
    ("extra_unknown_key", TDZ, extra_unknown_key,
     refused("unknown field(s) 'note_operatore'", PAGE_1), 0.5),
    # nested junk
    ("nested_object_in_enum", TDZ, nested_object_in_enum,
     quarantines(SIZE - 1, {tdz_id(0): ("typed_values",)}, {tdz_id(0): (SEX_FIELD,)}), 0.5),
    ("nested_array_in_id", TDZ, nested_array_in_id,
     quarantines(SIZE - 1, {"*": ()}, {"*": (ID_FIELD,)}), 0.5),
    ("nested_object_in_free_text", TDZ, nested_object_in_free_text,
     quarantines(SIZE - 1, {tdz_id(0): ()}, {tdz_id(0): (OP_FIELD,)}), 0.5),
    ("nested_array_in_date", TDZ, nested_array_in_date,
     quarantines(SIZE - 1, {tdz_id(0): ("typed_values",)}, {tdz_id(0): (("birth_date", BORN),)}), 0.5),
    # bodies that are not the JSON page the dialect promises
    ("html_error_page_with_200", TDZ, html_error_page_with_200, refused("pagina=2", "JSON"), 0.5),
    ("empty_body_with_200", TDZ, empty_body_with_200, refused("pagina=1", "JSON"), 0.5),
    ("truncated_json", TDZ, truncated_json, refused("pagina=2", "JSON"), 0.5),
    ("top_level_list", TDZ, top_level_list, refused("pagina=1", "'dati'"), 0.5),
    ("top_level_string", TDZ, top_level_string, refused("pagina=1", "'dati'"), 0.5),
    ("records_key_missing", TDZ, records_key_missing, refused("pagina=1", "'dati'"), 0.5),
    ("records_key_not_a_list", TDZ, records_key_not_a_list, refused("pagina=1", "'dati'"), 0.5),
    ("records_that_are_not_objects", TDZ, records_that_are_not_objects, refused("pagina=1"), 0.5),
    ("deeply_nested_junk", TDZ, deeply_nested_junk, refused("pagina=1"), 0.5),
    ("http_404_on_page_2", TDZ, http_404_on_page_2, refused("pagina=2", "404"), 0.5),
    ("content_type_html_with_json_body", TDZ, content_type_html_with_json_body, loads(SIZE), 0.5),
    ("cursor_page_not_json", COL, cursor_page_not_json, refused("cursore=c1", "JSON"), 0.5),
    ("cursor_records_key_missing", COL, cursor_records_key_missing, refused("'risultati'"), 0.5),
    # pages that repeat, pagination that lies
    ("same_page_twice", TDZ, same_page_twice,
     quarantines(6, {tdz_id(0): ("record_id_unique",)}, total=6), 0.6),
    ("pagination_never_ends", TDZ, pagination_never_ends,
     refused("pagination does not advance", "pagina=3", stage="extract"), 0.5),
    ("cursor_never_changes", COL, cursor_never_changes, refused("cursore=c1", stage="extract"), 0.5),
    ("total_pages_lies_high", TDZ, total_pages_lies_high, loads(SIZE), 0.5),
    ("total_pages_not_a_number", TDZ, total_pages_not_a_number, refused("pagina=1", "pagine_totali"), 0.5),
    ("empty_first_page", TDZ, empty_first_page, loads(0), 0.5),
    # strings
    ("huge_string", TDZ, huge_string, loads(SIZE), 0.5),
    ("nul_in_free_text", TDZ, nul_in_free_text,
     quarantines(SIZE - 1, {tdz_id(0): ()}, {tdz_id(0): (OP_FIELD,)}), 0.5),
    ("nul_in_id", TDZ, nul_in_id, quarantines(SIZE - 1, {"*": ()}, {"*": (ID_FIELD,)}), 0.5),
    ("nul_in_enum", TDZ, nul_in_enum,
     quarantines(SIZE - 1, {tdz_id(0): ()}, {tdz_id(0): (SEX_FIELD,)}), 0.5),
    ("lone_surrogate_in_free_text", TDZ, lone_surrogate_in_free_text,
     quarantines(SIZE - 1, {tdz_id(0): ()}, {tdz_id(0): (OP_FIELD,)}), 0.5),
    ("lone_surrogate_in_enum", TDZ, lone_surrogate_in_enum,
     quarantines(SIZE - 1, {tdz_id(0): ()}, {tdz_id(0): (SEX_FIELD,)}), 0.5),
    ("lone_surrogate_in_ignored_field", TDZ, lone_surrogate_in_ignored_field,
     quarantines(SIZE - 1, {tdz_id(0): ()}, {tdz_id(0): ("nome",)}), 0.5),
    ("cursor_nul_and_surrogate", COL, cursor_nul_and_surrogate, quarantines(
        SIZE - 2, {col_id(0): (), col_id(1): ()},
        {col_id(0): (("operation_id", "codiceProgetto"),), col_id(1): (("gender", "genere"),)},
    ), 0.5),
    ("unicode_escapes", TDZ, unicode_escapes, loads(SIZE), 0.5),
    ("injections_in_free_text", TDZ, injections_in_free_text, loads(SIZE + len(INJECTIONS)), 0.5),
    ("injections_in_every_text_field", TDZ, injections_in_every_text_field, quarantines(
        SIZE,
        {text: ("tax_code_format", "gender_domain", "labour_status_domain", "residence_comune_format",
                "disability_domain") for text in INJECTIONS},
    ), 0.5),
    # dates, numbers, codici fiscali
    # (ISO 8601's basic form 19691206 is not the extended form the pilot declares: quarantined)
    ("dates_in_five_formats", TDZ, dates_in_five_formats, quarantines(
        SIZE - 5,
        {tdz_id(0): ("typed_values",), tdz_id(1): ("typed_values",), tdz_id(2): ("typed_values",),
         tdz_id(3): ("typed_values",), tdz_id(5): ("typed_values",)},
        {tdz_id(0): ("birth_date=",), tdz_id(1): ("aprile",), tdz_id(2): ("birth_date=",),
         tdz_id(3): ("19691206",), tdz_id(5): ("19/11/2026 09:05",)},
    ), 0.5),
    # a time and an offset in a date field: which day is meant is unclear, so it is not a date
    ("date_with_a_timezone_offset", TDZ, date_with_a_timezone_offset,
     quarantines(SIZE - 1, {tdz_id(0): ("typed_values",)}, {tdz_id(0): ("+02:00",)}), 0.5),
    ("numbers_in_locale_traps", TDZ, numbers_in_locale_traps, quarantines(
        SIZE - len(LOCALE),
        {tdz_id(i): () for i in LOCALE} | {tdz_id(7): ("unemployment_months_plausible",)},
        {tdz_id(0): ("'2.5'",), tdz_id(1): ("2.5",), tdz_id(2): ("'2,5'",), tdz_id(3): ("'1 000'",),
         tdz_id(4): ("99999999999999999999",), tdz_id(5): ("NaN",), tdz_id(6): ("'0x1F'",)},
    ), 0.8),
    ("infinity_as_1e400", TDZ, infinity_and_exponent,
     quarantines(SIZE - 1, {"*": ()}, {"*": ("1e400",)}), 0.5),
    ("invalid_codici_fiscali", TDZ, invalid_codici_fiscali, quarantines(
        SIZE - 5,
        {tdz_id(0): ("tax_code_check_character",), tdz_id(1): ("tax_code_format",),
         tdz_id(2): ("tax_code_format",), tdz_id(3): ("tax_code_format",),
         tdz_id(4): ("tax_code_consistent",)},
    ), 0.5),
    # batch gates
    ("every_record_invalid", TDZ, every_record_invalid,
     refused("12 of 12 records invalid", "above the pilot's limit", "gender_domain", PAGE_1), 0.2),
    ("every_record_twice_differing", TDZ, every_record_twice_differing,
     refused("record_id_unique", "above the pilot's limit", PAGE_1), 0.2),
    ("stale_batch", TDZ, stale_batch, refused("batch_fresh", "stale batch"), 0.5),
    # incomplete is not invalid: duplicate entries that agree, minors
    ("same_entry_under_two_ids_agreeing", TDZ, same_entry_under_two_ids(conflicting=False),
     loads(SIZE + 1), 0.5),
    ("same_entry_under_two_ids_conflicting", TDZ, same_entry_under_two_ids(conflicting=True), quarantines(
        SIZE - 1,
        {tdz_id(3): ("duplicate_entry_conflict",), "TDZ-DOPPIO": ("duplicate_entry_conflict",)},
        {tdz_id(3): ("as enrolment TDZ-DOPPIO with different point 1.1 data (labour status)",),
         "TDZ-DOPPIO": (f"as enrolment {tdz_id(3)} with different point 1.1 data (labour status)",)},
    ), 0.5),
    ("ages_0_14_110_land_111_does_not", TDZ, minor_and_oldest,
     quarantines(SIZE - 1, {tdz_id(3): ("age_at_entry_range",)}, {tdz_id(3): ("_age_at_entry=111",)}), 0.5),
]
# fmt: on
PILOTS = [f"{'tdzh' if c[1] == TDZ else 'colh'}_{n:02d}" for n, c in enumerate(CASES)]
INCREMENTAL = "tdzh_incremental"
UPDATED_FIELDS = {TDZ: (UPDATED, lambda t: t.strftime("%Y-%m-%dT%H:%M:%S+00:00")),
                  COL: ("ultimoAggiornamento", lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ"))}  # fmt: skip


@pytest.fixture(scope="module")
def api() -> Iterator[HostileApi]:
    server = HostileApi(TOKEN).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def records() -> dict[str, list[dict[str, Any]]]:
    return {pilot: base_records(pilot, *UPDATED_FIELDS[pilot]) for pilot in (TDZ, COL)}


@pytest.fixture(scope="module")
def conn(test_env: TestEnv) -> Iterator[psycopg.Connection]:
    with psycopg.connect(test_env.warehouse_uri, autocommit=True) as connection:
        forget(connection, [*PILOTS, INCREMENTAL])
        yield connection
        forget(connection, [*PILOTS, INCREMENTAL])


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 42
    assert len({case_id for case_id, *_ in CASES}) == len(CASES)


@pytest.mark.parametrize(
    ("case_id", "original", "build", "expect", "max_bad"), CASES, ids=[c[0] for c in CASES]
)
def test_hostile_rest(
    case_id: str,
    original: str,
    build: Callable[[Site], Built | None],
    expect: Expect,
    max_bad: float,
    api: HostileApi,
    records: dict[str, list[dict[str, Any]]],
    conn: psycopg.Connection,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OSSERVATORIO_STATE_DIR", str(tmp_path / "state"))
    pilot = pilot_copy(original, PILOTS[[c[0] for c in CASES].index(case_id)], max_bad_row_share=max_bad)
    site = Site(api, case_id, pilot, copy.deepcopy(records[original]))
    built = build(site) or Built()
    run_case(conn, "rest", case_id, expect, pilot, DAY, rest_channel(pilot, site.base_url, TOKEN), built)
    if site.check is not None:
        site.check(api.requests_of(case_id))


def test_a_second_interval_asks_only_for_what_changed_since_the_first(
    api: HostileApi,
    records: dict[str, list[dict[str, Any]]],
    conn: psycopg.Connection,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The request shape of an incremental run: `aggiornati_dal` is the newest change landed before."""
    monkeypatch.setenv("OSSERVATORIO_STATE_DIR", str(tmp_path / "state"))
    pilot = pilot_copy(TDZ, INCREMENTAL, max_bad_row_share=0.5)
    site = Site(api, "incremental", pilot, copy.deepcopy(records[TDZ]))
    newest = max(datetime.fromisoformat(r[UPDATED]) for r in site.records)
    exited = dict(site.records[0]) | {EXIT: "2026-11-20", UPDATED: "2026-11-20T10:00:00+00:00"}

    def respond(query: dict[str, str]) -> Answer:
        if "aggiornati_dal" in query:
            return as_json(site.page([exited], 1, 1))
        return as_json(site.page(site.records, 1, 1))

    site.serve(respond)
    channel = rest_channel(pilot, site.base_url, TOKEN)
    run_case(conn, "rest", "incremental_first_interval", loads(SIZE), pilot, DAY, channel)
    run_case(
        conn, "rest", "incremental_second_interval", loads(1), pilot, "2026-11-21", channel,
        Built(values={tdz_id(0): {"exit_date": "2026-11-20"}}),
    )  # fmt: skip
    first, second = api.requests_of("incremental")
    assert "aggiornati_dal" not in first.query
    assert datetime.fromisoformat(second.query["aggiornati_dal"].replace(" ", "+")) == newest
    assert second.authorization == f"Bearer {TOKEN}"

"""docs/reliability.md, from the figures the hostile suites collect (tests/hostile/figures.py).

A test session that runs hostile tests records its figures in the state folder
(.local/reliability/figures.json, with a preview page beside it: tests/hostile/conftest.py). A
part of the page (the hostile-input cases of one channel, the faults, the marts comparison) is
replaced only by a session that collected figures for it; a part a session did not run keeps the
figures of the session that did, each part saying when and by which command its figures were
collected. The committed page is written from the recorded figures by

    make reliability-page        (python -m tests.hostile.reliability_page)

and carries them in a JSON comment at its end, so that a fresh clone starts from them.
"""

from __future__ import annotations

import html
import json
import re
import sys
from collections import Counter
from typing import Any

from tests.conftest import REPO

PAGE = REPO / "docs" / "reliability.md"
RECORDED = REPO / ".local" / "reliability" / "figures.json"
PREVIEW = RECORDED.with_name("reliability.md")
_DATA = re.compile(r"<!-- figures: (\{.*\}) -->\s*\Z", re.DOTALL)


def record(collected: dict[str, list[dict[str, Any]]], stamp: dict[str, str]) -> None:
    """Merge one session's figures into the recorded ones and write the preview page."""
    data = _previous()
    channels = data.setdefault("cases", {})
    for channel in {c["channel"] for c in collected["cases"]}:
        channels[channel] = {
            "collected": stamp,
            "items": [c for c in collected["cases"] if c["channel"] == channel],
        }
    for part in ("faults", "marts"):
        if collected[part]:
            data[part] = {"collected": stamp, "items": collected[part]}
    RECORDED.parent.mkdir(parents=True, exist_ok=True)
    RECORDED.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    PREVIEW.write_text(render(data), encoding="utf-8")


def main() -> int:
    if not RECORDED.exists():
        print(
            f"no recorded figures in {RECORDED}: run the hostile suites first (pytest tests/hostile)",
            file=sys.stderr,
        )
        return 1
    data = json.loads(RECORDED.read_text(encoding="utf-8"))
    PAGE.write_text(render(data), encoding="utf-8")
    sessions = sorted(
        {
            f"{p['collected']['at']}, `{p['collected']['command']}`"
            for p in (*data.get("cases", {}).values(), data.get("faults"), data.get("marts"))
            if p
        }
    )
    print(f"wrote {PAGE.relative_to(REPO)} from the figures of: " + "; ".join(sessions))
    return 0


def _previous() -> dict[str, Any]:
    """The recorded figures, else those the committed page carries."""
    if RECORDED.exists():
        try:
            return json.loads(RECORDED.read_text(encoding="utf-8"))
        except ValueError:
            pass
    if not PAGE.exists():
        return {}
    found = _DATA.search(PAGE.read_text(encoding="utf-8"))
    if not found:
        return {}
    try:
        data = json.loads(found.group(1).replace("--\\u003e", "-->"))
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    cases = data.get("cases")
    if isinstance(cases, dict) and "items" in cases:  # one part for every channel (earlier pages)
        data["cases"] = {
            channel: {
                "collected": cases["collected"],
                "items": [c for c in cases["items"] if c["channel"] == channel],
            }
            for channel in {c["channel"] for c in cases["items"]}
        }
    return data


# --------------------------------------------------------------------------- the page
def cell(text: object, limit: int = 160) -> str:
    """Text as a markdown table cell: escaped HTML (a case's outcome may carry `<script>`), no
    pipes or newlines, cut at `limit` characters."""
    value = " ".join(str(text).split())
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return html.escape(value, quote=False).replace("|", "\\|")


def kind(outcome: str) -> str:
    """quarantined | refused | loaded | crashed, from a case's expected or actual outcome."""
    text = outcome.strip().lower()
    if text.startswith("refused"):
        return "refused"
    if text.startswith("crashed"):
        return "crashed"
    if text.startswith("quarantine"):
        return "quarantined"
    quarantined = re.search(r"quarantined (\d+)", text)
    if quarantined and int(quarantined.group(1)) > 0:
        return "quarantined"
    return "loaded"


def _stamp(part: dict[str, Any]) -> str:
    collected = part["collected"]
    return f"_Figures of the session of {collected['at']}, `{collected['command']}`._"


def _all_cases(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [case for _, part in sorted(data.get("cases", {}).items()) for case in part["items"]]


def render(data: dict[str, Any]) -> str:
    cases = _all_cases(data)
    faults = data.get("faults", {}).get("items", [])
    marts = data.get("marts", {}).get("items", [])
    kinds = Counter(kind(c["outcome"]) for c in cases)
    lost = sum(f["lost"] for f in faults)
    duplicated = sum(f["duplicated"] for f in faults)
    changed = sum(f["changed"] for f in faults)
    out = [
        "# Reliability: nothing lost, nothing silently changed, nothing executed",
        "",
        "<!-- Generated by `make reliability-page` (tests/hostile/reliability_page.py) from the",
        "     figures the hostile suites recorded (`pytest tests/hostile`, part of `make test`).",
        "     Do not edit by hand. -->",
        "",
        "Every figure on this page comes from the last run of the hostile-input corpus"
        " (`tests/hostile/test_*_corpus.py`) and of the fault-injection suite"
        " (`tests/hostile/test_faults.py`) that recorded them; each part says which session that was.",
        "",
        "## Figures",
        "",
        "| figure | value |",
        "|---|---|",
        f"| hostile-input cases tried | {len(cases)} ({_per_channel(cases)}) |",
        f"| their outcomes | quarantined {kinds['quarantined']}, refused {kinds['refused']},"
        f" loaded {kinds['loaded']}, crashed {kinds['crashed']} |",
        f"| cases whose outcome was the expected one | {_as_expected(cases)} of {len(cases)} |",
        f"| faults injected | {sum(f['injected'] for f in faults)} ({len(faults)} kinds of fault) |",
        f"| faults survived | {sum(f['survived'] for f in faults)} of {len(faults)} kinds"
        " (after retries and reruns the landed set equals the source set) |",
        f"| records lost | **{lost}** (must be 0) |",
        f"| records duplicated | **{duplicated}** (must be 0) |",
        f"| values changed | **{changed}** (must be 0) |",
        f"| marts relations identical to a clean run's | {sum(m['identical'] for m in marts)}"
        f" of {len(marts)} |",
        "",
    ]
    out += _cases_section(data)
    out += _faults_section(data)
    out += _marts_section(data)
    out += GUARANTEES
    out += _gaps(faults)
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True).replace("-->", "--\\u003e")
    out += ["", f"<!-- figures: {payload} -->", ""]
    return "\n".join(out)


def _as_expected(cases: list[dict[str, Any]]) -> int:
    return sum(kind(c["expected"]) == kind(c["outcome"]) for c in cases)


def _per_channel(cases: list[dict[str, Any]]) -> str:
    counts = Counter(c["channel"] for c in cases)
    return ", ".join(f"{channel} {n}" for channel, n in sorted(counts.items())) or "none ran"


def _cases_section(data: dict[str, Any]) -> list[str]:
    out = ["## Hostile input, per channel", ""]
    cases = _all_cases(data)
    if not cases:
        return [*out, "No hostile-input case has run yet.", ""]
    out += [
        "Outcomes: _quarantined_ (the batch landed, the case's records in `raw.quarantine` with"
        " their rule), _refused_ (nothing of the batch loaded, the refusal in `raw.batch_refusals`),"
        " _loaded_ (every record landed, its strings stored as sent), _crashed_ (a bare trace).",
        "",
        "| channel | cases | quarantined | refused | loaded | crashed | of the expected kind | collected |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for channel, part in sorted(data["cases"].items()):
        mine = part["items"]
        kinds = Counter(kind(c["outcome"]) for c in mine)
        expected = _as_expected(mine)
        collected = part["collected"]
        out.append(
            f"| {cell(channel)} | {len(mine)} | {kinds['quarantined']} | {kinds['refused']}"
            f" | {kinds['loaded']} | {kinds['crashed']} | {expected}"
            f" | {collected['at']}, `{cell(collected['command'])}` |"
        )
    out += ["", "<details><summary>Every case, its expected and its actual outcome</summary>", ""]
    out += ["| channel | case | expected | outcome |", "|---|---|---|---|"]
    out += [
        f"| {cell(c['channel'])} | {cell(c['case'], 80)} | {cell(c['expected'])} | {cell(c['outcome'])} |"
        for c in cases
    ]
    return [*out, "", "</details>", ""]


def _faults_section(data: dict[str, Any]) -> list[str]:
    out = ["## Faults", ""]
    if "faults" not in data:
        return [*out, "The fault-injection suite has not run yet.", ""]
    faults = data["faults"]["items"]
    out += [
        _stamp(data["faults"]),
        "",
        "After each fault the suite retries the step as Airflow's retry would, or reruns the"
        " intervals, then compares the landed set (the current version of every record, per record"
        " type: `source_record_id` and `record_hash`) with the source set (ids and hashes of what the"
        " pilot served or dropped), and the marts with those of a clean warehouse fed the same source.",
        "",
        "| fault | injected | survived | lost | duplicated | changed | marts as a clean run's |",
        "|---|---:|---|---:|---:|---:|---|",
    ]
    for f in faults:
        out.append(
            f"| {cell(f['fault'], 200)} | {f['injected']} | {_yes(f['survived'])} | {f['lost']}"
            f" | {f['duplicated']} | {f['changed']} | {_yes(f.get('marts'))} |"
        )
    for f in faults:
        out += [
            "",
            f"### {cell(f['fault'], 200)}",
            "",
            "| injected | survived | records lost | records duplicated | values changed | marts |",
            "|---:|---|---:|---:|---:|---|",
            f"| {f['injected']} | {_yes(f['survived'])} | {f['lost']} | {f['duplicated']} | {f['changed']}"
            f" | {_yes(f.get('marts'))} |",
        ]
        if f.get("notes"):
            out += ["", *[f"- {cell(note, 400)}" for note in f["notes"]]]
    return [*out, ""]


def _gaps(faults: list[dict[str, Any]]) -> list[str]:
    """What the figures show is not enforced yet: every fault that lost, duplicated or changed."""
    bad = [f for f in faults if f["lost"] or f["duplicated"] or f["changed"] or not f["survived"]]
    if not bad:
        return []
    out = ["", "### Where the figures show a gap", ""]
    for f in bad:
        out.append(
            f"- {cell(f['fault'], 200)}: {f['lost']} records lost, {f['duplicated']} duplicated,"
            f" {f['changed']} changed (see its table above)."
        )
    return out


def _yes(value: bool | None) -> str:
    return "not compared" if value is None else ("yes" if value else "**no**")


def _marts_section(data: dict[str, Any]) -> list[str]:
    out = ["## Marts against a clean run", ""]
    if "marts" not in data:
        return [*out, "The marts comparison has not run yet.", ""]
    out += [
        _stamp(data["marts"]),
        "",
        "A real `dbt build` on the faulted warehouse and on a clean warehouse fed the same source;"
        " each marts relation (tables and views) hashed as its rows' text, sorted (md5), over the rows"
        " of the suite's pilots. Columns that record when a row was loaded, not what it says, are"
        " left out: they differ between any two runs.",
        "",
        "| relation | rows (faulted) | rows (clean) | identical | columns left out (load timestamps) |",
        "|---|---:|---:|---|---|",
    ]
    for m in data["marts"]["items"]:
        excluded = ", ".join(f"`{c}`" for c in m["excluded"]) or "none"
        out.append(
            f"| `marts.{cell(m['table'])}` ({m.get('kind', 'table')}) | {m['rows_faulted']}"
            f" | {m['rows_clean']}"
            f" | {_yes(m['identical'])} | {excluded} |"
        )
    return [*out, ""]


GUARANTEES = [
    "## How each guarantee is enforced",
    "",
    "- **The ledger adds up.** Every landing writes one row to `raw.batches` whose CHECK constraint"
    " refuses the whole transaction unless received = loaded + unchanged + quarantined"
    " (`plugins/osservatorio/land/migrations/`); dbt's `assert_ledger_adds_up` checks it again.",
    "- **One transaction per batch.** Records, quarantine, validation results, the ledger row and"
    " the file ledger (`raw.files`) commit together or not at all (`land/warehouse.py`): a"
    " PostgreSQL restart or a SIGKILL during the COPY leaves no row of the batch, and the retry"
    " lands all of it (the faults above).",
    "- **Files are archived only after the commit and never deleted.** A dropped file leaves the"
    " inbox after its records are committed, moved into `archive/<interval>/<record type>/` without"
    " overwriting anything (a same-name file gets `~2`); a killed load leaves it in the inbox.",
    "- **Refusals are recorded.** A refused batch loads nothing, keeps its files in the inbox and"
    " leaves its reason and invalid records in `raw.batch_refusals` (`land/refusals.py`).",
    "- **Reruns supersede, never delete.** A rerun of an interval marks its previous landing"
    " `superseded_at` and lands anew; a record version already current elsewhere is counted"
    " `unchanged`, so clears, backfills and out-of-order intervals land each version once. Only"
    " the records the rerun holds again are superseded: a record it does not see keeps its"
    " version current, so no record disappears by absence (a REST backfill used to lose the"
    " later intervals' changes this way).",
    "- **The bad-row gate at landing** counts every reason a record is not loaded (validation's"
    " quarantine and the duplicate ids only the landing sees) against the pilot's"
    " `max_bad_row_share`.",
    "- **Reruns re-read their archived files, and a same-name resend replaces.** A rerun reads the"
    " files its batch landed before from the archive; a file the pilot dropped again under the same"
    " name is the corrected version and is read instead of the archived one.",
    "- **Strings are stored as data.** Records reach PostgreSQL through parameterised COPY and"
    " parameterised statements, never through SQL text; the corpus checks injected SQL, HTML and"
    " spreadsheet formulas byte for byte in the stored records.",
    "- **Data Docs are escaped.** Values shown on a batch's Data Docs page are HTML-escaped, so a"
    " quarantined `<script>` is text on the page.",
]


if __name__ == "__main__":
    sys.exit(main())

"""Text PostgreSQL can store, made so at the one point every channel writes records through.

PostgreSQL text and jsonb cannot hold U+0000, and a lone surrogate cannot even be written as
UTF-8. Both reach a record: a stray NUL byte in a CSV row, a byte the file's encoding does not
define (the CSV reader decodes UTF-8 with `surrogateescape`, so byte 0xE9 becomes U+DCE9), or a
REST body's `"\\u0000"` / `"\\udce9"`. Left as they are, one such character fails the landing's
COPY for the whole batch on every rerun; dropped, it would change the value silently.

So `make_safe` replaces each one, in every string of the record (nested lists and dicts, and
keys, included), with a visible escape: `\\x00` for NUL, `\\xe9` for an undecodable byte,
`\\ud800` for any other lone surrogate. The record then carries BAD_TEXT, `{field: problem}`
(field as escaped, problems joined by "; "), which makes validation quarantine it: its values are
not what the pilot meant, and the escape only shows where the problem is.
"""

from __future__ import annotations

import re
from typing import Any

BAD_TEXT = "_bad_text"

_UNSAFE = re.compile("[\x00\ud800-\udfff]")
_ESCAPED_BYTES = range(0xDC80, 0xDD00)  # what surrogateescape makes of the bytes 0x80-0xFF


def has_unsafe_text(text: str) -> bool:
    """Whether `text` holds a character PostgreSQL cannot store (also on a whole JSON line, where
    NUL reads `\\u0000`: a false alarm there only costs a closer look). Run on every record: the
    UTF-8 encoder finds a lone surrogate several times faster than a regex would."""
    if "\x00" in text or "\\u0000" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _problem(char: str) -> tuple[str, str]:
    """(escape shown instead of `char`, what is wrong with it)."""
    code = ord(char)
    if code == 0:
        return "\\x00", "NUL byte (shown as \\x00)"
    if code in _ESCAPED_BYTES:
        byte = code - 0xDC00
        shown = f"\\x{byte:02x}"
        return shown, f"byte 0x{byte:02X} is not valid UTF-8 (mixed encodings; shown as {shown})"
    shown = f"\\u{code:04x}"
    return shown, f"lone surrogate U+{code:04X} is not a character (shown as {shown})"


def escape_text(text: str) -> tuple[str, list[str]]:
    """`text` with every unsafe character escaped, and the problems found (none: `text` as it is)."""
    if _UNSAFE.search(text) is None:
        return text, []
    problems: list[str] = []

    def replace(match: re.Match[str]) -> str:
        shown, problem = _problem(match.group())
        if problem not in problems:
            problems.append(problem)
        return shown

    return _UNSAFE.sub(replace, text), problems


def _safe_value(value: Any, path: str, problems: list[str]) -> Any:
    """`value` with its text escaped; `path` locates nested values inside the record's field."""
    if isinstance(value, str):
        safe, found = escape_text(value)
        problems += [f"{p} at {path}" if path else p for p in found]
        return safe
    if isinstance(value, list):
        return [_safe_value(v, f"{path}[{i}]", problems) for i, v in enumerate(value)]
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            safe_key = _safe_key(key, out, problems, path)
            out[safe_key] = _safe_value(item, f"{path}.{safe_key}" if path else str(safe_key), problems)
        return out
    return value


def _safe_key(key: Any, taken: dict[Any, Any], problems: list[str], parent: str | None) -> Any:
    """The key escaped; `parent` is None for a record's own field (the marker names it)."""
    if not isinstance(key, str):
        return key
    safe, found = escape_text(key)
    where = "" if parent is None else f" {parent}.{safe}" if parent else f" {safe}"
    problems += [f"field name{where}: {p}" for p in found]
    while found and safe in taken:  # never overwrite a field the pilot sent under that very name
        safe += "_"
    return safe


def make_safe(record: dict[str, Any]) -> dict[str, Any]:
    """`record` with all its text storable, marked with BAD_TEXT when anything had to be escaped.

    Returns `record` itself when nothing had to be."""
    out: dict[str, Any] = {}
    bad: dict[str, str] = {}
    for key, value in record.items():
        problems: list[str] = []
        safe_key = _safe_key(key, out, problems, None)
        out[safe_key] = _safe_value(value, "", problems)
        if problems:
            bad[str(safe_key)] = "; ".join(dict.fromkeys(problems))
    if not bad:
        return record
    return out | {BAD_TEXT: bad}


def safe_label(text: str) -> str:
    """A record's source label (file name and line, page) escaped the same way, unmarked: it says
    where the record came from, it is not the pilot's data."""
    return escape_text(text)[0]

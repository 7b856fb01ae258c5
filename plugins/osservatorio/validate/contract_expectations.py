"""The structural expectations of a record type, generated from its contract (Table Schema).

The contract (`plugins/osservatorio/contract/<record type>.yaml`) is the one source of truth for
record structure; nobody writes these expectations by hand:

- `constraints.required: true` -> `expect_column_values_to_not_be_null`, rule `<stem>_present`;
- `constraints.enum` -> `expect_column_values_to_be_in_set`, rule `<stem>_domain`;
- `constraints.pattern` -> `expect_column_values_to_match_regex` (anchored), rule `<stem>_format`;
- `constraints.minimum` / `maximum` -> one `expect_column_values_to_be_between` per field, rule
  `<stem>_domain` (both bounds), `<stem>_not_negative` (minimum 0 alone) or `<stem>_range`; or
  one per bound when the overrides name them (`minimum` / `maximum` instead of `range`, below);
- every field's `type` -> `expect_column_values_to_be_null` on `_type_errors`, rule `typed_values`;
- `primaryKey` -> `expect_compound_columns_to_be_unique`, rule `record_id_unique`, enforced at
  landing (below).

`<stem>` is the field name unless `expectations/<record type>.json` renames it
(`structural_overrides.<field>.rule_stem`, kept so that rule ids stay those already in
raw.validation_results and raw.quarantine). Reasons read "<title> missing", "<title> not one of
A, B, C", "<title> does not match <pattern>", "<title> not between 1 and 6" / "<title> is
negative", with the field's `title` from the contract; `structural_overrides.<field>.<required |
enum | pattern | range>.reason` replaces one where the wording carries domain meaning (e.g.
"action not 4.4.8.1 or 4.4.8.2 (PN Metro Plus ESO4.8)"). Overrides `minimum` and `maximum`
(either or both, never with `range`) check the two bounds as two rules, each with its own default
("<title> is negative", "<title> above 600"): a plausibility bound added to a field that had a
minimum (600 months of unemployment catches `1.000` read as 1000) gets a rule of its own, and the
minimum keeps the rule id it had (`unemployment_months_not_negative`). The business rules
(codice fiscale, consistency between fields, dates against the data interval, comuni, freshness,
row shape, clean text, batch not empty, duplicate entries) stay hand-written in
`expectations/<record type>.json`;
`osservatorio.validate.suite.load_suite_definition` returns both as one suite.

Types. Values are parsed into their contract type while the batch is mapped
(`osservatorio.validate.canonical`): a value that does not parse is listed in the `_type_errors`
column, and the one `typed_values` expectation quarantines its row. That expectation names in
`meta.field_types` every field and the type it is parsed as, so the coverage check sees each
field's type; a type the parser cannot check raises here instead of going unchecked. Since the
columns are typed, `pattern` applies to string fields and `minimum`/`maximum` to integer, number
and date fields only (anything else raises).

Primary key: enforced at landing, not by GX. The record id must be unique per pilot in a batch,
and the landing (`osservatorio.land.warehouse`) decides it set-based over the whole batch: identical
copies land once (the extra copies are quarantined as copies), copies that differ are all
quarantined. GX sees one chunk (50,000 records) at a time, so a GX uniqueness check would miss
copies in different chunks and would quarantine identical copies that should land once: it
would change behaviour. So the suite carries the expectation with `meta.enforced_at = "landing"`
(rule `record_id_unique`, the rule name the landing writes into raw.quarantine), the suite
runner leaves it out of the GX run, and the coverage check and the suite stored for Data Docs
still see it.

Any other constraint (minLength, unique, ...) raises: a contract change cannot go unchecked
silently. `coverage_gaps` says which contract constraint has no expectation with the same
parameters (tests/unit/test_contract_expectations.py runs it on every record type).
"""

from __future__ import annotations

from typing import Any

TYPE_ERRORS = "_type_errors"  # written by osservatorio.validate.canonical (not imported: keep this light)
PARSED_TYPES = ("string", "integer", "number", "date", "datetime", "boolean")  # canonical._parse
RANGE_TYPES = ("integer", "number", "date")
SUPPORTED_CONSTRAINTS = ("required", "enum", "pattern", "minimum", "maximum")
OVERRIDE_KEYS = ("required", "enum", "pattern", "range", "minimum", "maximum")

TYPED_VALUES = {"rule": "typed_values", "reason": "value of the wrong type"}
RECORD_ID_UNIQUE = {
    "rule": "record_id_unique",
    "reason": "record id not unique in the batch: identical copies land once, differing copies are"
    " all quarantined",
    "enforced_at": "landing",
}


class ContractError(ValueError):
    """The contract holds a constraint no expectation can be generated for, or overrides are stale."""


def anchored(pattern: str) -> str:
    """Frictionless patterns match the whole value; GX's regex expectation searches within it."""
    if pattern.startswith("^") and pattern.endswith("$"):
        return pattern
    return f"^(?:{pattern})$"


def _default_range(title: str, minimum: Any, maximum: Any) -> tuple[str, str]:
    """(rule suffix, reason) of a minimum/maximum constraint."""
    if minimum is not None and maximum is not None:
        return "domain", f"{title} not between {minimum} and {maximum}"
    if minimum == 0:
        return "not_negative", f"{title} is negative"
    if minimum is not None:
        return "range", f"{title} below {minimum}"
    return "range", f"{title} above {maximum}"


def _expectation(kind: str, kwargs: dict[str, Any], rule: str, reason: str, **meta: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "kwargs": kwargs,
        "meta": {"rule": rule, "reason": reason, "generated_from": "contract"} | meta,
    }


def _check_overrides(schema: dict[str, Any], overrides: dict[str, Any]) -> None:
    fields = {f["name"]: f for f in schema["fields"]}
    for name, override in overrides.items():
        if name not in fields:
            raise ContractError(f"{schema['name']}: override for {name!r}, which is not in the contract")
        constraints = fields[name].get("constraints") or {}
        present = {
            "required": bool(constraints.get("required")),
            "enum": "enum" in constraints,
            "pattern": "pattern" in constraints,
            "range": "minimum" in constraints or "maximum" in constraints,
            "minimum": "minimum" in constraints,
            "maximum": "maximum" in constraints,
        }
        if "range" in override and ("minimum" in override or "maximum" in override):
            raise ContractError(
                f"{schema['name']}.{name}: override 'range' (bounds as one rule) and 'minimum'/'maximum'"
                " (one rule each) exclude each other"
            )
        for key in override:
            if key == "rule_stem":
                continue
            if key not in OVERRIDE_KEYS or not present[key]:
                raise ContractError(
                    f"{schema['name']}.{name}: override {key!r} matches no constraint of the field"
                )
            if set(override[key]) - {"rule", "reason"}:
                raise ContractError(f"{schema['name']}.{name}.{key}: overrides may set rule and reason only")


def structural_expectations(
    schema: dict[str, Any], overrides: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """GX expectation configs (dicts) for every constraint, type and the primary key of `schema`."""
    overrides = overrides or {}
    _check_overrides(schema, overrides)
    name = schema["name"]
    field_types = {}
    per_field: list[dict[str, Any]] = []
    for field in schema["fields"]:
        column, kind = field["name"], field["type"]
        if kind not in PARSED_TYPES:
            raise ContractError(f"{name}.{column}: type {kind!r} is not parsed (and so not checked)")
        field_types[column] = kind
        constraints = dict(field.get("constraints") or {})
        if unknown := sorted(set(constraints) - set(SUPPORTED_CONSTRAINTS)):
            raise ContractError(f"{name}.{column}: no expectation is generated for constraint(s) {unknown}")
        override = overrides.get(column, {})
        stem = override.get("rule_stem", column)
        title = field.get("title") or column.replace("_", " ")

        # (override key, expectation type, kwargs besides the column, default rule, default reason)
        wanted: list[tuple[str, str, dict[str, Any], str, str]] = []
        if constraints.get("required"):
            wanted.append(
                ("required", "expect_column_values_to_not_be_null", {}, f"{stem}_present", f"{title} missing")
            )
        if "enum" in constraints:
            values = list(constraints["enum"])
            shown = ", ".join(str(v) for v in values)
            wanted.append(
                ("enum", "expect_column_values_to_be_in_set", {"value_set": values}, f"{stem}_domain",
                 f"{title} not one of {shown}")
            )  # fmt: skip
        if "pattern" in constraints:
            if kind != "string":
                raise ContractError(f"{name}.{column}: a pattern on a {kind} field cannot be checked")
            regex = anchored(constraints["pattern"])
            wanted.append(
                ("pattern", "expect_column_values_to_match_regex", {"regex": regex}, f"{stem}_format",
                 f"{title} does not match {regex}")
            )  # fmt: skip
        minimum, maximum = constraints.get("minimum"), constraints.get("maximum")
        if minimum is not None or maximum is not None:
            if kind not in RANGE_TYPES:
                raise ContractError(f"{name}.{column}: minimum/maximum on a {kind} field cannot be checked")
            split = "minimum" in override or "maximum" in override
            ranges = [("minimum", minimum, None), ("maximum", None, maximum)] if split else []
            for key, low, high in ranges or [("range", minimum, maximum)]:
                if low is None and high is None:
                    continue
                suffix, reason = _default_range(title, low, high)
                bounds = {k: v for k, v in (("min_value", low), ("max_value", high)) if v is not None}
                wanted.append((key, "expect_column_values_to_be_between", bounds, f"{stem}_{suffix}", reason))
        for key, kind_, kwargs, rule, reason in wanted:
            chosen = override.get(key, {})
            per_field.append(
                _expectation(
                    kind_, {"column": column} | kwargs, chosen.get("rule", rule), chosen.get("reason", reason)
                )
            )
    typed = _expectation(
        "expect_column_values_to_be_null",
        {"column": TYPE_ERRORS},
        TYPED_VALUES["rule"],
        TYPED_VALUES["reason"],
        field_types=field_types,
    )
    expectations = [typed, *per_field]
    if key := schema.get("primaryKey"):
        expectations.append(
            _expectation(
                "expect_compound_columns_to_be_unique",
                {"column_list": list(key)},
                RECORD_ID_UNIQUE["rule"],
                RECORD_ID_UNIQUE["reason"],
                enforced_at=RECORD_ID_UNIQUE["enforced_at"],
            )
        )
    return expectations


def enforced_by_gx(expectation: dict[str, Any]) -> bool:
    """False for expectations another stage enforces (the primary key, at landing)."""
    return "enforced_at" not in (expectation.get("meta") or {})


def coverage_gaps(schema: dict[str, Any], expectations: list[dict[str, Any]]) -> list[str]:
    """Every constraint, type and primary key of `schema` with no expectation of the same parameters.

    Written independently of the generator: it reads the contract and looks for the expectation
    GX would need, whoever wrote it."""

    def find(kind: str, **kwargs: Any) -> list[dict[str, Any]]:
        return [
            e
            for e in expectations
            if e["type"] == kind and all(e["kwargs"].get(k) == v for k, v in kwargs.items())
        ]

    gaps = []
    typed = find("expect_column_values_to_be_null", column=TYPE_ERRORS)
    declared = {}
    for expectation in typed:
        declared |= (expectation.get("meta") or {}).get("field_types") or {}
    for field in schema["fields"]:
        column, constraints = field["name"], field.get("constraints") or {}
        where = f"{schema['name']}.{column}"
        if declared.get(column) != field["type"] or field["type"] not in PARSED_TYPES:
            gaps.append(f"{where}: type {field['type']} (typed_values declares {declared.get(column)!r})")
        if constraints.get("required") and not find("expect_column_values_to_not_be_null", column=column):
            gaps.append(f"{where}: required")
        if "enum" in constraints:
            allowed = sorted(constraints["enum"], key=repr)
            if not any(
                isinstance(e["kwargs"]["value_set"], list)
                and sorted(e["kwargs"]["value_set"], key=repr) == allowed
                for e in find("expect_column_values_to_be_in_set", column=column)
            ):
                gaps.append(f"{where}: enum {constraints['enum']}")
        if "pattern" in constraints and not find(
            "expect_column_values_to_match_regex", column=column, regex=anchored(constraints["pattern"])
        ):
            gaps.append(f"{where}: pattern {constraints['pattern']}")
        for key, kwarg in (("minimum", "min_value"), ("maximum", "max_value")):
            if key in constraints and not find(
                "expect_column_values_to_be_between", column=column, **{kwarg: constraints[key]}
            ):
                gaps.append(f"{where}: {key} {constraints[key]}")
        if unknown := sorted(set(constraints) - set(SUPPORTED_CONSTRAINTS)):
            gaps.append(f"{where}: constraint(s) {unknown} have no expectation")
    if (key := schema.get("primaryKey")) and not find(
        "expect_compound_columns_to_be_unique", column_list=list(key)
    ):
        gaps.append(f"{schema['name']}: primaryKey {key}")
    return gaps

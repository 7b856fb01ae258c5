"""Render docs/data-contract.md from the contract's YAML schemas, so the two never diverge.

Schemas are read through the loader, so an enum taken from a seed (`enum_from`) shows as its values.

    python -m osservatorio.contract.render_docs > docs/data-contract.md
(a test fails when the committed document differs from what this prints)
"""

from __future__ import annotations

from osservatorio.contract import table_schema
from osservatorio.paths import CONTRACT_DIR

RECORD_TYPES = ("operations", "participant_enrolments", "result_events", "supported_entities", "expenditures")

INTRO = CONTRACT_DIR / "data_contract_intro.md"  # the hand-written part of the page


def render() -> str:
    parts = [INTRO.read_text(encoding="utf-8")]
    for name in RECORD_TYPES:
        schema = table_schema(name)
        parts.append(f"\n## {name}\n\nPrimary key: {', '.join(schema['primaryKey'])}.\n")
        parts.append("| field | type | required | constraints | meaning |\n|---|---|---|---|---|")
        for field in schema["fields"]:
            constraints = dict(field.get("constraints") or {})
            required = "yes" if constraints.pop("required", False) else ""
            shown = ", ".join(f"{k}: {v}" for k, v in constraints.items())
            meaning = field.get("description", "")
            if field.get("sensitive") == "direct_identifier":
                meaning = f"*direct identifier* - {meaning}"
            parts.append(f"| `{field['name']}` | {field['type']} | {required} | {shown} | {meaning} |")
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(render(), end="")

"""Horizontal bar charts as inline SVG: no script, no external resource, every text escaped.

A chart is a list of groups (an indicator, a financial cell), each with a few labelled bars
drawn to one scale; the value is written beside each bar, so the chart reads without a legend
and prints in black and white.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from html import escape

WIDTH = 760
_BAR_X = 190  # bars start here; series names sit to their left
_BAR_SPACE = 440  # the longest bar
_BAR_HEIGHT = 14
_ROW = 18
_GROUP_TITLE = 20
_GROUP_GAP = 10


@dataclass(frozen=True)
class Bar:
    series: str
    value: int | Decimal
    colour: str


@dataclass(frozen=True)
class BarGroup:
    label: str
    bars: tuple[Bar, ...]
    note: str = ""  # written after the group's title, e.g. "62% of target"


def format_number(value: int | Decimal) -> str:
    """Thousands separated; amounts with two decimals."""
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return f"{value:,}"


def bar_chart(title: str, groups: list[BarGroup]) -> str:
    """An SVG element drawing `groups`; an empty list draws nothing (the caller says why)."""
    if not groups:
        return ""
    top = max((max(b.value, 0) for g in groups for b in g.bars), default=0) or 1
    parts: list[str] = []
    y = 0
    for group in groups:
        heading = group.label + (f"  ({group.note})" if group.note else "")
        parts.append(f'<text x="0" y="{y + 14}" class="group">{escape(heading)}</text>')
        y += _GROUP_TITLE
        for bar in group.bars:
            length = round(_BAR_SPACE * max(bar.value, 0) / top, 1)
            parts.append(
                f'<text x="{_BAR_X - 6}" y="{y + 11}" text-anchor="end">{escape(bar.series)}</text>'
                f'<rect x="{_BAR_X}" y="{y}" width="{length}" height="{_BAR_HEIGHT}"'
                f' fill="{escape(bar.colour)}"/>'
                f'<text x="{_BAR_X + length + 4}" y="{y + 11}">{escape(format_number(bar.value))}</text>'
            )
            y += _ROW
        y += _GROUP_GAP
    return (
        f'<svg role="img" width="{WIDTH}" height="{y}"'
        f' viewBox="0 0 {WIDTH} {y}"><title>{escape(title)}</title>' + "".join(parts) + "</svg>"
    )

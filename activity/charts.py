"""Small server-rendered charts: numbers turned into SVG geometry for the templates.

No script and no style attributes (the CSP allows neither inline): the templates draw plain
`<rect>`s from these values and app.css colours them by class.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    width: str  # percent of the widest bar, as an SVG attribute value
    href: str | None = None
    note: str = ""


def bars(items: list[tuple[str, int, str | None]], note: dict[str, str] | None = None) -> list[Bar]:
    """Horizontal bars scaled to the largest value (a zero still shows as a sliver)."""
    top = max((value for _, value, _ in items), default=0)
    return [
        Bar(
            label=label,
            value=value,
            width=f"{max(0.5, 100 * value / top) if top else 0.5:.1f}",
            href=href,
            note=(note or {}).get(label, ""),
        )
        for label, value, href in items
    ]


@dataclass(frozen=True)
class Column:
    day: date
    value: int
    x: str
    y: str
    height: str


@dataclass(frozen=True)
class Columns:
    columns: list[Column]
    width: int
    height: int
    top: int
    total: int


COLUMN_WIDTH = 10
COLUMN_GAP = 2
CHART_HEIGHT = 60


def columns(days: list[tuple[date, int]]) -> Columns:
    """One column per day, heights scaled to the busiest day, in a 60-unit-high viewBox."""
    top = max((value for _, value in days), default=0)
    drawn = []
    for index, (day, value) in enumerate(days):
        height = CHART_HEIGHT * value / top if top else 0.0
        drawn.append(
            Column(
                day=day,
                value=value,
                x=f"{index * (COLUMN_WIDTH + COLUMN_GAP)}",
                y=f"{CHART_HEIGHT - height:.1f}",
                height=f"{height:.1f}",
            )
        )
    return Columns(
        columns=drawn,
        width=max(1, len(days) * (COLUMN_WIDTH + COLUMN_GAP) - COLUMN_GAP),
        height=CHART_HEIGHT,
        top=top,
        total=sum(value for _, value in days),
    )

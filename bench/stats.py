"""Summaries of repeated measurements and the printed table. Pure."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Summary:
    """Median, min and max of one figure over the runs that produced it."""

    median: float
    min: float
    max: float
    n: int

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def summarize(values: Sequence[float]) -> Summary | None:
    """The median/min/max of `values`; None when no run produced the figure."""
    if not values:
        return None
    return Summary(median=statistics.median(values), min=min(values), max=max(values), n=len(values))


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing or the denominator is zero."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def _fmt(value: float, unit: str) -> str:
    if unit == "x":
        return f"{value:.2f}"
    if unit == "MiB":
        return f"{value:.2f}" if value < 10 else f"{value:.0f}"
    if unit == "count":
        return f"{value:.0f}"
    return f"{value:.3f}" if value < 1 else f"{value:.1f}"


def table(rows: Sequence[tuple[str, str, Summary | None, str]]) -> str:
    """A fixed-width table: figure, unit, median, min, max, n, goal."""
    header = ("figure", "unit", "median", "min", "max", "n", "goal")
    lines = [header]
    for name, unit, summary, goal in rows:
        if summary is None:
            lines.append((name, unit, "-", "-", "-", "0", goal))
            continue
        lines.append(
            (
                name,
                unit,
                _fmt(summary.median, unit),
                _fmt(summary.min, unit),
                _fmt(summary.max, unit),
                str(summary.n),
                goal,
            )
        )
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    out = []
    for k, row in enumerate(lines):
        out.append("  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)))
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)

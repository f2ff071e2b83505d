"""Numbers to SVG geometry, computed on the server: the templates only place what is here.

No chart library and no JavaScript: a heatmap is rectangles with a fill and a `<title>`, a
chart over time is bars and a polyline. Every text that ends up in the SVG goes through the
templates' autoescaping; nothing here builds markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

HOURS_IN_WEEK = 7 * 24
DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
IDLE = "#f1f3f5"  # also the rows' background in the template's stylesheet
LOW, HIGH = (222, 235, 250), (23, 73, 140)  # light to deep blue: more MW, darker
MAX_BAR_WIDTH = 36.0
MAX_DOTS = 60


def shade(value: Decimal, top: Decimal) -> str:
    """A fill between LOW and HIGH for `value` out of `top`; IDLE for nothing."""
    if value <= 0 or top <= 0:
        return IDLE
    share = float(min(value / top, Decimal(1)))
    red, green, blue = (round(lo + (hi - lo) * share) for lo, hi in zip(LOW, HIGH, strict=True))
    return f"#{red:02x}{green:02x}{blue:02x}"


@dataclass(frozen=True)
class Cell:
    x: int
    y: int
    fill: str
    title: str
    twice: bool


@dataclass(frozen=True)
class Label:
    x: int
    y: int
    text: str


@dataclass(frozen=True)
class Heatmap:
    left: int
    week_width: int
    width: int
    height: int
    cell_width: int
    cell_height: int
    rows: list[Label]
    row_tops: list[int]
    columns: list[Label]
    cells: list[Cell]
    day_lines: list[int]
    top: Decimal


@dataclass(frozen=True)
class HeatmapRow:
    label: str
    mw: Sequence[Decimal]  # HOURS_IN_WEEK values
    titles: Sequence[str]
    twice: Sequence[bool]


def heatmap(rows: Sequence[HeatmapRow], *, cell_width: int = 6, cell_height: int = 20) -> Heatmap:
    """Rows (assets) by the 168 hours of a week, Monday 00:00 first; darker is more MW."""
    left, top_margin = 190, 22
    top = max((mw for row in rows for mw in row.mw), default=Decimal(0))
    cells: list[Cell] = []
    labels: list[Label] = []
    for r, row in enumerate(rows):
        y = top_margin + r * cell_height
        labels.append(Label(left - 8, y + cell_height // 2 + 4, row.label))
        for hour in range(HOURS_IN_WEEK):
            if row.mw[hour] <= 0 and not row.twice[hour]:
                continue  # idle: the row's background rectangle shows through
            cells.append(
                Cell(
                    x=left + hour * cell_width,
                    y=y,
                    fill=shade(row.mw[hour], top),
                    title=row.titles[hour],
                    twice=row.twice[hour],
                )
            )
    columns = [
        Label(left + day * 24 * cell_width + 12 * cell_width, 14, DAY_LABELS[day])
        for day in range(7)
    ]
    return Heatmap(
        left=left,
        week_width=HOURS_IN_WEEK * cell_width,
        width=left + HOURS_IN_WEEK * cell_width + 4,
        height=top_margin + max(1, len(rows)) * cell_height + 4,
        cell_width=cell_width,
        cell_height=cell_height,
        rows=labels,
        row_tops=[top_margin + r * cell_height for r in range(len(rows))],
        columns=columns,
        cells=cells,
        day_lines=[left + day * 24 * cell_width for day in range(8)],
        top=top,
    )


@dataclass(frozen=True)
class Bucket:
    """One period of the chart over time."""

    label: str
    accepted: int
    rejected: int
    value: Decimal


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    kind: str  # "accepted" | "rejected"
    title: str


@dataclass(frozen=True)
class TimeChart:
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    plot_left: int
    plot_right: int
    bars: list[Bar]
    value_points: str  # the polyline of accepted value
    value_dots: list[tuple[str, str]]
    x_labels: list[Label]
    y_labels: list[Label]  # bid counts, left axis
    value_labels: list[Label]  # £, right axis


def time_chart(buckets: Sequence[Bucket], *, width: int = 960, height: int = 300) -> TimeChart:
    """Stacked bars (accepted under rejected bids) per period, and accepted value as a line."""
    left, right, top, bottom = 48, width - 80, 16, height - 40
    count_top = max((b.accepted + b.rejected for b in buckets), default=0) or 1
    value_top = max((b.value for b in buckets), default=Decimal(0)) or Decimal(1)
    step = (right - left) / max(1, len(buckets))
    bar_width = min(MAX_BAR_WIDTH, max(1.0, step * 0.7))
    span = bottom - top
    bars: list[Bar] = []
    dots: list[tuple[str, str]] = []
    x_labels: list[Label] = []
    every = max(1, len(buckets) // 12)
    for i, bucket in enumerate(buckets):
        x = left + i * step + (step - bar_width) / 2
        accepted_h = span * bucket.accepted / count_top
        rejected_h = span * bucket.rejected / count_top
        title = (
            f"{bucket.label}: {bucket.accepted} accepted, {bucket.rejected} rejected, "
            f"£{bucket.value:,.2f} accepted value"
        )
        bars.append(Bar(x, bottom - accepted_h, bar_width, accepted_h, "accepted", title))
        bars.append(
            Bar(x, bottom - accepted_h - rejected_h, bar_width, rejected_h, "rejected", title)
        )
        value_y = bottom - span * float(bucket.value / value_top)
        dots.append((f"{x + bar_width / 2:.1f}", f"{value_y:.1f}"))
        if i % every == 0:
            x_labels.append(Label(round(x + bar_width / 2), bottom + 16, bucket.label))
    y_labels = [
        Label(left - 6, round(bottom - span * n / 4) + 4, str(round(count_top * n / 4)))
        for n in range(5)
    ]
    value_labels = [
        Label(right + 6, round(bottom - span * n / 4) + 4, f"£{value_top * n / 4:,.0f}")
        for n in range(5)
    ]
    return TimeChart(
        width=width,
        height=height,
        plot_top=top,
        plot_bottom=bottom,
        plot_left=left,
        plot_right=right,
        bars=bars,
        value_points=" ".join(f"{x},{y}" for x, y in dots),
        value_dots=dots if len(dots) <= MAX_DOTS else [],
        x_labels=x_labels,
        y_labels=y_labels,
        value_labels=value_labels,
    )

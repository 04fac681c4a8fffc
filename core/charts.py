"""Charts drawn on the server as inline SVG (no script, no library, nothing from a CDN).

`bar_chart` lays out grouped vertical bars — one group per month, stage, … and one bar per
series in each group — with an optional line across the groups, all on one scale, a few grid
lines with their values and a legend; `core/_bar_chart.html` draws what it returns. Each shape
carries a `<title>` for the tooltip. The month-end summary (finance) and the presales funnel
(sales) use it; an app names its series and colours, core knows no document.
"""

import math
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from core.formats import format_amount

ZERO = Decimal("0")


def count_text(value) -> str:
    """A count on an axis or in a tooltip: 3, or 2.5 for a grid line between whole numbers."""
    value = Decimal(value)
    return f"{value:.0f}" if value == value.to_integral_value() else f"{value:.1f}"


def bar_chart(
    groups: Sequence[Mapping],
    series: Sequence[tuple[str, str, str]],
    *,
    chart_id: str,
    title: str,
    line: tuple[str, str, str] | None = None,
    width: int = 720,
    height: int = 240,
    text: Callable[[Decimal], str] = format_amount,
    left: int = 90,
    whole: bool = False,
) -> dict:
    """The chart of `groups` — each `{"key", "label", <series key>: value, …}` — with a bar per
    `series` entry `(key, label, colour)` and, with `line` `(key, label, colour)`, a line
    through each group's value of that key. `text` formats a value for the grid and the
    tooltips (amounts by default; `count_text` for counts); `whole` puts the grid lines on
    whole numbers (counts)."""
    bottom, top = 24, 10
    plot_h = height - bottom - top
    keys = [key for key, _l, _c in series] + ([line[0]] if line else [])
    values = [Decimal(group[key] or 0) for group in groups for key in keys]
    largest = max([v for v in values if v > 0] or [Decimal("1")])
    if whole:  # four grid steps of a whole number each
        largest = Decimal(math.ceil(largest / 4) * 4)
    scale = Decimal(plot_h) / largest
    slot = Decimal(width - left - 10) / max(len(groups), 1)
    bar_w = slot * Decimal("0.8") / max(len(series), 1)

    def y_of(value: Decimal) -> Decimal:
        return Decimal(top + plot_h) - max(value, ZERO) * scale

    drawn, points = [], []
    for index, group in enumerate(groups):
        x0 = Decimal(left) + slot * index + slot * Decimal("0.1")
        bars = []
        for n, (key, label, colour) in enumerate(series):
            value = Decimal(group[key] or 0)
            bars.append(
                {
                    "x": f"{x0 + bar_w * n:.1f}",
                    "y": f"{y_of(value):.1f}",
                    "width": f"{bar_w:.1f}",
                    "height": f"{max(value, ZERO) * scale:.1f}",
                    "colour": colour,
                    "label": label,
                    "key": key,
                    "amount": value,
                    "text": text(value),
                }
            )
        centre = Decimal(left) + slot * index + slot / 2
        if line:
            value = Decimal(group[line[0]] or 0)
            points.append(
                {
                    "x": f"{centre:.1f}",
                    "y": f"{y_of(value):.1f}",
                    "amount": value,
                    "text": text(value),
                }
            )
        drawn.append(
            {"key": group["key"], "x": f"{centre:.1f}", "label": group["label"], "bars": bars}
        )
    grid = []
    for step in range(5):
        value = largest * step / 4
        grid.append({"y": f"{y_of(value):.1f}", "amount": value, "text": text(value)})
    legend = [{"label": label, "colour": colour} for _k, label, colour in series]
    if line:
        legend.append({"label": line[1], "colour": line[2], "line": True})
    return {
        "id": chart_id,
        "title": title,
        "width": width,
        "height": height,
        "left": left,
        "grid_label_x": left - 6,
        "right": width - 10,
        "axis_y": top + plot_h,
        "label_y": height - 6,
        "groups": drawn,
        "line": " ".join(f"{p['x']},{p['y']}" for p in points),
        "line_colour": line[2] if line else "",
        "line_label": line[1] if line else "",
        "points": points,
        "grid": grid,
        "legend": legend,
    }

"""core.charts.bar_chart: the one server-side SVG bar chart (the month-end summary, the presales
funnel) — bars on one scale, grid lines with their values, an optional line, no script."""

from decimal import Decimal

from core.charts import bar_chart, count_text

GROUPS = [
    {"key": "2026-10", "label": "26-10", "won": Decimal("300.00"), "lost": Decimal("0")},
    {"key": "2026-11", "label": "26-11", "won": Decimal("100.00"), "lost": Decimal("600.00")},
]
SERIES = [("won", "Won", "#59a14f"), ("lost", "Lost", "#a31515")]


def test_bars_share_one_scale_and_the_tallest_fills_the_plot():
    chart = bar_chart(GROUPS, SERIES, chart_id="c", title="t", height=240)

    heights = [[Decimal(b["height"]) for b in g["bars"]] for g in chart["groups"]]
    assert heights == [[Decimal("103.0"), Decimal("0.0")], [Decimal("34.3"), Decimal("206.0")]]
    assert [g["text"] for g in chart["grid"]] == ["0.00", "150.00", "300.00", "450.00", "600.00"]
    assert chart["points"] == [] and chart["line"] == ""
    assert [item["label"] for item in chart["legend"]] == ["Won", "Lost"]


def test_a_line_runs_through_each_group_and_joins_the_legend():
    chart = bar_chart(GROUPS, SERIES[:1], chart_id="c", title="t", line=("lost", "Lost", "#a31515"))

    assert len(chart["points"]) == 2 and chart["line"].count(",") == 2
    assert chart["legend"][-1] == {"label": "Lost", "colour": "#a31515", "line": True}


def test_counts_get_whole_grid_steps_and_an_empty_chart_draws_no_bar():
    counts = [{"key": "quoted", "label": "Quoted", "A": 2, "B": 0}]
    chart = bar_chart(
        counts,
        [("A", "A", "#000"), ("B", "B", "#111")],
        chart_id="c",
        title="t",
        text=count_text,
        whole=True,
    )
    assert [g["text"] for g in chart["grid"]] == ["0", "1", "2", "3", "4"]

    empty = bar_chart(
        [{"key": "k", "label": "k", "A": 0}], [("A", "A", "#000")], chart_id="c", title="t"
    )
    assert empty["groups"][0]["bars"][0]["height"] == "0.0"

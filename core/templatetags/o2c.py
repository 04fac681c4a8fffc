"""Template filters shared by every app's pages: `{% load o2c %}`."""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def percent(value) -> str:
    """A ratio stored as a decimal fraction, shown as a percentage: 0.3000 → "30 %",
    0.0005 → "0.05 %", 0.125 → "12.5 %" (no trailing zeros). Empty for None or a non-number,
    so `|default:"—"` can follow. Form inputs keep the decimal; this is for reading only."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value)) * 100
    except (InvalidOperation, ValueError, TypeError):
        return ""
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    else:
        number = number.normalize()
    return f"{number:f} %"


@register.filter
def chart_max(bars) -> float:
    """The largest value of a home card's chart (at least 1, so an empty month draws no bar)."""
    return max([float(bar["value"]) for bar in bars] + [1.0])

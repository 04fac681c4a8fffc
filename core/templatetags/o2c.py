"""Template filters shared by every app's pages and PDFs: `{% load o2c %}`.

The one formatting layer of figures (issue 11 item 1), in `core.formats`: `amount`
(503,630.00), `yuan` (¥503,630.00), `qty` (1,500.000) and `percent` (13%). Each gives "" for
None or a non-number, so `|default:"—"` can follow.
"""

from django import template

from core import formats

register = template.Library()


@register.filter
def amount(value) -> str:
    return formats.format_amount(value)


@register.filter
def yuan(value) -> str:
    return formats.format_yuan(value)


@register.filter
def qty(value) -> str:
    return formats.format_quantity(value)


@register.filter
def percent(value) -> str:
    return formats.format_percent(value)


@register.filter
def chart_max(bars) -> float:
    """The largest value of a home card's chart (at least 1, so an empty month draws no bar)."""
    return max([float(bar["value"]) for bar in bars] + [1.0])


@register.simple_tag(takes_context=True)
def document_links(context, document: str, pk: int) -> list[dict]:
    """`{% document_links "customer" customer.pk as links %}`: the buttons later apps register
    for a document's page (`core.navigation.register_document_link`)."""
    from core.navigation import document_links as links_for

    request = context.get("request")
    return links_for(document, getattr(request, "user", None), pk)

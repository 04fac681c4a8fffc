"""Money, quantity and rate helpers (DESIGN §3): Decimal, ROUND_HALF_UP, never a float."""

from decimal import ROUND_HALF_UP, Decimal

MONEY_PLACES = Decimal("0.01")
QUANTITY_PLACES = Decimal("0.001")
RATE_PLACES = Decimal("0.0001")
DEFAULT_VAT_RATE = Decimal("0.1300")


def money(value) -> Decimal:
    return Decimal(value).quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)


def quantity(value) -> Decimal:
    return Decimal(value).quantize(QUANTITY_PLACES, rounding=ROUND_HALF_UP)


def rate(value) -> Decimal:
    return Decimal(value).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def line_amounts(*, quantity, unit_price, tax_rate) -> tuple[Decimal, Decimal, Decimal]:
    """(net, tax, gross) of a line (DESIGN §3): net = qty × price, tax = round(net × rate),
    gross = net + tax; each rounded half up to the cent."""
    net = money(Decimal(quantity) * Decimal(unit_price))
    tax = money(net * Decimal(tax_rate))
    return net, tax, net + tax

"""How figures read on pages and PDFs, and how forms take them back (issue 11 item 1).

One formatting layer: amounts `503,630.00` (`¥503,630.00` where a currency reads better),
quantities to 3 places with separators, rates and ratios as percentages (0.1300 → `13%`). The
same in every language: a comma groups thousands and a point marks decimals, as Chinese business
documents write them, so Django's own localisation is not involved (the text is already a
string when a template prints it). The API keeps its plain decimal strings.

Forms type rates as percentages (`13` or `13%` → Decimal("0.1300")) and amounts with or without
separators (`1,234,567.80`); the bounds of `core.money` still apply, the error beside the field.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.money import MAX_AMOUNT, MAX_QUANTITY, MONEY_PLACES, QUANTITY_PLACES, RATE_PLACES

# What a person may type around a figure: separators (ASCII and full-width), the currency sign,
# spaces (also the thin and no-break ones a copied figure carries).
_TYPED_NOISE = str.maketrans("", "", ",，¥￥ \u00a0\u2009\u202f")
PERCENT_PLACES = Decimal("0.01")  # a rate's 4 places, as a percentage
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．－％", "0123456789.-%")


def _decimal(value) -> Decimal | None:
    """The value as a Decimal, or None for None, "" and anything that is not a finite number."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def _grouped(value, places: Decimal) -> str:
    number = _decimal(value)
    if number is None:
        return ""
    number = number.quantize(places, rounding=ROUND_HALF_UP)
    if number == 0:
        number = abs(number)  # no "-0.00"
    return f"{number:,f}"


def format_amount(value) -> str:
    """503630 → "503,630.00"; -1234.565 → "-1,234.57" (half up); "" for None or a non-number."""
    return _grouped(value, MONEY_PLACES)


def format_yuan(value) -> str:
    """An amount with the currency: "¥503,630.00", "-¥12.00"."""
    text = format_amount(value)
    if not text:
        return ""
    return f"-¥{text[1:]}" if text.startswith("-") else f"¥{text}"


def format_quantity(value) -> str:
    """Quantities keep their 3 places (DESIGN §3): 1500 → "1,500.000"."""
    return _grouped(value, QUANTITY_PLACES)


def _percent_number(value) -> str:
    """The ratio × 100 without trailing zeros: 0.1300 → "13", 0.0005 → "0.05"."""
    number = _decimal(value)
    if number is None:
        return ""
    number = (number * 100).quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP)
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    else:
        number = number.normalize()
    if number == 0:
        number = abs(number)
    return f"{number:f}"


def format_percent(value) -> str:
    """A rate or ratio stored as a fraction, as a percentage: 0.3000 → "30%", 0.0005 → "0.05%",
    0.125 → "12.5%"; "" for None or a non-number (so `|default:"—"` can follow)."""
    number = _percent_number(value)
    return f"{number}%" if number else ""


# --- form widgets and fields -------------------------------------------------------------------


def _clean_typed(value) -> str:
    return str(value).translate(_FULL_WIDTH).translate(_TYPED_NOISE).strip()


class AmountInput(forms.TextInput):
    """A text input (a number input refuses separators) that shows an amount with them."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
            return format_amount(value)
        return super().format_value(value)


class QuantityInput(AmountInput):
    def format_value(self, value):
        if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
            return format_quantity(value)
        return super().format_value(value)


class PercentInput(forms.TextInput):
    """Shows a stored fraction as the percentage a person types: 0.3000 → "30"; the "%" sits
    after the input as its unit."""

    template_name = "core/widgets/percent.html"

    def __init__(self, attrs=None):
        super().__init__(
            {"inputmode": "decimal", "autocomplete": "off", "size": 8, **(attrs or {})}
        )

    def format_value(self, value):
        if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
            return _percent_number(value)
        return super().format_value(value)


class AmountField(forms.DecimalField):
    """An amount typed with or without separators or "¥": "1,234,567.80" → Decimal("1234567.80").
    Bounded by MAX_AMOUNT unless told otherwise."""

    widget = AmountInput

    def __init__(self, *, max_value=MAX_AMOUNT, min_value=None, **kwargs):
        kwargs.setdefault("max_digits", 18)
        kwargs.setdefault("decimal_places", 2)
        if min_value is None:
            min_value = -max_value
        super().__init__(max_value=max_value, min_value=min_value, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = _clean_typed(value)
        return super().to_python(value)

    def widget_attrs(self, widget):
        # DecimalField adds `step` and `min`/`max` for number inputs only; a text input with
        # separators takes none of them.
        return forms.Field.widget_attrs(self, widget)


class QuantityField(AmountField):
    """A quantity (3 places) typed with or without separators, bounded by MAX_QUANTITY."""

    widget = QuantityInput

    def __init__(self, *, max_value=MAX_QUANTITY, **kwargs):
        kwargs.setdefault("decimal_places", 3)
        super().__init__(max_value=max_value, **kwargs)


class PercentField(forms.Field):
    """A rate or ratio typed as a percentage: "13", "13%", "0.05 %" → Decimal("0.1300"),
    Decimal("0.0005"). Bounds are percentages (0–100 unless told otherwise); at most 2 decimal
    places in the percentage, so the fraction keeps the 4 places rates have (DESIGN §3)."""

    widget = PercentInput
    default_error_messages = {
        "invalid": _("Enter a percentage, e.g. 13 or 13%."),
        "range": _("Enter a percentage from %(min)s%% to %(max)s%%."),
        "places": _("Enter a percentage with at most 2 decimal places."),
    }

    def __init__(self, *, min_percent=Decimal("0"), max_percent=Decimal("100"), **kwargs):
        self.min_percent = Decimal(min_percent)
        self.max_percent = Decimal(max_percent)
        for decimal_only in ("max_digits", "decimal_places", "min_value", "max_value"):
            kwargs.pop(decimal_only, None)  # what a model's DecimalField offers its form field
        super().__init__(**kwargs)

    def to_python(self, value):
        """The fraction the services take, or None when empty."""
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value  # already a fraction (initial data)
        text = _clean_typed(value).removesuffix("%")
        try:
            percent = Decimal(text)
        except InvalidOperation:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not percent.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if percent != percent.quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP):
            raise ValidationError(self.error_messages["places"], code="places")
        return (percent / 100).quantize(RATE_PLACES)

    def validate(self, value):
        super().validate(value)
        if value is None:
            return
        if not self.min_percent <= value * 100 <= self.max_percent:
            raise ValidationError(
                self.error_messages["range"],
                code="range",
                params={
                    "min": format_percent(self.min_percent / 100)[:-1],
                    "max": format_percent(self.max_percent / 100)[:-1],
                },
            )

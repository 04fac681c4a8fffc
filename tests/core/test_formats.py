"""One formatting layer of figures (issue 11 item 1): the template filters `amount`, `yuan`,
`qty` and `percent`, and the form fields that take figures back as people type them (amounts
with separators, rates as percentages), the bounds of core.money still enforced."""

from decimal import Decimal

import pytest
from django import forms
from django.template import Context, Template
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from core import formats
from core.money import MAX_AMOUNT, MAX_QUANTITY


def render(expression: str, value) -> str:
    return Template("{% load o2c %}{{ value|" + expression + " }}").render(
        Context({"value": value})
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("503630.00"), "503,630.00"),
        (Decimal("2000000"), "2,000,000.00"),
        (Decimal("999.995"), "1,000.00"),  # half up to the cent
        (Decimal("0.005"), "0.01"),
        (Decimal("-1234.5"), "-1,234.50"),
        (Decimal("-0.001"), "0.00"),  # no "-0.00"
        (0, "0.00"),
        ("1234.5", "1,234.50"),
        (MAX_AMOUNT, "9,999,999,999,999.99"),
        (None, ""),
        ("n/a", ""),
        (Decimal("NaN"), ""),
    ],
)
def test_amounts_have_thousands_separators_and_two_places(value, shown):
    assert render("amount", value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("503630"), "¥503,630.00"),
        (Decimal("-12"), "-¥12.00"),
        (Decimal("0"), "¥0.00"),
        (None, ""),
    ],
)
def test_yuan_puts_the_currency_before_the_amount(value, shown):
    assert render("yuan", value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("1500"), "1,500.000"),
        (Decimal("2.5"), "2.500"),
        (Decimal("-3.0005"), "-3.001"),
        (MAX_QUANTITY, "999,999,999,999.999"),
        (None, ""),
    ],
)
def test_quantities_keep_three_places_with_separators(value, shown):
    assert render("qty", value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("0.1300"), "13%"),
        (Decimal("0.3000"), "30%"),
        (Decimal("0.0005"), "0.05%"),
        (Decimal("0.1250"), "12.5%"),
        (Decimal("0.0000"), "0%"),
        (Decimal("1"), "100%"),
        (Decimal("0.33333"), "33.33%"),  # rates have 4 places: 2 in the percentage
        (None, ""),
    ],
)
def test_rates_and_ratios_read_as_percentages_without_trailing_zeros(value, shown):
    assert render("percent", value) == shown


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_figures_read_the_same_in_every_language_and_are_not_localised_twice(language, settings):
    settings.USE_THOUSAND_SEPARATOR = True  # Django's own grouping must not apply on top
    template = Template("{% load o2c %}{{ a|amount }} {{ a|yuan }} {{ q|qty }} {{ r|percent }}")
    with translation.override(language):
        shown = template.render(
            Context({"a": Decimal("503630"), "q": Decimal("1500"), "r": Decimal("0.13")})
        )

    assert shown == "503,630.00 ¥503,630.00 1,500.000 13%"


@given(
    st.decimals(
        min_value=-MAX_AMOUNT, max_value=MAX_AMOUNT, places=2, allow_nan=False, allow_infinity=False
    )
)
def test_an_amount_shown_reads_back_as_the_same_amount(amount):
    shown = formats.format_amount(amount)

    assert Decimal(shown.replace(",", "")) == amount
    integer = shown.lstrip("-").split(".")[0]
    assert all(len(group) == 3 for group in integer.split(",")[1:])
    assert formats.AmountField().clean(shown) == amount  # what a page shows, a form takes back


# --- forms ---------------------------------------------------------------------------------------


class FiguresForm(forms.Form):
    ratio = formats.PercentField(label="first payment ratio")
    price = formats.AmountField(label="unit price", min_value=Decimal("0"))
    quantity = formats.QuantityField(label="quantity", required=False)


def cleaned(**data):
    form = FiguresForm(data={"ratio": "30", "price": "1", **data})
    assert form.is_valid(), form.errors
    return form.cleaned_data


@pytest.mark.parametrize(
    ("typed", "rate"),
    [
        ("13", Decimal("0.1300")),
        ("13%", Decimal("0.1300")),
        (" 13 % ", Decimal("0.1300")),
        ("１３％", Decimal("0.1300")),  # typed with a Chinese input method
        ("0.05", Decimal("0.0005")),
        ("12.5%", Decimal("0.1250")),
        ("100", Decimal("1.0000")),
        ("0", Decimal("0.0000")),
    ],
)
def test_a_rate_is_typed_as_a_percentage_and_the_service_receives_the_fraction(typed, rate):
    value = cleaned(ratio=typed)["ratio"]

    assert value == rate and value.as_tuple().exponent == -4


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "Enter a percentage, e.g. 13 or 13%."),
        ("101", "Enter a percentage from 0% to 100%."),
        ("-1", "Enter a percentage from 0% to 100%."),
        ("12.345", "Enter a percentage with at most 2 decimal places."),
        ("", "This field is required."),
    ],
)
def test_a_bad_percentage_is_refused_beside_its_field(typed, message):
    form = FiguresForm(data={"ratio": typed, "price": "1"})

    assert not form.is_valid()
    assert form.errors == {"ratio": [message]}


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("1,234,567.80", Decimal("1234567.80")),
        ("1234567.8", Decimal("1234567.8")),
        ("¥1,234.50", Decimal("1234.50")),
        ("１，２３４.５", Decimal("1234.5")),
        ("9,999,999,999,999.99", MAX_AMOUNT),
    ],
)
def test_an_amount_is_accepted_with_separators(typed, amount):
    assert cleaned(price=typed)["price"] == amount


def test_the_bounds_of_core_money_still_apply_to_amounts_and_quantities():
    form = FiguresForm(
        data={"ratio": "30", "price": "10,000,000,000,000.00", "quantity": "1,000,000,000,000"}
    )

    assert not form.is_valid()
    assert set(form.errors) == {"price", "quantity"}
    assert "9999999999999.99" in form.errors["price"][0]


def test_a_form_shows_a_stored_rate_as_a_percentage_and_an_amount_with_separators():
    form = FiguresForm(
        initial={"ratio": Decimal("0.3000"), "price": Decimal("1234567.80"), "quantity": 2}
    )

    html = str(form["ratio"]) + str(form["price"]) + str(form["quantity"])

    assert 'value="30"' in html and "%</span>" in html
    assert 'value="1,234,567.80"' in html and 'inputmode="decimal"' in html
    assert 'value="2.000"' in html
    typed = {"ratio": "30%", "price": "1,234,567.80", "quantity": "2"}
    bound = FiguresForm(data=typed, initial=form.initial)
    assert not bound.has_changed()  # the same values, typed as people type them


def test_a_form_shown_again_keeps_what_was_typed():
    form = FiguresForm(data={"ratio": "35%", "price": "1,2x"})

    assert not form.is_valid()
    assert 'value="35%"' in str(form["ratio"]) and 'value="1,2x"' in str(form["price"])

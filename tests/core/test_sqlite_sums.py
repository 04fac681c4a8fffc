"""Sums of money read back exact on every database (core/backends/sqlite3).

SQLite keeps decimals as floats: summed in this order, 0.01 − 221,094.00 + 221,094.00 is
0.0100000000093132 as a float, and Django rounds plain columns back to their places but not
aggregates. A random cash sequence (tests/finance/test_cash_invariants.py) found it: an invoice
ledger of 0.01 against a Sum of 0.0100000000093132. On PostgreSQL (numeric) the same queries
are exact by themselves; the test runs on both.
"""

from decimal import Decimal

import pytest
from django.db.models import Avg, DecimalField, F, Max, Min, Sum, Value, Window
from django.db.models.functions import Coalesce

from sales.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

# (credit limit, exposure) in this order (rowid order on SQLite): limit − exposure is 0.01,
# −221,094.00, +221,094.00.
ROWS = (("0.01", "0.00"), ("0.00", "221094.00"), ("221094.00", "0.00"))


@pytest.fixture
def customers():
    for n, (limit, exposure) in enumerate(ROWS):
        CustomerFactory(code=f"C-SUM-{n}", credit_limit=Decimal(limit), exposure=Decimal(exposure))
    return Customer.objects.filter(code__startswith="C-SUM-").order_by("pk")


def test_a_sum_of_amounts_is_exact(customers):
    total = customers.aggregate(s=Sum("credit_limit"))["s"]
    assert total == Decimal("221094.01") and str(total) == "221094.01"


def test_sums_of_differences_coalesced_and_as_a_window_are_exact(customers):
    zero = Value(Decimal("0"), output_field=DecimalField(max_digits=18, decimal_places=2))
    figures = customers.aggregate(
        net=Sum(F("credit_limit") - F("exposure")),
        coalesced=Coalesce(Sum(F("credit_limit") - F("exposure")), zero),
        low=Min("credit_limit"),
        high=Max("exposure"),
    )
    assert {k: str(v) for k, v in figures.items()} == {
        "net": "0.01",
        "coalesced": "0.01",
        "low": "0.00",
        "high": "221094.00",
    }
    running = list(
        customers.annotate(
            running=Window(Sum(F("credit_limit") - F("exposure")), order_by=F("pk").asc())
        ).values_list("running", flat=True)
    )
    assert [str(r) for r in running] == ["0.01", "-221093.99", "0.01"]


def test_an_average_is_not_rounded_to_the_columns_places(customers):
    # 221,094.01 / 3 = 73,698.003…: rounding it to cents would change the figure; only sums,
    # minima and maxima of amounts are exact at the amounts' scale.
    average = customers.aggregate(a=Avg("credit_limit"))["a"]
    assert abs(average - Decimal("221094.01") / 3) < Decimal("1e-6")
    assert average != Decimal("73698.00")

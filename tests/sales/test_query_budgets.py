"""Query budgets of the order steps (issue 14): entering and submitting an order cost a fixed
number of queries, whatever the order's lines, the price list's length and the customer's past
orders (R3's counter, R5's floor prices read for the products ordered only)."""

from decimal import Decimal

import pytest

from approvals.services import approval_decide
from core.permissions import user_roles
from sales.services.orders import order_create, order_submit
from tests.factories import CustomerFactory, ProductFactory, active_price_list

pytestmark = pytest.mark.django_db

# Each service's transaction is a savepoint pair inside the test's transaction (2 queries).
# order_create: the customer (R23), the active price list, the products with their floor prices
# (R5), the number (one UPDATE ... RETURNING), the order and its history row, the lines and
# their history rows (one INSERT each, whatever their number).
ORDER_CREATE_QUERIES = 10
# order_submit: the active list, the order locked with its customer (R23) and its lines with
# their floor prices (R5) in one query, the order policy's steps (read before the customer's
# lock), the exposure added (R3) by the UPDATE … RETURNING that locks the customer (R4), its
# overdue amount, the order and its history row, then the approval request and its steps.
ORDER_SUBMIT_QUERIES = 11


@pytest.fixture
def catalogue():
    products = [
        ProductFactory(code=f"P-{1000 + n}", name=f"产品{n}", tax_rate=Decimal("0.1300"))
        for n in range(12)
    ]
    active_price_list(items=[(p, "1000.00", "800.00") for p in products])
    return products


@pytest.fixture
def customer(clerk):
    return CustomerFactory(owner=clerk, credit_limit=Decimal("100000000.00"))


def _lines(products, count):
    return [{"product": p.pk, "quantity": "2", "unit_price": "950.00"} for p in products[:count]]


def _past_orders(*, clerk, manager, gm, customer, products, count):
    for _ in range(count):
        order = order_create(actor=clerk, customer_id=customer.pk, lines=_lines(products, 3))
        order = order_submit(actor=clerk, order_id=order.pk)
        for approver in (manager, gm):
            approval_decide(actor=approver, request_id=order.approval_request.pk, approve=True)


@pytest.mark.parametrize(("past", "line_count"), [(1, 1), (1, 10), (4, 3)])
def test_entering_and_submitting_an_order_cost_the_same_queries_whatever_the_history(
    past, line_count, clerk, manager, gm, customer, catalogue, django_assert_num_queries
):
    # One earlier order takes the year's first number (its counter row is created once).
    _past_orders(
        clerk=clerk, manager=manager, gm=gm, customer=customer, products=catalogue, count=past
    )
    user_roles(clerk)  # the clerk's roles, read once per request

    with django_assert_num_queries(ORDER_CREATE_QUERIES):
        order = order_create(
            actor=clerk, customer_id=customer.pk, lines=_lines(catalogue, line_count)
        )
    with django_assert_num_queries(ORDER_SUBMIT_QUERIES):
        order = order_submit(actor=clerk, order_id=order.pk)

    order.refresh_from_db()
    assert (order.status, order.credit_status) == ("submitted", "passed")
    assert order.lines.count() == line_count
    assert order.history.count() == 2  # created, submitted (R24)
    assert all(line.history.count() == 1 for line in order.lines.all())
    assert order.history.first().history_user == clerk
    customer.refresh_from_db()
    assert customer.exposure == Decimal("6441.00") * past + order.gross_amount  # R3

"""Issue 11 item 8 (R3, R24): exposure is kept by a counter (`F()`), so it is never shown as a
field edit in a customer's history; the orders that moved it are, each as its own row with
the amount, by whom and when, in time order with the real edits."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals.services import approval_decide
from core.history import history_rows
from sales.models import Customer
from sales.services import credit
from sales.services.orders import order_cancel, order_submit
from tests.contracts import conftest as contract_fixtures
from tests.contracts.conftest import make_order
from tests.factories import credit_change

pytestmark = pytest.mark.django_db

catalogue = contract_fixtures.catalogue
customer = contract_fixtures.customer


def _approved_credit_change(*, customer, manager, gm, limit="20000000.00"):
    change = credit_change(customer=customer, author=manager, limit=limit, days=60)
    change = credit.credit_change_submit(actor=manager, change_id=change.pk)
    approval_decide(actor=gm, request_id=change.approval_request.pk, approve=True)


def _submitted_order(*, clerk, customer, catalogue):
    order = make_order(clerk=clerk, customer=customer, catalogue=catalogue, approve=False)
    order_submit(actor=clerk, order_id=order.pk)
    order.refresh_from_db()
    return order


def _changes(row) -> dict:
    return {c["field"]: (c["old"], c["new"]) for c in row["changes"]}


@pytest.mark.rule("R24")
def test_a_credit_change_after_an_order_submit_shows_no_exposure_edit(
    clerk, manager, gm, customer, catalogue
):
    order = _submitted_order(clerk=clerk, customer=customer, catalogue=catalogue)
    _approved_credit_change(customer=customer, manager=manager, gm=gm)
    customer.refresh_from_db()
    assert customer.exposure == order.gross_amount  # the counter did move

    rows = history_rows(customer)

    gm_edit, order_move = rows[0], rows[1]
    assert gm_edit["user"] == gm and gm_edit["kind"] == "~"
    assert set(_changes(gm_edit)) >= {"credit limit", "credit days"}
    assert "exposure" not in _changes(gm_edit)
    assert order_move["kind"] == "document"
    assert order_move["user"] == clerk
    assert order_move["kind_label"] == f"order {order.number}"
    assert order_move["changes"][0]["field"] == "exposure"
    assert order_move["changes"][0]["amount"] == order.gross_amount
    assert order_move["when"] <= gm_edit["when"]
    # No row anywhere shows exposure as an edit of the customer.
    assert all("exposure" not in _changes(row) for row in rows if row["kind"] != "document")


@pytest.mark.rule("R24")
def test_orders_cancelled_and_returned_show_the_exposure_they_gave_back(
    clerk, manager, customer, catalogue
):
    cancelled = _submitted_order(clerk=clerk, customer=customer, catalogue=catalogue)
    order_cancel(actor=clerk, order_id=cancelled.pk)
    returned = _submitted_order(clerk=clerk, customer=customer, catalogue=catalogue)
    approval_decide(
        actor=manager,
        request_id=returned.approval_request.pk,
        approve=False,
        comment="价格再议",
    )

    moves = [
        (row["kind_label"], row["user"], row["changes"][0]["amount"])
        for row in history_rows(customer)
        if row["kind"] == "document"
    ]

    gross = cancelled.gross_amount
    assert moves == [
        (f"order {returned.number}", manager, -gross),
        (f"order {returned.number}", clerk, gross),
        (f"order {cancelled.number}", clerk, -gross),
        (f"order {cancelled.number}", clerk, gross),
    ]
    assert Customer.objects.get(pk=customer.pk).exposure == Decimal("0.00")


@pytest.mark.rule("R24")
def test_the_customer_history_takes_the_same_queries_for_one_order_or_many(
    clerk, customer, catalogue
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            history_rows(customer)
        return len(captured)

    _submitted_order(clerk=clerk, customer=customer, catalogue=catalogue)
    one = queries()
    for _i in range(3):
        _submitted_order(clerk=clerk, customer=customer, catalogue=catalogue)

    assert queries() == one <= 3


@pytest.mark.rule("R24")
def test_the_customer_page_shows_the_order_row_and_the_gm_edit_without_exposure(
    client, clerk, manager, gm, customer, catalogue
):
    order = _submitted_order(clerk=clerk, customer=customer, catalogue=catalogue)
    _approved_credit_change(customer=customer, manager=manager, gm=gm)
    client.force_login(gm)

    html = client.get(f"/customers/{customer.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    history = html[html.index('id="history"') :]

    assert f'<a href="/orders/{order.pk}/">order {order.number}</a>' in history
    assert f"+{order.gross_amount}" in history
    assert "Exposure</strong>: 0.00 →" not in history

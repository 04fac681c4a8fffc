"""What a REST call costs on top of the service it wraps (issue 14), in queries, pinned exactly.

Each test runs the same operation twice on documents in the same state: once by calling the
service (with a user whose roles are already known, as inside a request that asked before) and
once through the API with a token and an `Idempotency-Key`, as API.md asks of integrations. The
difference is the API's own work, whatever the service's own count becomes:

- 1 query for the caller: the token, its user and the user's roles (core.api.authentication),
  shared by the idempotency middleware and DRF;
- 2 for the Idempotency-Key: claim it (one INSERT … ON CONFLICT DO NOTHING), keep the answer
  (one UPDATE);
- what the view adds: references checked while the body is parsed (a 400 names the field), the
  URL's id checked once (one EXISTS) where the service does not refuse an unknown id itself, and
  the answer read afresh where the service does not return what it shows. An order and an
  approval are answered as the service returned them: the engine leaves the request it opened or
  decided, with its open steps and decisions, on what it returns, and the order service its lines
  (`core.prefetch`); so is a new receipt (its customer and allocations) and an invoice (its
  contract and customer). Each such answer is the same as a GET of the object afterwards.
"""

import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from approvals.services import approval_decide
from finance.services import receipt_create
from sales.models import Order
from sales.services.orders import order_create, order_submit

pytestmark = pytest.mark.django_db

# The caller (1) and the Idempotency-Key (2), on every POST.
CALLER_AND_KEY = 3


class Counted(list):
    """The SQL of the queries a call made; compared as a number, shown in full on failure."""

    def __sub__(self, other):
        return len(self) - len(other)


def queries(call) -> Counted:
    with CaptureQueriesContext(connection) as captured:
        call()
    return Counted(query["sql"] for query in captured.captured_queries)


def poster(api, user):
    """POST as `user` (token set beforehand, so its look-up is not counted)."""
    client = api.as_user(user)

    def post(path: str, body: dict | None = None, *, key: str | None = None):
        response = client.post(
            f"/api/v1/{path}",
            body or {},
            format="json",
            HTTP_IDEMPOTENCY_KEY=key or uuid.uuid4().hex,
        )
        assert response.status_code < 300, response.content
        return response

    return post


def assert_answer_is_fresh(api, user, resource: str, response) -> None:
    """The answer of a POST is what a GET of the object reads afterwards."""
    answered = response.json()
    fresh = api.as_user(user).get(f"/api/v1/{resource}/{answered['id']}/")
    assert fresh.status_code == 200
    assert answered == fresh.json()


def _lines(catalogue) -> list[dict]:
    return [
        {"product": catalogue["lathe"].pk, "quantity": "1", "unit_price": "160000.00"},
        {"product": catalogue["service"].pk, "quantity": "1", "unit_price": "4500.00"},
    ]


def _draft(clerk, customer, catalogue) -> Order:
    return order_create(actor=clerk, customer_id=customer.pk, lines=_lines(catalogue))


def _submitted(clerk, customer, catalogue) -> Order:
    order = _draft(clerk, customer, catalogue)
    order_submit(actor=clerk, order_id=order.pk)
    return Order.objects.get(pk=order.pk)


def test_order_create_costs_the_service_and_four_queries(api, clerk, customer, catalogue):
    _draft(clerk, customer, catalogue)  # the year's numbering counter exists from here on
    service = queries(lambda: _draft(clerk, customer, catalogue))
    body = {"customer": customer.pk, "lines": _lines(catalogue)}

    post = poster(api, clerk)

    answers = []
    rest = queries(lambda: answers.append(post("orders/", body)))

    # + the products of the lines, checked while parsing (400 naming them); the customer read
    # while parsing (R23) is handed to the service, which does not read it again (issue 14).
    assert rest - service == CALLER_AND_KEY + 1, (rest, service)
    assert_answer_is_fresh(api, clerk, "orders", answers[0])


def test_order_submit_costs_the_service_and_three_queries(api, clerk, customer, catalogue):
    first, second, third = (_draft(clerk, customer, catalogue) for _ in range(3))
    order_submit(actor=clerk, order_id=first.pk)  # the approvals' numbering counter
    service = queries(lambda: order_submit(actor=clerk, order_id=second.pk))

    post = poster(api, clerk)

    answers = []
    rest = queries(lambda: answers.append(post(f"orders/{third.pk}/submit/")))

    # Nothing more: the service refuses an unknown id (404) and returns what is shown.
    assert rest - service == CALLER_AND_KEY, (rest, service)
    assert_answer_is_fresh(api, clerk, "orders", answers[0])


def test_approval_approve_costs_the_service_and_three_queries(
    api, clerk, manager, customer, catalogue
):
    first, second, third = (_submitted(clerk, customer, catalogue) for _ in range(3))
    approval_decide(actor=manager, request_id=first.approval_request.pk, approve=True)
    request_id = second.approval_request.pk
    service = queries(lambda: approval_decide(actor=manager, request_id=request_id, approve=True))

    post = poster(api, manager)
    path = f"approvals/{third.approval_request.pk}/approve/"

    answers = []
    rest = queries(lambda: answers.append(post(path)))

    # Nothing more: the engine returns the approval with its open steps and decisions.
    assert rest - service == CALLER_AND_KEY, (rest, service)
    assert_answer_is_fresh(api, manager, "approvals", answers[0])


@pytest.mark.parametrize("last", ["approve", "reject"])
def test_the_answer_of_each_decision_is_the_approval_as_read_afterwards(
    api, clerk, manager, gm, customer, catalogue, last
):
    """Decisions of earlier steps, the one just taken, the steps it opens or closes: the engine's
    answer and a fresh read agree, whichever way the request goes (R21)."""
    order = _submitted(clerk, customer, catalogue)
    path = f"approvals/{order.approval_request.pk}/"

    first = poster(api, manager)(path + "approve/", {"comment": "价格可以"})
    assert_answer_is_fresh(api, manager, "approvals", first)
    second = poster(api, gm)(path + f"{last}/", {"comment": "总经理意见"})
    assert_answer_is_fresh(api, gm, "approvals", second)

    decisions = second.json()["decisions"]
    assert [d["user"] for d in decisions] == ["manager.wang", "gm.chen"]
    assert second.json()["status"] == ("approved" if last == "approve" else "rejected")
    assert second.json()["current_steps"] == []


def test_receipt_create_costs_the_service_and_three_queries(api, contract, customer, finance):
    today = timezone.localdate()

    def by_service():
        receipt_create(
            actor=finance,
            customer_id=customer.pk,
            amount=Decimal("1000.00"),
            method="bank_transfer",
            received_on=today,
            allocations=[{"contract": contract.pk, "amount": "1000.00"}],
        )

    by_service()  # the year's receipt numbers and the month's period lock exist from here on
    service = queries(by_service)
    body = {
        "customer": customer.pk,
        "amount": "1000.00",
        "method": "bank_transfer",
        "received_on": today.isoformat(),
        "allocations": [{"contract": contract.pk, "amount": "1000.00"}],
    }

    post = poster(api, finance)

    answers = []
    rest = queries(lambda: answers.append(post("receipts/", body)))

    # Nothing more: the service returns the receipt with its customer and its allocations.
    assert rest - service == CALLER_AND_KEY, (rest, service)
    assert_answer_is_fresh(api, finance, "receipts", answers[0])


def test_a_replayed_submit_answers_the_first_response_in_three_queries(
    api, clerk, customer, catalogue
):
    order = _draft(clerk, customer, catalogue)
    post = poster(api, clerk)
    first = post(f"orders/{order.pk}/submit/", key="submit-1")
    replies = []

    captured = queries(lambda: replies.append(post(f"orders/{order.pk}/submit/", key="submit-1")))

    again = replies[0]
    assert again.content == first.content
    assert again.status_code == first.status_code == 200
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    # The caller, the key's claim (taken), the first answer: the view never runs again.
    assert len(captured) == 3, captured
    assert Order.objects.get(pk=order.pk).status == "submitted"


def test_a_refused_request_lets_the_key_go_for_a_retry(api, clerk, make_user, customer):
    """A 403 is not kept (API.md): the same key may be used again once the caller may act."""
    outsider = make_user("warehouse")
    body = {"customer": customer.pk, "lines": []}
    response = api.as_user(outsider).post(
        "/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert response.status_code == 403

    again = api.as_user(outsider).post(
        "/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )

    assert again.status_code == 403
    assert "Idempotent-Replayed" not in again

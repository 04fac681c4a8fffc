"""The audit trail (issue 16, item 6): logins, failed logins and every approval decision,
readable by the general manager only — on a page and over REST."""

import pytest
from django.test import Client

from approvals.models import Decision
from approvals.services import approval_decide
from sales.services.orders import order_create, order_submit
from tests.factories import CustomerFactory, ProductFactory, active_price_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(clerk, manager):
    lathe = ProductFactory()
    active_price_list(items=[(lathe, "100.00", "100.00")])
    customer = CustomerFactory(owner=clerk, credit_limit=1_000_000)
    order = order_create(
        actor=clerk,
        customer_id=customer.pk,
        lines=[{"product": lathe.pk, "quantity": "1", "unit_price": "100.00"}],
    )
    order_submit(actor=clerk, order_id=order.pk)
    approval_decide(
        actor=manager, request_id=order.approval_request.pk, approve=True, comment="同意发货"
    )
    return order


def test_the_gm_reads_logins_failures_and_decisions(gm, clerk, decided):
    Client().post("/login/", {"username": "clerk.li", "password": "secret-pass-123"})
    Client().post("/login/", {"username": "clerk.li", "password": "wrong"})
    client = Client()
    client.force_login(gm)

    page = client.get("/audit/")

    assert page.status_code == 200
    html = page.content.decode()
    # The clerk's login and the GM's own (a session opened any way is logged).
    assert html.count('class="audit-login"') == 2
    assert html.count('class="audit-failed_login"') == 1
    assert html.count('class="audit-decision"') == Decision.objects.count()
    assert "同意发货" in html and decided.number in html
    only = client.get("/audit/", {"kind": "failed_login", "username": "clerk.li"})
    assert only.content.decode().count("<tr class=") == 1


def test_others_are_refused(clerk, manager):
    for user in (clerk, manager):
        client = Client()
        client.force_login(user)
        assert client.get("/audit/").status_code == 403


def test_rest_answers_the_same_events_to_the_gm_only(api, gm, manager, decided):
    events = api.as_user(gm).get("/api/v1/audit/", {"kind": "decision"}).json()
    assert {e["kind"] for e in events} == {"decision"}
    assert len(events) == Decision.objects.count()
    assert any(e["username"] == manager.username and "同意发货" in e["detail"] for e in events)
    bad = api.as_user(gm).get("/api/v1/audit/", {"kind": "nope", "date_from": "x"})
    assert bad.status_code == 400
    assert {"kind", "date_from"} <= set(bad.json()["errors"])
    assert api.as_user(manager).get("/api/v1/audit/").status_code == 403

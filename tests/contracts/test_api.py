"""REST for contracts (API.md `contracts/`): shapes, refusals with their codes and nothing
written, co-sign through `approvals/{id}/approve/`, the ledger, R23 and bounded lists."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contracts.models import Contract
from sales.models import Order
from tests.contracts.conftest import make_order

pytestmark = pytest.mark.django_db

URL = "/api/v1/contracts/"


@pytest.mark.rule("R8")
def test_post_drafts_a_contract_with_the_documented_shape(api, clerk, customer, approved_order):
    response = api.as_user(clerk).post(URL, {"order": approved_order.pk}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    line = approved_order.lines.first()
    assert {
        k: body[k]
        for k in (
            "number",
            "status",
            "order",
            "customer",
            "salesperson",
            "gross_amount",
            "first_payment_ratio",
            "credit_days",
            "interest_rate_daily",
            "invoice_threshold",
            "commission_rate",
            "approval",
        )
    } == {
        "number": None,
        "status": "draft",
        "order": approved_order.pk,
        "customer": customer.pk,
        "salesperson": "clerk.li",
        "gross_amount": "368490.00",
        "first_payment_ratio": "0.4000",
        "credit_days": 45,
        "interest_rate_daily": "0.0005",
        "invoice_threshold": "0.6000",
        "commission_rate": "0.0250",
        "approval": None,
    }
    assert isinstance(body["id"], int)
    first = body["lines"][0]
    assert {k: first[k] for k in ("product", "quantity", "unit_price", "tax_rate", "gross")} == {
        "product": line.product_id,
        "quantity": "2.000",
        "unit_price": "160000.00",
        "tax_rate": "0.1300",
        "gross": "361600.00",
    }
    assert isinstance(first["id"], int)
    assert Order.objects.get(pk=approved_order.pk).status == "contracted"


def test_an_order_that_is_not_approved_is_a_409(api, clerk, customer, catalogue):
    order = make_order(clerk=clerk, customer=customer, catalogue=catalogue, approve=False)

    response = api.as_user(clerk).post(URL, {"order": order.pk}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert not Contract.objects.exists()


@pytest.mark.rule("R8")
def test_a_second_contract_is_a_409(api, clerk, approved_order):
    client = api.as_user(clerk)
    assert client.post(URL, {"order": approved_order.pk}, format="json").status_code == 201

    response = client.post(URL, {"order": approved_order.pk}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert Contract.objects.count() == 1


@pytest.mark.rule("R23", "R25")
def test_an_unknown_or_invisible_order_is_a_400_naming_the_field(api, approved_order, make_user):
    other = make_user("sales_clerk")

    for order_id in (approved_order.pk, 999999):
        response = api.as_user(other).post(URL, {"order": order_id}, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "invalid"
        assert "order" in response.json()["errors"]
    assert not Contract.objects.exists()


def test_a_role_that_does_not_draft_gets_403(api, approved_order, head):
    response = api.as_user(head).post(URL, {"order": approved_order.pk}, format="json")

    assert response.status_code == 403
    assert not Contract.objects.exists()


@pytest.mark.rule("R9")
def test_terms_are_patched_in_draft_only(api, clerk, approved_order):
    client = api.as_user(clerk)
    contract_id = client.post(URL, {"order": approved_order.pk}, format="json").json()["id"]

    patched = client.patch(
        f"{URL}{contract_id}/", {"credit_days": 60, "commission_rate": "0.0300"}, format="json"
    )
    assert patched.status_code == 200, patched.json()
    assert (patched.json()["credit_days"], patched.json()["commission_rate"]) == (60, "0.0300")

    bad = client.patch(f"{URL}{contract_id}/", {"invoice_threshold": "2"}, format="json")
    assert bad.status_code == 400
    assert "invoice_threshold" in bad.json()["errors"]

    assert client.post(f"{URL}{contract_id}/submit/").status_code == 200
    refused = client.patch(f"{URL}{contract_id}/", {"credit_days": 90}, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "invalid_transition"
    assert Contract.objects.get(pk=contract_id).credit_days == 60


@pytest.mark.rule("R8")
def test_submit_and_co_sign_through_the_approvals_api(api, clerk, approved_order, head, finance):
    client = api.as_user(clerk)
    contract_id = client.post(URL, {"order": approved_order.pk}, format="json").json()["id"]

    submitted = client.post(f"{URL}{contract_id}/submit/")
    assert submitted.status_code == 200
    body = submitted.json()
    assert body["status"] == "pending_signoff"
    assert body["approval"]["status"] == "pending"
    assert sorted(s["role"] for s in body["approval"]["current_steps"]) == ["finance", "sales_head"]
    assert {s["sequence"] for s in body["approval"]["current_steps"]} == {1}

    approval_id = body["approval"]["id"]
    first = api.as_user(finance).post(
        f"/api/v1/approvals/{approval_id}/approve/", {}, format="json"
    )
    assert first.status_code == 200
    assert api.as_user(clerk).get(f"{URL}{contract_id}/").json()["status"] == "pending_signoff"
    second = api.as_user(head).post(f"/api/v1/approvals/{approval_id}/approve/", {}, format="json")
    assert second.status_code == 200
    assert second.json()["status"] == "approved"

    detail = api.as_user(clerk).get(f"{URL}{contract_id}/").json()
    assert detail["status"] == "active"
    assert detail["number"] == f"HT-{timezone.localdate().year}-00001"
    assert sorted(d["role"] for d in detail["approval"]["decisions"]) == ["finance", "sales_head"]


def test_the_ledger_endpoint(api, clerk, approved_order, head, finance):
    client = api.as_user(clerk)
    contract_id = client.post(URL, {"order": approved_order.pk}, format="json").json()["id"]
    assert client.get(f"{URL}{contract_id}/ledger/").json()["contracted"] == "0.00"
    approval_id = client.post(f"{URL}{contract_id}/submit/").json()["approval"]["id"]
    for signer in (head, finance):
        api.as_user(signer).post(f"/api/v1/approvals/{approval_id}/approve/", {}, format="json")

    response = api.as_user(clerk).get(f"{URL}{contract_id}/ledger/")

    assert response.status_code == 200
    assert response.json() == {
        "contracted": "368490.00",
        "shipped": "0.00",
        "delivered": "0.00",
        "invoiced": "0.00",
        "collected": "0.00",
        "outstanding": "368490.00",
        "due": "0.00",
        "overdue": "0.00",
        "interest": "0.00",
        "interest_accrued": "0.00",
        "collection_ratio": "0.0000",
        "first_payment_received": False,
    }


@pytest.mark.rule("R23")
def test_a_clerk_sees_only_contracts_of_own_customers(api, clerk, approved_order, make_user, head):
    contract_id = (
        api.as_user(clerk).post(URL, {"order": approved_order.pk}, format="json").json()["id"]
    )
    other = make_user("sales_clerk")

    client = api.as_user(other)
    assert client.get(URL).json()["count"] == 0
    for path in (f"{URL}{contract_id}/", f"{URL}{contract_id}/ledger/"):
        assert client.get(path).status_code == 404
    assert client.post(f"{URL}{contract_id}/submit/").status_code == 404
    assert (
        client.patch(f"{URL}{contract_id}/", {"credit_days": 1}, format="json").status_code == 404
    )
    assert api.as_user(head).get(URL).json()["count"] == 1
    assert Contract.objects.get(pk=contract_id).status == "draft"


def test_the_list_filters_and_its_query_count_does_not_grow(
    api, clerk, customer, catalogue, manager, gm, head, finance
):
    for _ in range(2):
        order = make_order(
            clerk=clerk, customer=customer, catalogue=catalogue, manager=manager, gm=gm
        )
        contract_id = api.as_user(clerk).post(URL, {"order": order.pk}, format="json").json()["id"]
        api.as_user(clerk).post(f"{URL}{contract_id}/submit/")
    client = api.as_user(head)

    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).json()["count"] == 2
    for _ in range(3):
        order = make_order(
            clerk=clerk, customer=customer, catalogue=catalogue, manager=manager, gm=gm
        )
        api.as_user(clerk).post(URL, {"order": order.pk}, format="json")
    with CaptureQueriesContext(connection) as many:
        body = client.get(URL).json()
    assert body["count"] == 5
    assert len(many) == len(few)
    assert len(many) <= 12

    assert client.get(URL, {"status": "pending_signoff"}).json()["count"] == 2
    assert client.get(URL, {"customer": customer.pk}).json()["count"] == 5
    assert client.get(URL, {"salesperson": "clerk.li"}).json()["count"] == 5
    assert client.get(URL, {"salesperson": "nobody"}).json()["count"] == 0
    assert Decimal(body["results"][0]["gross_amount"]) > 0


def test_the_schema_describes_the_contract_endpoints(api, clerk):
    response = api.as_user(clerk).get("/api/schema/", {"format": "json"})

    paths = response.json()["paths"]
    assert "/api/v1/contracts/{id}/ledger/" in paths
    assert "/api/v1/contracts/{id}/submit/" in paths


@pytest.mark.rule("R8")
def test_the_answers_of_draft_and_submit_are_the_contract_as_read_afterwards(
    api, clerk, approved_order
):
    """The draft and the submit answer with what the service wrote and read under its lock
    (issue 14), not read again: the same body as a GET of the contract afterwards."""
    client = api.as_user(clerk)
    drafted = client.post(URL, {"order": approved_order.pk}, format="json")
    assert drafted.status_code == 201, drafted.json()
    assert drafted.json() == client.get(f"{URL}{drafted.json()['id']}/").json()

    submitted = client.post(f"{URL}{drafted.json()['id']}/submit/", {}, format="json")
    assert submitted.status_code == 200, submitted.json()
    body = submitted.json()
    assert body["status"] == "pending_signoff"
    assert body["approval"]["status"] == "pending"
    assert body == client.get(f"{URL}{body['id']}/").json()

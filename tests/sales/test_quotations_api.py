"""REST for quotations and bids (API.md "Presales": quotations/, submit/, won/, lost/,
to-order/, with the approval object): R27, R5, R21, R23, R25, R26."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from sales.models import Lead, Order, Quotation
from sales.services.leads import lead_create
from tests.factories import CustomerFactory, ProductFactory, active_price_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def lathe():
    product = ProductFactory(code="P-1001", name="数控车床", tax_rate=Decimal("0.1300"))
    active_price_list(items=[(product, "168000.00", "150000.00")])
    return product


@pytest.fixture
def customer(clerk):
    return CustomerFactory(owner=clerk)


@pytest.fixture
def head(make_user):
    return make_user("sales_head", username="head.zhao")


@pytest.fixture
def director(make_user):
    return make_user("marketing_director", username="director.sun")


def in_days(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def body(lathe, price="160000.00", **party):
    return {
        **party,
        "valid_until": in_days(30),
        "lines": [{"product": lathe.pk, "quantity": "1", "unit_price": price}],
    }


def approve(api, user, quotation_body):
    approval = quotation_body["approval"]
    response = api.as_user(user).post(f"/api/v1/approvals/{approval['id']}/approve/", {})
    assert response.status_code == 200, response.content
    return response


@pytest.mark.rule("R27")
def test_post_answers_201_a_draft_with_its_amounts(api, clerk, customer, lathe):
    response = api.as_user(clerk).post(
        "/api/v1/quotations/", body(lathe, customer=customer.pk), format="json"
    )

    assert response.status_code == 201, response.content
    answer = response.json()
    assert (answer["status"], answer["kind"], answer["party_name"]) == (
        "draft",
        "quotation",
        customer.name,
    )
    assert (answer["net_amount"], answer["tax_amount"], answer["gross_amount"]) == (
        "160000.00",
        "20800.00",
        "180800.00",
    )
    assert answer["approval"] is None
    assert answer["lines"][0]["product"] == lathe.pk


@pytest.mark.rule("R27", "R5")
def test_below_the_floor_is_409_and_writes_nothing(api, clerk, customer, lathe):
    response = api.as_user(clerk).post(
        "/api/v1/quotations/", body(lathe, "100.00", customer=customer.pk), format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "below_floor_price"
    assert "lines.0.unit_price" in response.json()["errors"]
    assert not Quotation.objects.exists()


@pytest.mark.rule("R25", "R23")
def test_bad_input_is_400_naming_each_field(api, clerk, make_user, lathe):
    stranger = CustomerFactory(owner=make_user("sales_clerk"))
    response = api.as_user(clerk).post(
        "/api/v1/quotations/",
        {"customer": stranger.pk, "valid_until": "someday", "lines": []},
        format="json",
    )
    assert response.status_code == 400
    assert {"customer", "valid_until"} <= set(response.json()["errors"])
    response = api.as_user(clerk).post(
        "/api/v1/quotations/", body(lathe), format="json"
    )  # neither a customer nor a lead
    assert response.status_code == 400
    assert {"customer", "lead"} <= set(response.json()["errors"])
    assert not Quotation.objects.exists()


@pytest.mark.rule("R27", "R21")
@pytest.mark.parametrize(
    ("price", "roles"),
    [("707964.60", ["sales_head"]), ("707964.61", ["sales_head", "marketing_director"])],
)
def test_submit_opens_the_chain_by_the_800000_threshold(
    api, clerk, customer, lathe, head, director, price, roles
):
    created = api.as_user(clerk).post(
        "/api/v1/quotations/", body(lathe, price, customer=customer.pk), format="json"
    )
    assert created.json()["gross_amount"] == (
        "800000.00" if roles == ["sales_head"] else "800000.01"
    )

    submitted = api.as_user(clerk).post(f"/api/v1/quotations/{created.json()['id']}/submit/")

    assert submitted.status_code == 200, submitted.content
    answer = submitted.json()
    assert answer["status"] == "submitted"
    assert [step["role"] for step in answer["approval"]["current_steps"]] == ["sales_head"]
    # The director's step is not open before the head's.
    early = api.as_user(director).post(f"/api/v1/approvals/{answer['approval']['id']}/approve/", {})
    assert early.status_code == 403
    after_head = approve(api, head, answer).json()
    if len(roles) == 2:
        assert after_head["status"] == "pending"
        assert [step["role"] for step in after_head["current_steps"]] == ["marketing_director"]
        assert (
            api.as_user(clerk).get(f"/api/v1/quotations/{answer['id']}/").json()["status"]
            == "submitted"
        )
        approve(api, director, answer)
    else:
        assert after_head["status"] == "approved"
    final = api.as_user(clerk).get(f"/api/v1/quotations/{answer['id']}/").json()
    assert final["status"] == "approved"


@pytest.mark.rule("R21")
def test_a_submitted_quotation_cannot_be_patched(api, clerk, customer, lathe):
    created = api.as_user(clerk).post(
        "/api/v1/quotations/", body(lathe, customer=customer.pk), format="json"
    )
    qid = created.json()["id"]
    api.as_user(clerk).post(f"/api/v1/quotations/{qid}/submit/")

    response = api.as_user(clerk).patch(f"/api/v1/quotations/{qid}/", {"note": "改"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert Quotation.objects.get(pk=qid).note == ""


@pytest.mark.rule("R27", "R26")
def test_won_then_to_order_converts_the_lead_and_answers_the_order(api, clerk, lathe, head):
    lead = lead_create(actor=clerk, company="宁波甬达机械有限公司", contact_name="陈工", grade="A")
    created = api.as_user(clerk).post(
        "/api/v1/quotations/", body(lathe, lead=lead.pk), format="json"
    )
    assert created.status_code == 201, created.content
    qid = created.json()["id"]
    approve(api, head, api.as_user(clerk).post(f"/api/v1/quotations/{qid}/submit/").json())

    lost_without_reason = api.as_user(clerk).post(f"/api/v1/quotations/{qid}/lost/", {})
    assert lost_without_reason.status_code == 400
    assert "reason" in lost_without_reason.json()["errors"]
    won = api.as_user(clerk).post(f"/api/v1/quotations/{qid}/won/", {"reason": "交期短"})
    assert (won.status_code, won.json()["status"]) == (200, "won")

    response = api.as_user(clerk).post(
        f"/api/v1/quotations/{qid}/to-order/", {"tax_id": "91330200MA2AB12345"}, format="json"
    )

    assert response.status_code == 201, response.content
    order = response.json()
    assert order["status"] == "draft"
    assert order["gross_amount"] == "180800.00"
    assert [(line["product"], line["unit_price"]) for line in order["lines"]] == [
        (lathe.pk, "160000.00")
    ]
    lead.refresh_from_db()
    assert lead.status == "converted"
    assert order["customer"] == lead.customer_id
    quotation = api.as_user(clerk).get(f"/api/v1/quotations/{qid}/").json()
    assert (quotation["order"], quotation["customer"]) == (order["id"], lead.customer_id)
    again = api.as_user(clerk).post(f"/api/v1/quotations/{qid}/to-order/", {})
    assert again.status_code == 409
    assert Order.objects.count() == 1


@pytest.mark.rule("R23")
def test_a_clerk_sees_only_quotations_of_own_customers_and_leads(
    api, clerk, make_user, customer, lathe, manager
):
    other = make_user("sales_clerk", username="clerk.zhao")
    theirs = CustomerFactory(owner=other)
    mine = api.as_user(clerk).post(
        "/api/v1/quotations/", body(lathe, customer=customer.pk), format="json"
    )
    lead = lead_create(actor=other, company="杭州远景", contact_name="吴", grade="B")
    for party in ({"customer": theirs.pk}, {"lead": lead.pk}):
        assert (
            api.as_user(other)
            .post("/api/v1/quotations/", body(lathe, **party), format="json")
            .status_code
            == 201
        )

    rows = api.as_user(clerk).get("/api/v1/quotations/").json()["results"]
    assert [row["id"] for row in rows] == [mine.json()["id"]]
    hidden = Quotation.objects.exclude(pk=mine.json()["id"]).first()
    assert api.as_user(clerk).get(f"/api/v1/quotations/{hidden.pk}/").status_code == 404
    assert api.as_user(clerk).post(f"/api/v1/quotations/{hidden.pk}/submit/").status_code == 404
    assert len(api.as_user(manager).get("/api/v1/quotations/").json()["results"]) == 3
    assert Lead.objects.get(pk=lead.pk).status == "open"


def test_a_role_that_does_not_quote_is_403(api, manager, customer, lathe):
    response = api.as_user(manager).post(
        "/api/v1/quotations/", body(lathe, customer=customer.pk), format="json"
    )
    assert response.status_code == 403
    assert not Quotation.objects.exists()

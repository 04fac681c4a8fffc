"""Credit change requests end to end (R2): REST (API.md `credit-changes/`), the browser pages,
the approval engine's rules for this document (R21), visibility (R23) and refusals that write
nothing (R25)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals.models import ApprovalRequest, Decision
from sales.models import CreditChangeRequest, Customer
from sales.services.credit import credit_change_submit
from tests.factories import CustomerFactory, credit_change

pytestmark = pytest.mark.django_db

URL = "/api/v1/credit-changes/"


@pytest.fixture
def finance(make_user):
    return make_user("finance", username="fin.qian")


@pytest.fixture
def customer(clerk):
    return CustomerFactory(owner=clerk, name="上海华东机械有限公司")


def payload(customer, /, **overrides) -> dict:
    body = {
        "customer": customer.pk,
        "credit_limit": "250000.00",
        "credit_days": 45,
        "risk_level": "low",
        "reason": "年采购额上升，回款记录良好",
    }
    body.update(overrides)
    return body


def credit_of(customer: Customer) -> tuple:
    customer.refresh_from_db()
    return (customer.credit_limit, customer.credit_days, customer.risk_level)


R1 = (Decimal("0.00"), 0, "high")


def submitted(customer, author, **kwargs) -> CreditChangeRequest:
    change = credit_change(customer=customer, author=author, **kwargs)
    credit_change_submit(actor=author, change_id=change.pk)
    change.refresh_from_db()
    return change


def approval_id(change: CreditChangeRequest) -> int:
    return ApprovalRequest.objects.get(document_type="credit_change", document_id=change.pk).pk


def queries(run) -> int:
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured.captured_queries)


# --- REST: propose -----------------------------------------------------------------------------


@pytest.mark.rule("R2")
def test_a_sales_manager_proposes_a_change_as_a_draft_without_approval(api, manager, customer):
    response = api.as_user(manager).post(URL, payload(customer), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["approval"] is None
    assert (body["customer"], body["credit_limit"], body["credit_days"], body["risk_level"]) == (
        customer.pk,
        "250000.00",
        45,
        "low",
    )
    assert body["created_by"] == "manager.wang"
    assert body["number"].startswith("XY-")
    assert credit_of(customer) == R1  # proposing changes nothing yet (R2)


@pytest.mark.rule("R2")
def test_finance_may_propose_too(api, finance, customer):
    response = api.as_user(finance).post(URL, payload(customer), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["created_by"] == "fin.qian"


@pytest.mark.rule("R2")
@pytest.mark.parametrize(
    "role", ["sales_clerk", "general_manager", "credit_controller", "sales_head"]
)
def test_roles_that_do_not_propose_are_refused_with_403(api, make_user, customer, role):
    response = api.as_user(make_user(role)).post(URL, payload(customer), format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not CreditChangeRequest.objects.exists()


@pytest.mark.rule("R2")
def test_a_non_proposer_gets_403_even_with_bad_fields(api, clerk, customer):
    response = api.as_user(clerk).post(URL, payload(customer, credit_limit="-1"), format="json")

    assert response.status_code == 403
    assert not CreditChangeRequest.objects.exists()


@pytest.mark.rule("R2", "R25")
@pytest.mark.parametrize("value", [999999, "abc", None])
def test_an_unknown_customer_is_a_400_naming_customer(api, manager, customer, value):
    response = api.as_user(manager).post(URL, payload(customer, customer=value), format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["errors"]) == ["customer"]
    assert not CreditChangeRequest.objects.exists()


@pytest.mark.rule("R2", "R25")
def test_bad_values_are_a_400_naming_each_field_and_nothing_is_written(api, manager, customer):
    response = api.as_user(manager).post(
        URL,
        payload(customer, credit_limit="-1.00", credit_days=-3, risk_level="extreme", reason=" "),
        format="json",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) == {"credit_limit", "credit_days", "risk_level", "reason"}
    assert not CreditChangeRequest.objects.exists()
    assert credit_of(customer) == R1


@pytest.mark.rule("R2")
def test_missing_fields_are_named(api, manager):
    response = api.as_user(manager).post(URL, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {
        "customer",
        "credit_limit",
        "credit_days",
        "risk_level",
        "reason",
    }


@pytest.mark.rule("R2", "R25")
def test_the_service_names_a_negative_limit_and_a_blank_reason_on_their_fields(manager, customer):
    """R25 for every writer, not only the API and the form: the non-negative limit is a table
    constraint, which model validation would report without a field."""
    from core.errors import InvalidInput
    from sales.services.credit import credit_change_update

    with pytest.raises(InvalidInput) as refused:
        credit_change(customer=customer, author=manager, limit="-1.00", days=-1)
    assert set(refused.value.errors) == {"credit_limit", "credit_days"}
    assert not CreditChangeRequest.objects.exists()

    change = credit_change(customer=customer, author=manager)
    with pytest.raises(InvalidInput) as refused:
        credit_change_update(
            actor=manager, change_id=change.pk, credit_limit=Decimal("-5"), reason="   "
        )
    assert set(refused.value.errors) == {"credit_limit", "reason"}
    change.refresh_from_db()
    assert (change.credit_limit, change.reason) == (Decimal("100000.00"), "增加额度")


@pytest.mark.rule("R2")
def test_the_schema_describes_the_credit_change_endpoints(client):
    paths = client.get("/api/schema/?format=json").json()["paths"]

    for path in [
        "/api/v1/credit-changes/",
        "/api/v1/credit-changes/{id}/",
        "/api/v1/credit-changes/{id}/submit/",
        "/api/v1/credit-changes/{id}/cancel/",
    ]:
        assert path in paths
    assert "put" not in paths["/api/v1/credit-changes/{id}/"]


# --- REST: read --------------------------------------------------------------------------------


@pytest.mark.rule("R2")
def test_detail_shows_the_request(api, manager, customer):
    change = credit_change(customer=customer, author=manager)

    response = api.as_user(manager).get(f"{URL}{change.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["number"], body["status"], body["approval"]) == (
        change.pk,
        change.number,
        "draft",
        None,
    )
    assert body["customer_name"] == "上海华东机械有限公司"


@pytest.mark.rule("R2")
def test_list_filters_on_customer_and_status(api, manager, customer):
    other = CustomerFactory()
    draft = credit_change(customer=customer, author=manager)
    pending = submitted(customer, manager)
    elsewhere = credit_change(customer=other, author=manager)
    client = api.as_user(manager)

    def ids(**params):
        response = client.get(URL, params)
        assert response.status_code == 200
        return sorted(row["id"] for row in response.json()["results"])

    assert ids() == sorted([draft.pk, pending.pk, elsewhere.pk])
    assert ids(customer=customer.pk) == sorted([draft.pk, pending.pk])
    assert ids(status="pending") == [pending.pk]
    assert ids(customer=other.pk, status="draft") == [elsewhere.pk]
    assert client.get(URL, {"status": "nonsense"}).status_code == 400


@pytest.mark.rule("R2")
def test_list_is_paginated_and_carries_each_rows_approval(api, manager):
    for _ in range(3):
        submitted(CustomerFactory(), manager)
    credit_change(customer=CustomerFactory(), author=manager)

    response = api.as_user(manager).get(URL, {"page_size": 2})

    body = response.json()
    assert body["count"] == 4
    assert body["next"] is not None
    assert len(body["results"]) == 2
    everything = api.as_user(manager).get(URL, {"page_size": 10}).json()["results"]
    approvals = [row["approval"] for row in everything]
    assert approvals.count(None) == 1
    for approval in filter(None, approvals):
        assert approval["status"] == "pending"
        assert approval["current_steps"] == [{"sequence": 1, "role": "general_manager"}]


@pytest.mark.rule("R2")
def test_list_query_count_does_not_grow_with_rows(api, manager, gm, django_assert_max_num_queries):
    def make(n):
        for i in range(n):
            change = submitted(CustomerFactory(), manager)
            if i % 2:  # some with a decision, so the approvals carry decisions
                api.as_user(gm).post(
                    f"/api/v1/approvals/{approval_id(change)}/reject/",
                    {"comment": "再看看"},
                    format="json",
                )
        return api.as_user(manager)  # one client; its credentials switch with as_user

    client = make(2)
    few = queries(lambda: client.get(URL))
    client = make(20)
    many = queries(lambda: client.get(URL))

    assert many == few
    with django_assert_max_num_queries(10):
        assert len(client.get(URL).json()["results"]) == 22


# --- REST: edit, submit, cancel ---------------------------------------------------------------


@pytest.mark.rule("R2")
def test_the_author_patches_a_draft(api, manager, customer):
    change = credit_change(customer=customer, author=manager)

    response = api.as_user(manager).patch(
        f"{URL}{change.pk}/", {"credit_limit": "80000.00", "reason": "先小额"}, format="json"
    )

    assert response.status_code == 200, response.content
    change.refresh_from_db()
    assert (change.credit_limit, change.reason) == (Decimal("80000.00"), "先小额")


@pytest.mark.rule("R2", "R25")
def test_patching_a_submitted_request_is_409_and_changes_nothing(api, manager, customer):
    change = submitted(customer, manager)

    response = api.as_user(manager).patch(
        f"{URL}{change.pk}/", {"credit_limit": "1.00"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    change.refresh_from_db()
    assert change.credit_limit == Decimal("100000.00")


@pytest.mark.rule("R2")
def test_someone_else_cannot_patch_a_draft(api, manager, finance, customer):
    change = credit_change(customer=customer, author=manager)

    response = api.as_user(finance).patch(
        f"{URL}{change.pk}/", {"credit_limit": "1.00"}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    change.refresh_from_db()
    assert change.credit_limit == Decimal("100000.00")


@pytest.mark.rule("R2")
def test_a_patch_cannot_move_the_request_to_another_customer(api, manager, customer):
    change = credit_change(customer=customer, author=manager)

    response = api.as_user(manager).patch(
        f"{URL}{change.pk}/", {"customer": CustomerFactory().pk}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["customer"]
    change.refresh_from_db()
    assert change.customer == customer


@pytest.mark.rule("R2", "R25")
def test_a_patch_with_bad_values_names_them(api, manager, customer):
    change = credit_change(customer=customer, author=manager)

    response = api.as_user(manager).patch(
        f"{URL}{change.pk}/", {"credit_days": -1, "reason": ""}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"credit_days", "reason"}


@pytest.mark.rule("R2")
def test_put_is_not_offered(api, manager, customer):
    change = credit_change(customer=customer, author=manager)

    response = api.as_user(manager).put(f"{URL}{change.pk}/", payload(customer), format="json")

    assert response.status_code == 405


@pytest.mark.rule("R2")
def test_submit_opens_the_general_managers_step(api, manager, customer):
    change = credit_change(customer=customer, author=manager)

    response = api.as_user(manager).post(f"{URL}{change.pk}/submit/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["approval"]["status"] == "pending"
    assert body["approval"]["current_steps"] == [{"sequence": 1, "role": "general_manager"}]
    assert body["approval"]["decisions"] == []
    assert credit_of(customer) == R1


@pytest.mark.rule("R2")
def test_submitting_twice_is_409(api, manager, customer):
    change = submitted(customer, manager)

    response = api.as_user(manager).post(f"{URL}{change.pk}/submit/")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert ApprovalRequest.objects.count() == 1


@pytest.mark.rule("R2")
def test_only_the_author_submits(api, manager, finance, customer):
    change = credit_change(customer=customer, author=manager)

    response = api.as_user(finance).post(f"{URL}{change.pk}/submit/")

    assert response.status_code == 403
    assert not ApprovalRequest.objects.exists()


@pytest.mark.rule("R2")
def test_cancel_a_draft(api, manager, customer):
    change = credit_change(customer=customer, author=manager)

    response = api.as_user(manager).post(f"{URL}{change.pk}/cancel/")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


@pytest.mark.rule("R2")
def test_cancelling_a_submitted_request_is_409(api, manager, customer):
    change = submitted(customer, manager)

    response = api.as_user(manager).post(f"{URL}{change.pk}/cancel/")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    change.refresh_from_db()
    assert change.status == "pending"


# --- REST: the approval (R2 end to end, R21) ------------------------------------------------


@pytest.mark.rule("R2")
def test_r2_end_to_end_through_the_api(api, manager, gm, customer):
    created = api.as_user(manager).post(URL, payload(customer), format="json").json()
    submitted_body = api.as_user(manager).post(f"{URL}{created['id']}/submit/").json()

    response = api.as_user(gm).post(
        f"/api/v1/approvals/{submitted_body['approval']['id']}/approve/",
        {"comment": "同意"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert credit_of(customer) == (Decimal("250000.00"), 45, "low")
    detail = api.as_user(manager).get(f"{URL}{created['id']}/").json()
    assert detail["status"] == "approved"
    assert (detail["previous_credit_limit"], detail["previous_risk_level"]) == ("0.00", "high")
    assert detail["applied_at"] is not None
    assert detail["approval"]["status"] == "approved"
    assert detail["approval"]["current_steps"] == []
    [decision] = detail["approval"]["decisions"]
    assert (decision["user"], decision["role"], decision["decision"], decision["comment"]) == (
        "gm.chen",
        "general_manager",
        "approved",
        "同意",
    )
    credit = api.as_user(manager).get(f"/api/v1/customers/{customer.pk}/credit/").json()
    assert (credit["credit_limit"], credit["credit_days"], credit["risk_level"]) == (
        "250000.00",
        45,
        "low",
    )
    assert credit["available"] == "250000.00"


@pytest.mark.rule("R2", "R21")
def test_a_rejection_returns_the_request_to_draft_with_the_comment(api, manager, gm, customer):
    change = submitted(customer, manager)

    response = api.as_user(gm).post(
        f"/api/v1/approvals/{approval_id(change)}/reject/", {"comment": "额度过高"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert credit_of(customer) == R1
    body = api.as_user(manager).get(f"{URL}{change.pk}/").json()
    assert body["status"] == "draft"
    assert body["approval"]["status"] == "rejected"
    assert [(d["decision"], d["comment"]) for d in body["approval"]["decisions"]] == [
        ("rejected", "额度过高")
    ]
    # back in draft: the author may change it and submit again
    edited = api.as_user(manager).patch(
        f"{URL}{change.pk}/", {"credit_limit": "50000.00"}, format="json"
    )
    assert edited.status_code == 200
    again = api.as_user(manager).post(f"{URL}{change.pk}/submit/").json()
    assert again["status"] == "pending"
    assert again["approval"]["id"] != body["approval"]["id"]


@pytest.mark.rule("R2", "R21")
def test_the_proposer_cannot_approve_their_own_request(api, make_user, customer):
    both = make_user("finance", "general_manager", username="fin.gm")
    created = api.as_user(both).post(URL, payload(customer), format="json").json()
    approval = api.as_user(both).post(f"{URL}{created['id']}/submit/").json()["approval"]

    response = api.as_user(both).post(
        f"/api/v1/approvals/{approval['id']}/approve/", {}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "self_approval_forbidden"
    assert credit_of(customer) == R1
    assert not Decision.objects.exists()
    assert CreditChangeRequest.objects.get().status == "pending"


@pytest.mark.rule("R2")
def test_a_sales_manager_cannot_decide_the_general_managers_step(api, manager, make_user, customer):
    change = submitted(customer, manager)
    other_manager = make_user("sales_manager")

    response = api.as_user(other_manager).post(
        f"/api/v1/approvals/{approval_id(change)}/approve/", {}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "not_your_step"
    assert credit_of(customer) == R1
    assert not Decision.objects.exists()
    change.refresh_from_db()
    assert change.status == "pending"


@pytest.mark.rule("R2", "R25")
@pytest.mark.parametrize("body", [{}, {"comment": ""}, {"comment": "   "}])
def test_a_rejection_without_a_comment_is_400_naming_comment(api, manager, gm, customer, body):
    change = submitted(customer, manager)

    response = api.as_user(gm).post(
        f"/api/v1/approvals/{approval_id(change)}/reject/", body, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["errors"]) == ["comment"]
    assert credit_of(customer) == R1
    assert not Decision.objects.exists()
    change.refresh_from_db()
    assert change.status == "pending"


# --- R23 -----------------------------------------------------------------------------------


@pytest.mark.rule("R2", "R23")
def test_a_clerk_sees_only_requests_of_their_own_customers(api, client, clerk, manager, customer):
    mine = credit_change(customer=customer, author=manager)
    theirs = credit_change(customer=CustomerFactory(name="别人的客户"), author=manager)
    api_client = api.as_user(clerk)

    response = api_client.get(URL)
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]
    assert api_client.get(f"{URL}{mine.pk}/").status_code == 200
    assert api_client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert api_client.post(f"{URL}{theirs.pk}/submit/").status_code == 404

    client.force_login(clerk)
    page = client.get("/credit-changes/")
    assert [c.pk for c in page.context["page_obj"]] == [mine.pk]
    assert "别人的客户" not in page.content.decode()
    assert client.get(f"/credit-changes/{mine.pk}/").status_code == 200
    assert client.get(f"/credit-changes/{theirs.pk}/").status_code == 404


@pytest.mark.rule("R2")
def test_a_clerk_cannot_propose_through_the_pages(client, clerk, customer):
    client.force_login(clerk)

    assert client.get("/credit-changes/new/").status_code == 403
    response = client.post(
        "/credit-changes/new/",
        {
            "customer": customer.pk,
            "credit_limit": "1",
            "credit_days": "1",
            "risk_level": "low",
            "reason": "x",
        },
    )
    assert response.status_code == 403
    assert not CreditChangeRequest.objects.exists()
    assert b"Propose credit change" not in client.get(f"/customers/{customer.pk}/").content


# --- pages ------------------------------------------------------------------------------------


def form_data(customer=None, /, **overrides) -> dict:
    data = {
        "credit_limit": "300000.00",
        "credit_days": "60",
        "risk_level": "medium",
        "reason": "新签三年框架协议",
    }
    if customer is not None:
        data["customer"] = str(customer.pk)
    data.update(overrides)
    return data


@pytest.mark.rule("R2")
def test_r2_end_to_end_through_the_pages(client, api, manager, gm, customer):
    client.force_login(manager)
    customer_page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert f"/credit-changes/new/?customer={customer.pk}" in customer_page

    form = client.get("/credit-changes/new/", {"customer": customer.pk})
    assert form.status_code == 200
    assert form.context["form"]["customer"].value() == customer.pk

    created = client.post("/credit-changes/new/", form_data(customer))
    change = CreditChangeRequest.objects.get()
    assert created.status_code == 302
    assert created["Location"] == f"/credit-changes/{change.pk}/"
    assert client.post(f"/credit-changes/{change.pk}/submit/").status_code == 302
    change.refresh_from_db()
    assert change.status == "pending"

    approved = api.as_user(gm).post(
        f"/api/v1/approvals/{approval_id(change)}/approve/", {"comment": "同意"}, format="json"
    )
    assert approved.status_code == 200

    page = client.get(f"/customers/{customer.pk}/")
    assert page.context["credit"]["credit_limit"] == Decimal("300000.00")
    html = page.content.decode()
    assert "300000.00" in html
    history = html.split('id="credit-history"')[1]
    assert change.number in history
    assert "Approved" in history
    assert "0.00 → 300000.00" in history
    assert "新签三年框架协议" in history
    # the customer's own change history names the request that changed it (R24)
    customer_history = page.context["history"]
    assert customer_history[0]["reason"] == change.number
    assert {c["field"] for c in customer_history[0]["changes"]} == {
        "credit limit",
        "credit days",
        "risk level",
        "credit reviewed on",
    }
    detail = client.get(f"/credit-changes/{change.pk}/").content.decode()
    assert "同意" in detail and "gm.chen" in detail


@pytest.mark.rule("R2")
def test_form_errors_are_shown_beside_the_fields_and_nothing_is_written(client, manager, customer):
    client.force_login(manager)

    response = client.post(
        "/credit-changes/new/",
        form_data(customer, credit_limit="-5", credit_days="-1", risk_level="x", reason=""),
    )

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {
        "credit_limit",
        "credit_days",
        "risk_level",
        "reason",
    }
    assert b'id="id_credit_limit_error"' in response.content
    assert not CreditChangeRequest.objects.exists()


@pytest.mark.rule("R2")
def test_an_unknown_customer_on_the_form_is_a_field_error(client, manager, customer):
    client.force_login(manager)

    response = client.post("/credit-changes/new/", form_data(customer, customer="999999"))

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["customer"]
    assert not CreditChangeRequest.objects.exists()


@pytest.mark.rule("R2")
def test_the_author_edits_a_draft_on_its_page(client, manager, customer):
    change = credit_change(customer=customer, author=manager)
    client.force_login(manager)

    form = client.get(f"/credit-changes/{change.pk}/edit/")
    assert form.status_code == 200
    assert "customer" not in form.context["form"].fields
    response = client.post(f"/credit-changes/{change.pk}/edit/", form_data(credit_limit="5000"))

    assert response.status_code == 302
    change.refresh_from_db()
    assert (change.credit_limit, change.customer) == (Decimal("5000.00"), customer)


@pytest.mark.rule("R2")
def test_a_service_refusal_is_shown_on_the_edit_form(client, manager, customer):
    change = credit_change(customer=customer, author=manager)
    client.force_login(manager)
    credit_change_submit(actor=manager, change_id=change.pk)

    response = client.post(f"/credit-changes/{change.pk}/edit/", form_data(credit_limit="1"))

    assert response.status_code == 400
    assert "Only a draft" in " ".join(response.context["form"].non_field_errors())
    change.refresh_from_db()
    assert change.credit_limit == Decimal("100000.00")


@pytest.mark.rule("R2")
def test_someone_else_cannot_edit_a_draft_on_the_page(client, manager, finance, customer):
    change = credit_change(customer=customer, author=manager)
    client.force_login(finance)

    assert client.get(f"/credit-changes/{change.pk}/edit/").status_code == 302
    response = client.post(f"/credit-changes/{change.pk}/edit/", form_data(credit_limit="1"))

    assert response.status_code == 400
    change.refresh_from_db()
    assert change.credit_limit == Decimal("100000.00")
    detail = client.get(f"/credit-changes/{change.pk}/")
    assert not detail.context["can_edit"]
    assert b"Submit for approval" not in detail.content


@pytest.mark.rule("R2")
def test_the_author_cancels_a_draft_on_its_page(client, manager, customer):
    change = credit_change(customer=customer, author=manager)
    client.force_login(manager)

    response = client.post(f"/credit-changes/{change.pk}/cancel/", follow=True)

    change.refresh_from_db()
    assert change.status == "cancelled"
    assert b"cancelled" in response.content


@pytest.mark.rule("R2", "R25")
def test_a_refused_button_shows_the_refusal_and_changes_nothing(client, manager, customer):
    change = submitted(customer, manager)
    client.force_login(manager)

    response = client.post(f"/credit-changes/{change.pk}/cancel/", follow=True)

    assert "Only a draft" in response.content.decode()
    change.refresh_from_db()
    assert change.status == "pending"


@pytest.mark.rule("R2")
def test_the_general_manager_is_sent_to_the_approval_from_a_pending_request(
    client, manager, gm, customer, django_assert_max_num_queries
):
    change = submitted(customer, manager)
    link = f'href="/approvals/{approval_id(change)}/"'

    client.force_login(gm)
    with django_assert_max_num_queries(12):
        as_gm = client.get(f"/credit-changes/{change.pk}/").content.decode()
    client.force_login(manager)
    as_author = client.get(f"/credit-changes/{change.pk}/").content.decode()

    assert link in as_gm
    assert link not in as_author
    assert "Withdraw" in as_author and "Withdraw" not in as_gm


@pytest.mark.rule("R2", "R21")
def test_the_author_withdraws_a_pending_request(client, manager, customer):
    change = submitted(customer, manager)
    client.force_login(manager)

    client.post(f"/credit-changes/{change.pk}/withdraw/")

    change.refresh_from_db()
    assert change.status == "draft"


@pytest.mark.rule("R2")
def test_the_rejection_comment_is_shown_prominently_to_the_author(
    client, api, manager, gm, customer
):
    change = submitted(customer, manager)
    api.as_user(gm).post(
        f"/api/v1/approvals/{approval_id(change)}/reject/",
        {"comment": "额度过高，请降低"},
        format="json",
    )
    client.force_login(manager)

    response = client.get(f"/credit-changes/{change.pk}/")

    html = response.content.decode()
    returned = html.split('id="returned"')[1].split("</div>")[0]
    assert 'role="alert"' in html.split('id="returned"')[0].rsplit("<div", 1)[1]
    assert "额度过高，请降低" in returned
    assert "gm.chen" in returned and "General manager" in returned
    assert response.context["can_edit"]
    decisions = html.split('class="list decisions"')[1]
    assert "Rejected" in decisions and "gm.chen" in decisions


@pytest.mark.rule("R2", "R24")
def test_the_detail_shows_current_and_proposed_values_and_the_history(client, manager, customer):
    change = credit_change(customer=customer, author=manager, limit="120000.00", risk="low")
    client.force_login(manager)

    response = client.get(f"/credit-changes/{change.pk}/")

    values = response.content.decode().split('id="values"')[1].split("</section>")[0]
    assert "Current" in values and "Proposed" in values
    assert "¥0.00" in values and "¥120,000.00" in values
    assert "High" in values and "Low" in values
    assert response.context["history"][0]["kind"] == "+"
    assert b"Not submitted yet" in response.content


@pytest.mark.rule("R2")
def test_the_list_searches_by_customer_filters_by_status_and_paginates(client, manager, customer):
    credit_change(customer=customer, author=manager)
    pending = submitted(CustomerFactory(name="苏州精密铸造厂"), manager)
    for _ in range(30):
        credit_change(customer=CustomerFactory(), author=manager)
    client.force_login(manager)

    found = client.get("/credit-changes/", {"q": "华东"})
    by_status = client.get("/credit-changes/", {"status": "pending"})
    by_customer = client.get("/credit-changes/", {"customer": customer.pk})
    second = client.get("/credit-changes/", {"page": 2})

    assert [c.customer.name for c in found.context["page_obj"]] == ["上海华东机械有限公司"]
    assert [c.pk for c in by_status.context["page_obj"]] == [pending.pk]
    assert [c.customer_id for c in by_customer.context["page_obj"]] == [customer.pk]
    assert second.context["page_obj"].number == 2
    assert len(second.context["page_obj"]) == 32 - 25


@pytest.mark.rule("R2")
def test_list_and_detail_page_query_counts_are_bounded(
    client, api, manager, gm, django_assert_max_num_queries
):
    client.force_login(manager)

    def make(n):
        for _ in range(n):
            change = submitted(CustomerFactory(), manager)
            api.as_user(gm).post(
                f"/api/v1/approvals/{approval_id(change)}/reject/", {"comment": "改"}, format="json"
            )

    make(2)
    few = queries(lambda: client.get("/credit-changes/"))
    make(20)
    many = queries(lambda: client.get("/credit-changes/"))
    assert many == few
    with django_assert_max_num_queries(12):
        client.get("/credit-changes/")

    change = CreditChangeRequest.objects.first()
    for _ in range(3):  # several submissions and decisions on one request
        credit_change_submit(actor=manager, change_id=change.pk)
        api.as_user(gm).post(
            f"/api/v1/approvals/{approval_id_latest(change)}/reject/",
            {"comment": "再改"},
            format="json",
        )
    with django_assert_max_num_queries(12):
        response = client.get(f"/credit-changes/{change.pk}/")
    assert len(response.context["approvals"]) == 4


def approval_id_latest(change) -> int:
    return (
        ApprovalRequest.objects.filter(document_type="credit_change", document_id=change.pk)
        .latest("created_at", "id")
        .pk
    )


@pytest.mark.rule("R2")
def test_customer_page_query_count_does_not_grow_with_credit_changes(
    client, manager, customer, django_assert_max_num_queries
):
    client.force_login(manager)
    credit_change(customer=customer, author=manager)
    few = queries(lambda: client.get(f"/customers/{customer.pk}/"))
    for _ in range(15):
        credit_change(customer=customer, author=manager)

    assert queries(lambda: client.get(f"/customers/{customer.pk}/")) == few
    with django_assert_max_num_queries(12):
        client.get(f"/customers/{customer.pk}/")


@pytest.mark.rule("R2")
@pytest.mark.parametrize(
    "role, shown",
    [
        ("sales_manager", True),
        ("finance", True),
        ("general_manager", True),
        ("credit_controller", True),
        ("sales_clerk", False),
        ("warehouse", False),
    ],
)
def test_the_credit_changes_menu_item_is_shown_to_the_roles_that_work_with_it(
    client, make_user, role, shown
):
    client.force_login(make_user(role))

    labels = [str(item["label"]) for item in client.get("/").context["nav_items"]]

    assert ("Credit changes" in labels) is shown

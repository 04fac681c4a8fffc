"""The approvals REST API (API.md "Every approvable document"; R21, R22, R23), driven through
credit change requests (R2), the engine's simplest document."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from approvals.models import ApprovalPolicy, ApprovalRequest, Decision, Delegation, PolicyStep
from sales.models import CreditChangeRequest
from sales.services.credit import credit_change_submit
from tests.core.test_api_foundations import assert_error_body
from tests.factories import CustomerFactory, credit_change

pytestmark = pytest.mark.django_db

INBOX = "/api/v1/approvals/?mine=pending"
ROW_FIELDS = {
    "id",
    "document_type",
    "document_id",
    "status",
    "current_steps",
    "amount",
    "customer",
    "requested_by",
    "created_at",
}
DECISION_FIELDS = {"role", "user", "decision", "comment", "decided_at"}


@pytest.fixture
def customer():
    return CustomerFactory()


@pytest.fixture
def finance(make_user):
    return make_user("finance", username="fin.qian")


def submitted(customer, author, **kwargs) -> tuple[CreditChangeRequest, ApprovalRequest]:
    change = credit_change(customer=customer, author=author, **kwargs)
    credit_change_submit(actor=author, change_id=change.pk)
    change.refresh_from_db()
    return change, change.approval_request


def set_policy(document_type: str, steps: list[tuple[int, str]]) -> None:
    """Policies are data: replace the chain of a document type."""
    policy = ApprovalPolicy.objects.get(document_type=document_type)
    policy.steps.all().delete()
    for sequence, role in steps:
        PolicyStep.objects.create(policy=policy, sequence=sequence, role=role)


def url(request: ApprovalRequest, action: str = "") -> str:
    return f"/api/v1/approvals/{request.pk}/" + (f"{action}/" if action else "")


def snapshot(request: ApprovalRequest) -> tuple:
    """What a refusal must leave as it was: decisions, the request, the document, the customer."""
    request = ApprovalRequest.objects.get(pk=request.pk)
    change = CreditChangeRequest.objects.select_related("customer").get(pk=request.document_id)
    return (
        Decision.objects.count(),
        ApprovalRequest.objects.count(),
        request.status,
        request.current_sequence,
        sorted(request.steps.values_list("sequence", "role", "status")),
        change.status,
        change.customer.credit_limit,
        change.customer.credit_days,
        change.customer.risk_level,
    )


# --- the inbox (R22) --------------------------------------------------------------------------


@pytest.mark.rule("R22")
def test_inbox_lists_what_the_caller_may_decide_now_oldest_first(
    api, customer, manager, finance, gm
):
    set_policy("credit_change", [(1, "finance"), (2, "general_manager")])
    newer_change, newer = submitted(customer, manager, limit="120000.50")
    _, older = submitted(CustomerFactory(), manager)
    ApprovalRequest.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - timedelta(days=3)
    )

    body = api.as_user(finance).get(INBOX).json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [older.pk, newer.pk]
    row = body["results"][1]
    assert set(row) >= ROW_FIELDS
    assert {name: row[name] for name in ROW_FIELDS - {"created_at"}} == {
        "id": newer.pk,
        "document_type": "credit_change",
        "document_id": newer_change.pk,
        "status": "pending",
        "current_steps": [{"sequence": 1, "role": "finance"}],
        "amount": "120000.50",
        "customer": customer.pk,
        "requested_by": "manager.wang",
    }
    assert parse_datetime(row["created_at"]) == newer.created_at
    assert api.as_user(gm).get(INBOX).json()["count"] == 0  # not their step yet
    assert api.as_user(manager).get(INBOX).json()["count"] == 0  # their own


@pytest.mark.rule("R22")
def test_inbox_follows_the_chain_as_steps_are_decided(api, customer, manager, finance, gm):
    set_policy("credit_change", [(1, "finance"), (2, "general_manager")])
    _, first = submitted(customer, manager)
    _, second = submitted(CustomerFactory(), manager)

    assert api.as_user(finance).post(url(first, "approve")).status_code == 200

    assert [r["id"] for r in api.as_user(finance).get(INBOX).json()["results"]] == [second.pk]
    gm_rows = api.as_user(gm).get(INBOX).json()["results"]
    assert [(r["id"], r["current_steps"]) for r in gm_rows] == [
        (first.pk, [{"sequence": 2, "role": "general_manager"}])
    ]


@pytest.mark.rule("R22")
def test_inbox_is_paginated(api, manager, gm):
    requests = [submitted(CustomerFactory(), manager)[1] for _ in range(3)]

    body = api.as_user(gm).get(INBOX + "&page_size=2").json()

    assert body["count"] == 3
    assert [r["id"] for r in body["results"]] == [r.pk for r in requests[:2]]
    assert body["next"] is not None and body["previous"] is None
    rest = api.as_user(gm).get(body["next"]).json()
    assert [r["id"] for r in rest["results"]] == [requests[2].pk]


@pytest.mark.rule("R22")
def test_inbox_query_count_does_not_grow_with_rows(api, manager, make_user):
    def queries_for_inbox(expected_rows: int) -> int:
        client = api.as_user(make_user("general_manager"))  # a fresh user: nothing cached
        with CaptureQueriesContext(connection) as captured:
            response = client.get(INBOX + "&page_size=50")
        assert response.status_code == 200
        assert len(response.json()["results"]) == expected_rows
        return len(captured.captured_queries)

    for _ in range(2):
        submitted(CustomerFactory(), manager)
    few = queries_for_inbox(2)
    for _ in range(23):
        submitted(CustomerFactory(), manager)

    assert queries_for_inbox(25) == few


# --- one approval, approve, reject --------------------------------------------------------------


def test_an_approval_shows_its_decisions(api, customer, manager, finance):
    set_policy("credit_change", [(1, "finance"), (2, "general_manager")])
    _, request = submitted(customer, manager)
    api.as_user(finance).post(url(request, "approve"), {"comment": "额度合理"}, format="json")

    body = api.as_user(manager).get(url(request)).json()

    assert (body["id"], body["status"]) == (request.pk, "pending")
    assert body["current_steps"] == [{"sequence": 2, "role": "general_manager"}]
    [decision] = body["decisions"]
    assert set(decision) >= DECISION_FIELDS
    assert {k: decision[k] for k in DECISION_FIELDS - {"decided_at"}} == {
        "role": "finance",
        "user": "fin.qian",
        "decision": "approved",
        "comment": "额度合理",
    }
    assert parse_datetime(decision["decided_at"]) == Decision.objects.get().decided_at


def test_approving_the_last_step_answers_the_approval_and_applies_the_change(
    api, customer, manager, gm
):
    change, request = submitted(customer, manager, limit="250000.00", days=45, risk="low")

    response = api.as_user(gm).post(url(request, "approve"), {"comment": "同意"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["current_steps"]) == (request.pk, "approved", [])
    assert [(d["user"], d["role"], d["decision"], d["comment"]) for d in body["decisions"]] == [
        ("gm.chen", "general_manager", "approved", "同意")
    ]
    change.refresh_from_db()
    customer.refresh_from_db()
    assert change.status == "approved"
    assert (customer.credit_limit, customer.credit_days, customer.risk_level) == (
        Decimal("250000.00"),
        45,
        "low",
    )


def test_approve_without_a_body_is_accepted(api, customer, manager, gm):
    _, request = submitted(customer, manager)

    response = api.as_user(gm).post(url(request, "approve"))

    assert response.status_code == 200
    assert response.json()["decisions"][0]["comment"] == ""


@pytest.mark.rule("R21")
def test_rejecting_answers_the_approval_and_returns_the_document_to_draft(
    api, customer, manager, gm
):
    change, request = submitted(customer, manager)

    response = api.as_user(gm).post(url(request, "reject"), {"comment": "额度过高"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["current_steps"]) == ("rejected", [])
    assert [(d["decision"], d["comment"]) for d in body["decisions"]] == [("rejected", "额度过高")]
    change.refresh_from_db()
    customer.refresh_from_db()
    assert change.status == "draft"
    assert customer.credit_limit == Decimal("0.00")


# --- refusals (R21): exact code, the error body, nothing written ------------------------------


@pytest.mark.rule("R21")
def test_the_requester_cannot_approve_their_own_document(api, customer, make_user):
    author = make_user("finance", "general_manager")
    _, request = submitted(customer, author)
    before = snapshot(request)

    response = api.as_user(author).post(url(request, "approve"))

    assert_error_body(response, 403, "self_approval_forbidden")
    assert snapshot(request) == before


@pytest.mark.rule("R21")
def test_the_requester_cannot_reject_their_own_document_either(api, customer, make_user):
    author = make_user("finance", "general_manager")
    _, request = submitted(customer, author)
    before = snapshot(request)

    response = api.as_user(author).post(url(request, "reject"), {"comment": "x"}, format="json")

    assert_error_body(response, 403, "self_approval_forbidden")
    assert snapshot(request) == before


@pytest.mark.rule("R21")
def test_one_person_decides_at_most_one_step(api, customer, manager, make_user):
    set_policy("credit_change", [(1, "finance"), (2, "general_manager")])
    finance_and_gm = make_user("finance", "general_manager")
    _, request = submitted(customer, manager)
    client = api.as_user(finance_and_gm)
    assert client.post(url(request, "approve")).status_code == 200
    before = snapshot(request)

    response = client.post(url(request, "approve"))

    assert_error_body(response, 403, "duplicate_approver")
    assert snapshot(request) == before
    assert before[2:4] == ("pending", 2)


@pytest.mark.rule("R21")
def test_a_role_that_is_not_the_open_steps_is_refused(api, customer, manager, finance):
    _, request = submitted(customer, manager)
    before = snapshot(request)

    response = api.as_user(finance).post(url(request, "approve"))

    assert_error_body(response, 403, "not_your_step")
    assert snapshot(request) == before


def test_a_later_step_cannot_be_decided_before_it_opens(api, customer, manager, gm):
    set_policy("credit_change", [(1, "finance"), (2, "general_manager")])
    _, request = submitted(customer, manager)
    before = snapshot(request)

    response = api.as_user(gm).post(url(request, "approve"))

    assert_error_body(response, 403, "not_your_step")
    assert snapshot(request) == before


@pytest.mark.rule("R21")
@pytest.mark.parametrize("action", ["approve", "reject"])
def test_a_decided_request_refuses_more_decisions(api, customer, manager, gm, make_user, action):
    _, request = submitted(customer, manager)
    assert api.as_user(gm).post(url(request, "approve")).status_code == 200
    before = snapshot(request)

    response = api.as_user(make_user("general_manager")).post(
        url(request, action), {"comment": "晚了"}, format="json"
    )

    assert_error_body(response, 409, "invalid_transition")
    assert snapshot(request) == before


@pytest.mark.rule("R25")
@pytest.mark.parametrize("body", [{}, {"comment": ""}, {"comment": "   "}])
def test_rejecting_without_a_comment_is_invalid_naming_the_comment(
    api, customer, manager, gm, body
):
    _, request = submitted(customer, manager)
    before = snapshot(request)

    response = api.as_user(gm).post(url(request, "reject"), body, format="json")

    error = assert_error_body(response, 400, "invalid")
    assert list(error["errors"]) == ["comment"]
    assert snapshot(request) == before


def test_an_unknown_approval_is_404(api, gm):
    assert_error_body(api.as_user(gm).post("/api/v1/approvals/999999/approve/"), 404, "not_found")
    assert_error_body(api.as_user(gm).get("/api/v1/approvals/999999/"), 404, "not_found")


# --- delegation ----------------------------------------------------------------------------------


def _delegate(api, delegator, delegate, *, role="general_manager", days=7):
    today = timezone.localdate()
    response = api.as_user(delegator).post(
        "/api/v1/delegations/",
        {
            "delegate": delegate.username,
            "role": role,
            "valid_from": today.isoformat(),
            "valid_to": (today + timedelta(days=days)).isoformat(),
        },
        format="json",
    )
    return response


@pytest.mark.rule("R21")
def test_a_delegate_approves_on_behalf_of_the_role_holder(api, customer, manager, gm, make_user):
    deputy = make_user("sales_head", username="deputy.zhao")
    change, request = submitted(customer, manager)

    created = _delegate(api, gm, deputy)

    assert created.status_code == 201, created.content
    assert {k: created.json()[k] for k in ("delegator", "delegate", "role", "revoked_at")} == {
        "delegator": "gm.chen",
        "delegate": "deputy.zhao",
        "role": "general_manager",
        "revoked_at": None,
    }
    assert [r["id"] for r in api.as_user(deputy).get(INBOX).json()["results"]] == [request.pk]
    response = api.as_user(deputy).post(url(request, "approve"))
    assert response.status_code == 200, response.content
    [decision] = response.json()["decisions"]
    assert (decision["user"], decision["on_behalf_of"], decision["role"]) == (
        "deputy.zhao",
        "gm.chen",
        "general_manager",
    )
    change.refresh_from_db()
    assert change.status == "approved"


@pytest.mark.rule("R23")
def test_a_clerk_standing_in_for_the_gm_gets_the_approval_back(api, customer, manager, gm, clerk):
    """A delegate who holds only the clerk role sees few requests (R23); the answer to their
    decision is still the approval, not a 404 for a decision that was written."""
    change, request = submitted(customer, manager)
    assert _delegate(api, gm, clerk).status_code == 201

    response = api.as_user(clerk).post(url(request, "approve"))

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"]) == (request.pk, "approved")
    assert [(d["user"], d["on_behalf_of"]) for d in body["decisions"]] == [("clerk.li", "gm.chen")]
    change.refresh_from_db()
    assert change.status == "approved"


@pytest.mark.rule("R21")
def test_after_revoking_the_delegate_may_not_decide(api, customer, manager, gm, make_user):
    deputy = make_user("sales_head", username="deputy.zhao")
    _, request = submitted(customer, manager)
    delegation_id = _delegate(api, gm, deputy).json()["id"]

    revoked = api.as_user(gm).post(f"/api/v1/delegations/{delegation_id}/revoke/")

    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert Delegation.objects.get().revoked_at is not None
    assert api.as_user(deputy).get(INBOX).json()["count"] == 0
    before = snapshot(request)
    assert_error_body(api.as_user(deputy).post(url(request, "approve")), 403, "not_your_step")
    assert snapshot(request) == before


@pytest.mark.rule("R21")
def test_only_the_delegator_revokes(api, gm, make_user):
    deputy = make_user("sales_head")
    delegation_id = _delegate(api, gm, deputy).json()["id"]

    response = api.as_user(deputy).post(f"/api/v1/delegations/{delegation_id}/revoke/")

    assert response.status_code == 404
    assert Delegation.objects.get().revoked_at is None


@pytest.mark.rule("R21")
def test_only_a_held_role_can_be_delegated(api, gm, make_user):
    response = _delegate(api, gm, make_user(), role="finance_vp")

    assert_error_body(response, 403, "permission_denied")
    assert not Delegation.objects.exists()


@pytest.mark.rule("R21")
def test_a_delegation_ending_before_it_starts_is_invalid(api, gm, make_user):
    response = _delegate(api, gm, make_user(), days=-1)

    assert_error_body(response, 400, "invalid")
    assert not Delegation.objects.exists()


# --- withdraw ----------------------------------------------------------------------------------


@pytest.mark.rule("R21")
def test_the_author_withdraws_and_the_document_is_back_in_draft(api, customer, manager, gm):
    change, request = submitted(customer, manager)

    response = api.as_user(manager).post(url(request, "withdraw"), {"comment": "再想想"})

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["current_steps"]) == ("withdrawn", [])
    change.refresh_from_db()
    assert change.status == "draft"
    assert_error_body(api.as_user(gm).post(url(request, "approve")), 409, "invalid_transition")


@pytest.mark.rule("R21")
def test_only_the_author_withdraws(api, customer, manager, gm):
    _, request = submitted(customer, manager)
    before = snapshot(request)

    response = api.as_user(gm).post(url(request, "withdraw"))

    assert_error_body(response, 403, "permission_denied")
    assert snapshot(request) == before


# --- visibility (R23) ------------------------------------------------------------------------


def _clerk_submits(clerk, customer) -> ApprovalRequest:
    """Clerks submit orders; until orders exist a clerk-authored credit change stands in (the
    submit service checks authorship, not the proposer role)."""
    change = CreditChangeRequest.objects.create(
        number=f"XY-T-{customer.pk}",
        customer=customer,
        credit_limit=Decimal("5000.00"),
        credit_days=10,
        risk_level="medium",
        reason="test",
        created_by=clerk,
    )
    credit_change_submit(actor=clerk, change_id=change.pk)
    return ApprovalRequest.objects.get(document_type="credit_change", document_id=change.pk)


@pytest.mark.rule("R21", "R23")
def test_a_clerk_lists_only_their_own_requests(api, clerk, manager, make_user):
    own = _clerk_submits(clerk, CustomerFactory(owner=clerk))
    _, others = submitted(CustomerFactory(), manager)
    _clerk_submits(make_user("sales_clerk"), CustomerFactory())

    body = api.as_user(clerk).get("/api/v1/approvals/").json()

    assert [r["id"] for r in body["results"]] == [own.pk]
    assert_error_body(api.as_user(clerk).get(url(others)), 404, "not_found")
    assert api.as_user(manager).get("/api/v1/approvals/").json()["count"] == 3


def test_the_list_filters_on_status_and_document(api, customer, manager, gm):
    change, approved = submitted(customer, manager)
    api.as_user(gm).post(url(approved, "approve"))
    _, pending = submitted(CustomerFactory(), manager)
    client = api.as_user(manager)

    assert [r["id"] for r in client.get("/api/v1/approvals/?status=pending").json()["results"]] == [
        pending.pk
    ]
    by_document = client.get(
        f"/api/v1/approvals/?document_type=credit_change&document_id={change.pk}"
    ).json()
    assert [r["id"] for r in by_document["results"]] == [approved.pk]


# --- Idempotency-Key ---------------------------------------------------------------------------


def test_a_retried_approve_with_the_same_key_replays_the_answer_and_decides_once(
    api, customer, manager, gm
):
    _, request = submitted(customer, manager)
    client = api.as_user(gm)

    first = client.post(
        url(request, "approve"), {"comment": "同意"}, format="json", HTTP_IDEMPOTENCY_KEY="a-1"
    )
    second = client.post(
        url(request, "approve"), {"comment": "同意"}, format="json", HTTP_IDEMPOTENCY_KEY="a-1"
    )

    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Decision.objects.filter(request=request).count() == 1

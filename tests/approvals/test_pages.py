"""The approval pages (R21, R22) through the Django test client: the inbox with its filters,
bulk approval and in-place (htmx) updates, one request's page with the R21 refusals shown as
messages that change nothing, and delegations. The real-browser run is tests/browser."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from approvals.models import ApprovalPolicy, ApprovalRequest, Decision, Delegation, PolicyStep
from approvals.services import approval_decide
from sales.models import CreditChangeRequest, PriceList
from sales.services.credit import credit_change_submit
from sales.services.price_lists import price_list_create, price_list_submit
from tests.factories import CustomerFactory, ProductFactory, credit_change

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def submitted(author, *, customer=None, **kwargs) -> ApprovalRequest:
    change = credit_change(customer=customer or CustomerFactory(), author=author, **kwargs)
    credit_change_submit(actor=author, change_id=change.pk)
    return CreditChangeRequest.objects.get(pk=change.pk).approval_request


def price_list_submitted(author, *, items: int = 2) -> ApprovalRequest:
    price_list = price_list_create(
        actor=author,
        name="2025年价格政策",
        valid_from=timezone.localdate(),
        items=[
            {"product": p, "list_price": Decimal("120.00"), "floor_price": Decimal("100.00")}
            for p in ProductFactory.create_batch(items)
        ],
    )
    price_list_submit(actor=author, price_list_id=price_list.pk)
    return PriceList.objects.get(pk=price_list.pk).approval_request


def set_policy(document_type: str, steps: list[tuple[int, str]]) -> None:
    """Policies are data: replace the chain of a document type."""
    policy = ApprovalPolicy.objects.get(document_type=document_type)
    policy.steps.all().delete()
    for sequence, role in steps:
        PolicyStep.objects.create(policy=policy, sequence=sequence, role=role)


def rows(response) -> list[ApprovalRequest]:
    return list(response.context["rows"])


def snapshot(request: ApprovalRequest) -> tuple:
    """What a refused action must leave as it was."""
    request.refresh_from_db()
    document = CreditChangeRequest.objects.get(pk=request.document_id)
    return (
        request.status,
        request.current_sequence,
        list(request.steps.values_list("role", "status")),
        Decision.objects.count(),
        document.status,
    )


@pytest.fixture
def as_gm(client, gm):
    client.force_login(gm)
    return client


# --- the inbox ------------------------------------------------------------------------------


@pytest.mark.rule("R22")
def test_inbox_shows_what_the_gm_may_decide_oldest_first_with_customer_amount_age(as_gm, manager):
    first = submitted(manager, customer=CustomerFactory(name="北京燕山化工有限公司"))
    second = submitted(manager, limit="250000.00")
    ApprovalRequest.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - timedelta(days=3, hours=2)
    )

    response = as_gm.get("/approvals/")

    assert response.status_code == 200
    assert rows(response) == [first, second]
    html = response.content.decode()
    assert first.document_number in html
    assert "北京燕山化工有限公司" in html
    assert "250,000.00" in html
    assert "3\xa0days" in html  # the age, as Django's timesince writes it
    assert manager.username in html
    assert "General manager" in html  # the open step's role
    assert f'href="/approvals/{first.pk}/"' in html


@pytest.mark.rule("R22")
def test_inbox_shows_nothing_the_user_may_not_decide(client, manager, make_user):
    request = submitted(manager)
    client.force_login(manager)

    assert rows(client.get("/approvals/")) == []  # their own
    client.force_login(make_user("finance"))
    assert rows(client.get("/approvals/")) == []  # not their step
    client.force_login(make_user("general_manager"))
    assert rows(client.get("/approvals/")) == [request]


@pytest.mark.rule("R22")
def test_inbox_filters_by_type_number_customer_amount_and_age(as_gm, manager):
    small = submitted(manager, customer=CustomerFactory(name="杭州西湖纺织有限公司"))
    large = submitted(manager, limit="900000.00")
    price_list = price_list_submitted(manager)
    ApprovalRequest.objects.filter(pk=small.pk).update(
        created_at=timezone.now() - timedelta(days=10)
    )

    def found(**params) -> list[ApprovalRequest]:
        return rows(as_gm.get("/approvals/", params))

    assert found() == [small, large, price_list]
    assert found(type="price_list") == [price_list]
    assert found(type="credit_change") == [small, large]
    assert found(q="西湖纺织") == [small]
    assert found(q=large.document_number) == [large]
    assert found(min_amount="500000") == [large]
    assert found(older_than="7") == [small]
    assert found(type="credit_change", older_than="7", q="杭州") == [small]


def test_a_bad_filter_value_is_shown_beside_its_field_and_not_applied(as_gm, manager):
    request = submitted(manager)

    response = as_gm.get("/approvals/", {"min_amount": "lots", "older_than": "-1"})

    assert response.status_code == 200
    assert set(response.context["filter_form"].errors) == {"min_amount", "older_than"}
    assert rows(response) == [request]


@pytest.mark.rule("R22")
def test_inbox_paginates(as_gm, manager):
    for _ in range(27):
        submitted(manager)

    first = as_gm.get("/approvals/")
    second = as_gm.get("/approvals/", {"page": 2})

    assert len(rows(first)) == 25
    assert len(rows(second)) == 2
    assert 'rel="next"' in first.content.decode()


def _queries(client, user, url: str) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.rule("R22")
def test_inbox_page_query_count_does_not_grow_with_rows(client, manager, make_user):
    for _ in range(2):
        submitted(manager)
    few = _queries(client, make_user("general_manager"), "/approvals/")
    for _ in range(22):
        submitted(manager)
    price_list_submitted(manager)  # another document type costs one query more, not one a row

    many = _queries(client, make_user("general_manager"), "/approvals/")  # 25 rows, one page

    assert many == few + 1
    assert many <= 16


def test_detail_page_query_count_does_not_grow_with_lines_or_decisions(client, make_user):
    author = make_user("sales_manager")
    few = price_list_submitted(author, items=2)
    many = price_list_submitted(author, items=25)

    gm = make_user("general_manager")
    assert _queries(client, gm, f"/approvals/{many.pk}/") == _queries(
        client, gm, f"/approvals/{few.pk}/"
    )
    assert _queries(client, gm, f"/approvals/{many.pk}/") <= 16


@pytest.mark.rule("R22")
def test_nav_shows_the_inbox_with_its_count_to_deciders_only(client, manager, gm, clerk):
    submitted(manager)
    submitted(manager)

    client.force_login(gm)
    items = {str(i["label"]): i for i in client.get("/").context["nav_items"]}
    assert items["Approvals"]["badge"] == "2"
    assert 'id="nav-badge-approvals">2</span>' in client.get("/").content.decode()

    client.force_login(clerk)
    labels = [str(i["label"]) for i in client.get("/").context["nav_items"]]
    assert "Approvals" not in labels


# --- bulk decisions from the inbox ------------------------------------------------------------


@pytest.mark.rule("R22")
def test_bulk_approve_decides_each_item_and_reports_the_one_refused(as_gm, manager, make_user):
    first, second, third = (submitted(manager) for _ in range(3))
    approval_decide(actor=make_user("general_manager"), request_id=second.pk, approve=True)

    response = as_gm.post(
        "/approvals/decide/",
        {
            "action": "approve",
            "ids": [first.pk, second.pk, third.pk],
            "comment": "同意",
            "query": "type=credit_change",
        },
        REMOTE_ADDR="10.1.2.3",
    )

    assert response.status_code == 302
    assert response["Location"] == "/approvals/?type=credit_change"
    for request in (first, third):
        request.refresh_from_db()
        decision = request.decisions.get()
        assert (request.status, decision.comment, decision.ip_address) == (
            "approved",
            "同意",
            "10.1.2.3",
        )
    assert second.decisions.count() == 1  # only the other GM's
    shown = as_gm.get(response["Location"]).content.decode()
    assert (
        f"Approved: Credit change {first.document_number}, Credit change {third.document_number}."
        in shown
    )
    assert f"Credit change {second.document_number} was not decided" in shown
    assert "invalid_transition" not in shown  # the reason in words, not the API's code
    assert CreditChangeRequest.objects.filter(status="approved").count() == 3


@pytest.mark.rule("R22")
def test_bulk_approve_with_htmx_replaces_the_rows_and_the_badge_in_place(as_gm, manager):
    first, second, third = (submitted(manager) for _ in range(3))

    response = as_gm.post(
        "/approvals/decide/",
        {"action": "approve", "ids": [first.pk, third.pk], "comment": "", "query": ""},
        **HTMX,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="inbox-panel">')  # the panel only, no layout
    assert "<html" not in html
    assert rows(response) == [second]
    assert "Approved:" in html
    assert 'id="nav-badge-approvals" hx-swap-oob="true">1</span>' in html
    assert ApprovalRequest.objects.filter(status="approved").count() == 2


@pytest.mark.rule("R22")
def test_reject_one_from_the_inbox_with_its_reason(as_gm, manager):
    request = submitted(manager)

    as_gm.post("/approvals/decide/", {"action": "reject", "ids": [request.pk], "comment": "太高"})

    request.refresh_from_db()
    assert request.status == "rejected"
    assert CreditChangeRequest.objects.get(pk=request.document_id).status == "draft"
    assert request.decisions.get().comment == "太高"


@pytest.mark.rule("R22", "R25")
def test_reject_from_the_inbox_without_a_reason_is_refused_and_writes_nothing(as_gm, manager):
    request = submitted(manager)
    before = snapshot(request)

    response = as_gm.post(
        "/approvals/decide/", {"action": "reject", "ids": [request.pk], "comment": " "}, **HTMX
    )

    assert "Say why the document is rejected." in response.content.decode()
    assert snapshot(request) == before


@pytest.mark.rule("R25")
def test_rejecting_several_at_once_is_refused_and_writes_nothing(as_gm, manager):
    first, second = submitted(manager), submitted(manager)

    response = as_gm.post(
        "/approvals/decide/",
        {"action": "reject", "ids": [first.pk, second.pk], "comment": "不行"},
        follow=True,
    )

    assert "Reject one item at a time" in response.content.decode()
    assert not Decision.objects.exists()


def test_deciding_with_nothing_selected_says_so(as_gm, manager):
    submitted(manager)

    response = as_gm.post("/approvals/decide/", {"action": "approve"}, follow=True)

    assert "Select at least one item." in response.content.decode()
    assert not Decision.objects.exists()


# --- one request: the document, its history, the R21 refusals --------------------------------


@pytest.mark.rule("R2")
def test_detail_shows_the_credit_change_current_against_proposed(as_gm, manager):
    customer = CustomerFactory(name="苏州工业园区机电有限公司")
    request = submitted(manager, customer=customer, limit="300000.00", days=60, risk="low")

    response = as_gm.get(f"/approvals/{request.pk}/")

    html = response.content.decode()
    assert response.context["may_decide"] is True
    assert response.context["may_withdraw"] is False
    assert "苏州工业园区机电有限公司" in html
    assert "¥300,000.00" in html and "¥0.00" in html  # proposed against current
    assert "增加额度" in html  # the reason
    change_id = request.document_id
    assert f'href="/credit-changes/{change_id}/"' in html  # the document's own page
    assert response.context["pdf_url"] is None
    assert f'action="/approvals/{request.pk}/decide/"' in html
    assert 'accesskey="a"' in html


@pytest.mark.rule("R6")
def test_detail_shows_the_price_list_and_its_items(as_gm, manager):
    request = price_list_submitted(manager, items=3)
    items = PriceList.objects.get(pk=request.document_id).items.select_related("product")

    html = as_gm.get(f"/approvals/{request.pk}/").content.decode()

    assert "2025年价格政策" in html
    for item in items:
        assert item.product.name in html
    assert "120.00" in html and "100.00" in html
    assert f'href="/price-lists/{request.document_id}/"' in html  # the document's own page


@pytest.mark.rule("R24")
def test_history_shows_every_decision_with_role_and_on_behalf_of(client, manager, make_user):
    set_policy("credit_change", [(1, "finance"), (2, "general_manager")])
    fin, gm, deputy = make_user("finance"), make_user("general_manager"), make_user("sales_head")
    today = timezone.localdate()
    Delegation.objects.create(
        delegator=gm, delegate=deputy, role="general_manager", valid_from=today, valid_to=today
    )
    request = submitted(manager)
    approval_decide(actor=fin, request_id=request.pk, approve=True, comment="财务同意")
    approval_decide(actor=deputy, request_id=request.pk, approve=True, comment="代批")
    client.force_login(manager)

    response = client.get(f"/approvals/{request.pk}/")

    html = response.content.decode()
    assert [(d.user, d.get_role_display()) for d in response.context["decisions"]] == [
        (fin, "Finance"),
        (deputy, "General manager"),
    ]
    assert f"on behalf of {gm.username}" in html
    assert "财务同意" in html and "代批" in html
    assert [s.status for s in response.context["steps"]] == ["approved", "approved"]
    assert response.context["may_decide"] is False


def test_the_open_steps_are_marked(as_gm, manager):
    set_policy("credit_change", [(1, "finance"), (2, "general_manager")])
    request = submitted(manager)

    response = as_gm.get(f"/approvals/{request.pk}/")

    assert [(s.role, s.status) for s in response.context["steps"]] == [
        ("finance", "open"),
        ("general_manager", "waiting"),
    ]
    assert response.context["waiting_for"] == ["Finance"]
    assert response.context["may_decide"] is False
    assert "Your decision" not in response.content.decode()


def test_approve_from_the_detail_page(as_gm, manager, gm):
    request = submitted(manager, limit="200000.00")

    response = as_gm.post(
        f"/approvals/{request.pk}/decide/",
        {"decision": "approve", "comment": "同意"},
        REMOTE_ADDR="192.168.0.9",
    )

    assert response.status_code == 302
    assert response["Location"] == "/approvals/"
    decision = Decision.objects.get()
    assert (decision.user, decision.role, decision.ip_address) == (
        gm,
        "general_manager",
        "192.168.0.9",
    )
    assert CreditChangeRequest.objects.get(pk=request.document_id).status == "approved"


def _refused(client, request, *, decision="approve", comment="") -> tuple[int, str]:
    response = client.post(
        f"/approvals/{request.pk}/decide/", {"decision": decision, "comment": comment}
    )
    return response.status_code, response.content.decode()


@pytest.mark.rule("R21", "R25")
def test_refusal_self_approval_is_shown_and_writes_nothing(client, make_user):
    both = make_user("finance", "general_manager")
    request = submitted(both)
    before = snapshot(request)
    client.force_login(both)

    status, html = _refused(client, request)

    assert status == 403
    assert "You cannot approve a document you submitted." in html
    assert "Nothing was changed." in html
    assert "self_approval_forbidden" not in html  # the code is the API's, not a word for people
    assert snapshot(request) == before


@pytest.mark.rule("R21", "R25")
def test_refusal_duplicate_approver_is_shown_and_writes_nothing(client, manager, make_user):
    set_policy("credit_change", [(1, "finance"), (2, "general_manager")])
    finance_and_gm = make_user("finance", "general_manager")
    request = submitted(manager)
    approval_decide(actor=finance_and_gm, request_id=request.pk, approve=True)
    before = snapshot(request)
    client.force_login(finance_and_gm)

    status, html = _refused(client, request)

    assert status == 403
    assert "You have already decided a step of this request." in html
    assert "Nothing was changed." in html
    assert "duplicate_approver" not in html
    assert snapshot(request) == before
    assert before[:2] == ("pending", 2)


@pytest.mark.rule("R25")
def test_refusal_not_your_step_is_shown_and_writes_nothing(client, manager, make_user):
    request = submitted(manager)
    before = snapshot(request)
    client.force_login(make_user("finance"))

    status, html = _refused(client, request)

    assert status == 403
    assert "No open step of this request is yours to decide." in html
    assert "Nothing was changed." in html
    assert "not_your_step" not in html
    assert snapshot(request) == before


@pytest.mark.rule("R25")
def test_refusal_already_decided_is_shown_and_writes_nothing(as_gm, manager, make_user):
    request = submitted(manager)
    approval_decide(actor=make_user("general_manager"), request_id=request.pk, approve=True)
    before = snapshot(request)

    status, html = _refused(as_gm, request)

    assert status == 409
    assert "This request is already Approved." in html
    assert "Nothing was changed." in html
    assert "invalid_transition" not in html
    assert snapshot(request) == before


@pytest.mark.rule("R25")
def test_reject_without_a_comment_is_shown_beside_the_field_and_writes_nothing(as_gm, manager):
    request = submitted(manager)
    before = snapshot(request)

    status, html = _refused(as_gm, request, decision="reject", comment="  ")

    assert status == 400
    assert 'id="reject-comment-error"' in html
    assert "Say why the document is rejected." in html
    assert snapshot(request) == before


@pytest.mark.rule("R21")
def test_reject_from_the_detail_page_returns_the_document_to_draft(as_gm, manager):
    request = submitted(manager)

    _refused(as_gm, request, decision="reject", comment="额度过高")

    request.refresh_from_db()
    assert request.status == "rejected"
    assert CreditChangeRequest.objects.get(pk=request.document_id).status == "draft"


@pytest.mark.rule("R21")
def test_the_author_withdraws_a_pending_request(client, manager):
    request = submitted(manager)
    client.force_login(manager)
    assert client.get(f"/approvals/{request.pk}/").context["may_withdraw"] is True

    response = client.post(f"/approvals/{request.pk}/withdraw/", {"comment": "再想想"})

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "withdrawn"
    assert CreditChangeRequest.objects.get(pk=request.document_id).status == "draft"
    assert "Withdraw the request" not in client.get(f"/approvals/{request.pk}/").content.decode()


@pytest.mark.rule("R21")
def test_someone_else_cannot_withdraw(as_gm, manager):
    request = submitted(manager)
    before = snapshot(request)

    response = as_gm.post(f"/approvals/{request.pk}/withdraw/")

    assert response.status_code == 403
    assert "Only the author may withdraw a request." in response.content.decode()
    assert snapshot(request) == before


@pytest.mark.rule("R23")
def test_a_clerk_cannot_open_a_request_they_may_not_see(client, clerk, manager):
    request = submitted(manager)
    client.force_login(clerk)

    assert client.get(f"/approvals/{request.pk}/").status_code == 404
    assert client.post(f"/approvals/{request.pk}/decide/", {"decision": "approve"}).status_code == (
        404
    )
    assert not Decision.objects.exists()


# --- delegations ------------------------------------------------------------------------------


@pytest.mark.rule("R21")
def test_delegate_a_role_then_the_delegate_approves_on_behalf_and_it_is_revoked(
    client, gm, manager, make_user
):
    deputy = make_user("sales_head", username="deputy.zhao")
    today = timezone.localdate()
    client.force_login(gm)
    form = client.get("/approvals/delegations/").context["form"]
    assert [value for value, _ in form.fields["role"].choices] == ["general_manager"]

    response = client.post(
        "/approvals/delegations/",
        {
            "role": "general_manager",
            "delegate": "deputy.zhao",
            "valid_from": today.isoformat(),
            "valid_to": (today + timedelta(days=7)).isoformat(),
        },
    )

    assert response.status_code == 302
    delegation = Delegation.objects.get()
    assert (delegation.delegator, delegation.delegate, delegation.role) == (
        gm,
        deputy,
        "general_manager",
    )

    first, second = submitted(manager), submitted(manager)
    client.force_login(deputy)
    page = client.get("/approvals/delegations/")
    assert page.context["received"] == [delegation]
    assert rows(client.get("/approvals/")) == [first, second]
    client.post(f"/approvals/{first.pk}/decide/", {"decision": "approve", "comment": "代批"})
    decision = Decision.objects.get()
    assert (decision.user, decision.on_behalf_of, decision.role) == (deputy, gm, "general_manager")
    assert f"on behalf of {gm.username}" in client.get(f"/approvals/{first.pk}/").content.decode()

    client.force_login(gm)
    client.post(f"/approvals/delegations/{delegation.pk}/revoke/")
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None
    client.force_login(deputy)
    assert rows(client.get("/approvals/")) == []
    status, html = _refused(client, second)
    assert (status, "No open step of this request is yours to decide." in html) == (403, True)


@pytest.mark.rule("R21")
def test_a_role_i_do_not_hold_cannot_be_delegated(client, gm, make_user):
    make_user(username="deputy.zhao")
    client.force_login(gm)
    today = timezone.localdate().isoformat()

    response = client.post(
        "/approvals/delegations/",
        {"role": "finance_vp", "delegate": "deputy.zhao", "valid_from": today, "valid_to": today},
    )

    assert response.status_code == 400
    assert "role" in response.context["form"].errors
    assert not Delegation.objects.exists()


@pytest.mark.rule("R21")
def test_a_delegation_ending_before_it_starts_is_refused_beside_the_end_date(client, gm, make_user):
    make_user(username="deputy.zhao")
    client.force_login(gm)
    today = timezone.localdate()

    response = client.post(
        "/approvals/delegations/",
        {
            "role": "general_manager",
            "delegate": "deputy.zhao",
            "valid_from": today.isoformat(),
            "valid_to": (today - timedelta(days=1)).isoformat(),
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors["valid_to"] == ["The end date is before the start date."]
    assert not Delegation.objects.exists()


@pytest.mark.rule("R21")
def test_only_the_delegator_revokes(client, gm, make_user):
    deputy = make_user("sales_head")
    today = timezone.localdate()
    delegation = Delegation.objects.create(
        delegator=gm, delegate=deputy, role="general_manager", valid_from=today, valid_to=today
    )
    client.force_login(deputy)

    assert client.post(f"/approvals/delegations/{delegation.pk}/revoke/").status_code == 404
    delegation.refresh_from_db()
    assert delegation.revoked_at is None


def test_a_bulk_decision_is_bounded(as_gm, manager):
    request = submitted(manager)

    response = as_gm.post(
        "/approvals/decide/",
        {"action": "approve", "ids": [request.pk, *range(100_000, 100_100)]},
        follow=True,
    )

    assert "Select at most 100 items at once." in response.content.decode()
    assert not Decision.objects.exists()

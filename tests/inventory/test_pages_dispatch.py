"""Browser pages for service dispatch and acceptance (R15): the clerk's form among their own
active contracts, the first payment shown beside the refusal `first_payment_required`, the sales
manager's approval, completion with the acceptance report number, and R23 visibility."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from approvals.models import ApprovalRequest
from contracts.services import ledger_add_collected
from inventory import services
from inventory.models import ServiceDispatch
from tests.inventory.conftest import approve

pytestmark = pytest.mark.django_db

NEXT_WEEK = timezone.localdate() + datetime.timedelta(days=7)
FIRST_PAYMENT = Decimal("147396.00")  # 368490.00 × 0.4


def _dispatch(clerk, contract, **data):
    return services.service_dispatch_create(
        actor=clerk,
        data={
            "contract": contract.pk,
            "scheduled_on": NEXT_WEEK,
            "description": "安装调试",
            **data,
        },
    )


def _collect(contract, amount=FIRST_PAYMENT):
    with transaction.atomic():
        ledger_add_collected(contract_id=contract.pk, amount=Decimal(amount))


def _page(client, user, path):
    client.force_login(user)
    response = client.get(path)
    return response, response.content.decode()


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_the_list_renders_for_clerk_and_manager_with_new_for_clerks_only(
    client, clerk, manager, contract
):
    dispatch = _dispatch(clerk, contract)

    response, body = _page(client, clerk, "/service-dispatches/")
    assert response.status_code == 200
    assert [d.pk for d in response.context["page_obj"]] == [dispatch.pk]
    assert 'id="new-dispatch"' in body

    response, body = _page(client, manager, "/service-dispatches/")
    assert response.status_code == 200 and dispatch.number in body
    assert 'id="new-dispatch"' not in body


@pytest.mark.rule("R15")
def test_the_clerk_prepares_and_edits_a_dispatch_through_the_form(client, clerk, contract):
    page, _ = _page(client, clerk, f"/service-dispatches/new/?contract={contract.pk}")
    assert page.status_code == 200
    assert page.context["form"]["contract"].value() == contract.pk

    created = client.post(
        "/service-dispatches/new/",
        {
            "contract": contract.pk,
            "scheduled_on": NEXT_WEEK.isoformat(),
            "description": "现场安装",
        },
    )

    dispatch = ServiceDispatch.objects.get()
    assert created.status_code == 302
    assert created["Location"] == f"/service-dispatches/{dispatch.pk}/"
    assert dispatch.status == "draft" and dispatch.created_by == clerk

    assert client.get(f"/service-dispatches/{dispatch.pk}/edit/").status_code == 200
    edited = client.post(
        f"/service-dispatches/{dispatch.pk}/edit/",
        {"scheduled_on": "2030-01-02", "description": "现场安装及培训"},
    )
    assert edited.status_code == 302
    dispatch.refresh_from_db()
    assert dispatch.scheduled_on == datetime.date(2030, 1, 2)
    assert dispatch.description == "现场安装及培训"


@pytest.mark.rule("R25")
def test_bad_input_names_the_field_and_writes_nothing_r25(client, clerk, contract):
    client.force_login(clerk)

    response = client.post(
        "/service-dispatches/new/",
        {"contract": contract.pk, "scheduled_on": "not a date", "description": ""},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["scheduled_on"]

    response = client.post(
        "/service-dispatches/new/",
        {"contract": contract.pk, "scheduled_on": NEXT_WEEK.isoformat(), "description": " "},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["description"] == ["Describe the service to be done."]
    assert not ServiceDispatch.objects.exists()


def test_only_clerks_open_the_form_403(client, planner, manager, contract):
    for user in (planner, manager):
        client.force_login(user)
        assert client.get("/service-dispatches/new/").status_code == 403
        posted = client.post(
            "/service-dispatches/new/",
            {"contract": contract.pk, "scheduled_on": NEXT_WEEK.isoformat(), "description": "x"},
        )
        assert posted.status_code == 403
    assert not ServiceDispatch.objects.exists()


@pytest.mark.rule("R15", "R23")
def test_another_clerks_dispatch_is_404_and_their_contract_cannot_be_chosen_r23(
    client, clerk, contract, make_user
):
    dispatch = _dispatch(clerk, contract)
    other = make_user("sales_clerk", username="clerk.other")
    client.force_login(other)

    for path in (f"/service-dispatches/{dispatch.pk}/", f"/service-dispatches/{dispatch.pk}/edit/"):
        assert client.get(path).status_code == 404, path
    for action in ("submit", "cancel", "complete"):
        assert client.post(f"/service-dispatches/{dispatch.pk}/{action}/").status_code == 404
    assert list(client.get("/service-dispatches/").context["page_obj"]) == []
    form = client.get("/service-dispatches/new/").context["form"]
    assert list(form.fields["contract"].queryset) == []

    response = client.post(
        "/service-dispatches/new/",
        {"contract": contract.pk, "scheduled_on": NEXT_WEEK.isoformat(), "description": "x"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["contract"]
    dispatch.refresh_from_db()
    assert dispatch.status == "draft"
    assert ServiceDispatch.objects.count() == 1


@pytest.mark.rule("R15")
def test_submit_before_the_first_payment_is_refused_and_the_page_shows_why_r15(
    client, clerk, contract
):
    _collect(contract, "1000.00")
    dispatch = _dispatch(clerk, contract)

    response, body = _page(client, clerk, f"/service-dispatches/{dispatch.pk}/")
    assert response.context["first_payment"] == FIRST_PAYMENT
    assert response.context["collected"] == Decimal("1000.00")
    assert not response.context["first_payment_in"]
    assert "147,396.00" in body and "1,000.00" in body
    assert 'id="submit"' in body and 'id="cancel"' in body and 'id="edit"' in body

    refused = client.post(f"/service-dispatches/{dispatch.pk}/submit/", follow=True)

    assert "the first payment of 147,396.00 must be in" in _messages(refused)
    dispatch.refresh_from_db()
    assert dispatch.status == "draft"
    assert not ApprovalRequest.objects.filter(
        document_type="service_dispatch", document_id=dispatch.pk
    ).exists()


def test_submit_approve_and_complete_with_the_acceptance_report(client, clerk, manager, contract):
    _collect(contract)
    dispatch = _dispatch(clerk, contract)
    client.force_login(clerk)

    submitted = client.post(f"/service-dispatches/{dispatch.pk}/submit/", follow=True)
    assert "submitted to the sales manager" in _messages(submitted)
    dispatch.refresh_from_db()
    assert dispatch.status == "submitted"
    _, body = _page(client, clerk, f"/service-dispatches/{dispatch.pk}/")
    assert 'id="submit"' not in body and 'id="decide"' not in body

    _, body = _page(client, manager, f"/service-dispatches/{dispatch.pk}/")
    assert 'id="decide"' in body and 'id="submit"' not in body
    approval = client.get(f"/approvals/{dispatch.approval_request.pk}/")
    assert approval.status_code == 200
    assert dispatch.number in approval.content.decode()
    assert "147,396.00" in approval.content.decode()

    approve(dispatch, manager)
    _, body = _page(client, clerk, f"/service-dispatches/{dispatch.pk}/")
    assert 'id="complete"' in body

    missing = client.post(f"/service-dispatches/{dispatch.pk}/complete/", {})
    assert missing.status_code == 400
    assert missing.context["complete_form"].errors["acceptance_report_no"]
    dispatch.refresh_from_db()
    assert dispatch.status == "approved"

    done = client.post(
        f"/service-dispatches/{dispatch.pk}/complete/", {"acceptance_report_no": "YS-2026-01"}
    )
    assert done.status_code == 302
    dispatch.refresh_from_db()
    assert dispatch.status == "completed" and dispatch.acceptance_report_no == "YS-2026-01"
    _, body = _page(client, clerk, f"/service-dispatches/{dispatch.pk}/")
    assert 'id="complete"' not in body and "YS-2026-01" in body


def test_the_manager_sees_no_clerk_buttons_and_a_draft_shows_no_complete_form(
    client, clerk, manager, contract
):
    dispatch = _dispatch(clerk, contract)

    response, body = _page(client, manager, f"/service-dispatches/{dispatch.pk}/")

    assert response.status_code == 200
    assert 'id="submit"' not in body and 'id="edit"' not in body and 'id="complete"' not in body


@pytest.mark.rule("R25")
def test_completing_a_draft_is_refused_and_changes_nothing(client, clerk, contract):
    dispatch = _dispatch(clerk, contract)
    client.force_login(clerk)

    response = client.post(
        f"/service-dispatches/{dispatch.pk}/complete/", {"acceptance_report_no": "YS-1"}
    )

    assert response.status_code == 409
    assert "cannot be completed" in response.content.decode()
    dispatch.refresh_from_db()
    assert dispatch.status == "draft" and dispatch.acceptance_report_no == ""


def test_the_clerk_cancels_a_draft_and_it_is_no_longer_edited(client, clerk, contract):
    dispatch = _dispatch(clerk, contract)
    client.force_login(clerk)

    assert client.post(f"/service-dispatches/{dispatch.pk}/cancel/").status_code == 302

    dispatch.refresh_from_db()
    assert dispatch.status == "cancelled"
    assert client.get(f"/service-dispatches/{dispatch.pk}/edit/").status_code == 302
    assert client.post(f"/service-dispatches/{dispatch.pk}/explode/").status_code == 404

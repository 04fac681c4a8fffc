"""Policies are data, edited in the admin (R21); requests keep the steps they started with."""

import pytest
from django.contrib.auth.models import Permission

from approvals.models import ApprovalPolicy, PolicyStep
from sales.services.credit import credit_change_submit
from tests.factories import CustomerFactory, credit_change

pytestmark = pytest.mark.django_db


def _policy_form(policy, steps):
    data = {
        "document_type": policy.document_type,
        "name": policy.name,
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for i, (sequence, role) in enumerate(steps):
        data.update(
            {
                f"steps-{i}-sequence": sequence,
                f"steps-{i}-role": role,
                f"steps-{i}-min_amount": "",
                f"steps-{i}-policy": policy.pk,
            }
        )
    return data


def test_gm_adds_a_step_in_the_admin_and_new_submissions_follow_it(client, make_user, manager):
    gm = make_user("general_manager", is_staff=True)
    gm.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="approvals", codename__contains="pol")
    )
    policy = ApprovalPolicy.objects.get(document_type="credit_change")
    in_flight = credit_change(customer=CustomerFactory(), author=manager)
    credit_change_submit(actor=manager, change_id=in_flight.pk)
    policy.steps.all().delete()
    client.force_login(gm)

    response = client.post(
        f"/admin/approvals/approvalpolicy/{policy.pk}/change/",
        _policy_form(policy, [(1, "finance"), (2, "general_manager")]),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(PolicyStep.objects.filter(policy=policy).values_list("sequence", "role")) == [
        (1, "finance"),
        (2, "general_manager"),
    ]
    fresh = credit_change(customer=CustomerFactory(), author=manager)
    credit_change_submit(actor=manager, change_id=fresh.pk)
    fresh.refresh_from_db()
    in_flight.refresh_from_db()
    assert [s.role for s in fresh.approval_request.steps.all()] == ["finance", "general_manager"]
    assert [s.role for s in in_flight.approval_request.steps.all()] == ["general_manager"]


def test_a_clerk_with_staff_access_cannot_edit_policies(client, make_user):
    clerk = make_user("sales_clerk", is_staff=True)
    client.force_login(clerk)
    policy = ApprovalPolicy.objects.get(document_type="order")

    response = client.post(
        f"/admin/approvals/approvalpolicy/{policy.pk}/change/",
        _policy_form(policy, [(1, "sales_clerk")]),
    )

    assert response.status_code == 403
    assert list(policy.steps.values_list("role", flat=True)) == [
        "sales_manager",
        "credit_controller",
        "general_manager",
    ]


@pytest.mark.rule("R24")
def test_approval_requests_are_read_only_in_the_admin(client, make_user, manager):
    change = credit_change(customer=CustomerFactory(), author=manager)
    credit_change_submit(actor=manager, change_id=change.pk)
    client.force_login(make_user(is_superuser=True, is_staff=True))
    request_id = change.approval_request.pk

    page = client.get(f"/admin/approvals/approvalrequest/{request_id}/change/")
    delete = client.post(f"/admin/approvals/approvalrequest/{request_id}/delete/", {"post": "yes"})

    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    assert delete.status_code == 403

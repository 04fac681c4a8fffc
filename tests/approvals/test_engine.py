"""The approval engine at the service layer (R21), driven through its first document, the
credit change request (R2)."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from approvals import selectors, services
from approvals.models import (
    ApprovalPolicy,
    ApprovalRequest,
    Decision,
    Delegation,
    PolicyStep,
)
from core.errors import InvalidInput, PermissionRefused, RuleViolation
from sales.models import CreditChangeRequest
from sales.services.credit import credit_change_submit, credit_change_update
from tests.factories import CustomerFactory, credit_change

pytestmark = pytest.mark.django_db


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


def set_policy(document_type: str, steps: list[tuple]) -> None:
    """Policies are data: replace the chain of a document type."""
    policy = ApprovalPolicy.objects.get(document_type=document_type)
    policy.steps.all().delete()
    for sequence, role, *rest in steps:
        min_amount = rest[0] if rest else None
        only_on_hold = rest[1] if len(rest) > 1 else False
        PolicyStep.objects.create(
            policy=policy,
            sequence=sequence,
            role=role,
            min_amount=min_amount,
            only_on_hold=only_on_hold,
        )


@pytest.mark.rule("R21")
def test_submit_opens_the_gm_step_and_approval_applies_the_change(customer, manager, gm):
    change, request = submitted(customer, manager, limit="250000.00", days=45, risk="low")

    assert change.status == "pending"
    assert [(s.sequence, s.role, s.status) for s in request.steps.all()] == [
        (1, "general_manager", "open")
    ]
    services.approval_decide(actor=gm, request_id=request.pk, approve=True, comment="同意")

    change.refresh_from_db()
    customer.refresh_from_db()
    request.refresh_from_db()
    assert request.status == "approved"
    assert change.status == "approved"
    assert (customer.credit_limit, customer.credit_days, customer.risk_level) == (
        Decimal("250000.00"),
        45,
        "low",
    )
    assert (change.previous_credit_limit, change.previous_risk_level) == (Decimal("0"), "high")
    decision = request.decisions.get()
    assert (decision.user, decision.role, decision.comment) == (gm, "general_manager", "同意")


@pytest.mark.rule("R21")
def test_requester_never_approves_own_document(customer, make_user):
    both = make_user("finance", "general_manager")
    _, request = submitted(customer, both)

    with pytest.raises(PermissionRefused) as refused:
        services.approval_decide(actor=both, request_id=request.pk, approve=True)

    assert refused.value.code == "self_approval_forbidden"
    assert not Decision.objects.exists()


@pytest.mark.rule("R21")
def test_a_role_that_is_not_the_steps_is_refused(customer, manager, finance):
    _, request = submitted(customer, manager)

    with pytest.raises(PermissionRefused) as refused:
        services.approval_decide(actor=finance, request_id=request.pk, approve=True)

    assert refused.value.code == "not_your_step"
    request.refresh_from_db()
    assert request.status == "pending"


@pytest.mark.rule("R21")
def test_one_person_decides_at_most_one_step(customer, manager, make_user):
    set_policy("credit_change", [(1, "finance"), (2, "general_manager")])
    finance_and_gm = make_user("finance", "general_manager")
    _, request = submitted(customer, manager)
    services.approval_decide(actor=finance_and_gm, request_id=request.pk, approve=True)

    with pytest.raises(PermissionRefused) as refused:
        services.approval_decide(actor=finance_and_gm, request_id=request.pk, approve=True)

    assert refused.value.code == "duplicate_approver"
    request.refresh_from_db()
    assert (request.status, request.current_sequence) == ("pending", 2)


@pytest.mark.rule("R21")
def test_a_tier_is_not_done_after_one_approver(customer, manager, finance, gm):
    set_policy("credit_change", [(1, "finance"), (2, "general_manager")])
    change, request = submitted(customer, manager)

    services.approval_decide(actor=finance, request_id=request.pk, approve=True)

    change.refresh_from_db()
    request.refresh_from_db()
    assert change.status == "pending"
    assert [s.role for s in request.steps.filter(status="open")] == ["general_manager"]
    services.approval_decide(actor=gm, request_id=request.pk, approve=True)
    change.refresh_from_db()
    assert change.status == "approved"


@pytest.mark.rule("R8", "R21")
def test_co_signers_sign_in_either_order_and_both_are_required(customer, manager, make_user, gm):
    set_policy("credit_change", [(1, "sales_head"), (1, "finance")])
    head, fin = make_user("sales_head"), make_user("finance")
    change, request = submitted(customer, manager)

    services.approval_decide(actor=fin, request_id=request.pk, approve=True)
    change.refresh_from_db()
    assert change.status == "pending"
    services.approval_decide(actor=head, request_id=request.pk, approve=True)

    change.refresh_from_db()
    assert change.status == "approved"
    assert sorted(request.decisions.values_list("role", flat=True)) == ["finance", "sales_head"]


@pytest.mark.rule("R21")
def test_rejection_returns_the_document_to_draft_with_the_comment(customer, manager, gm):
    change, request = submitted(customer, manager)

    services.approval_decide(actor=gm, request_id=request.pk, approve=False, comment="额度过高")

    change.refresh_from_db()
    customer.refresh_from_db()
    assert change.status == "draft"
    assert customer.credit_limit == Decimal("0.00")
    assert change.approval_request.decisions.get().comment == "额度过高"
    assert change.approval_request.status == "rejected"


@pytest.mark.rule("R21")
def test_rejection_needs_a_comment(customer, manager, gm):
    _, request = submitted(customer, manager)

    with pytest.raises(InvalidInput) as refused:
        services.approval_decide(actor=gm, request_id=request.pk, approve=False, comment=" ")

    assert "comment" in refused.value.errors
    assert not Decision.objects.exists()


@pytest.mark.rule("R21")
def test_resubmitting_after_rejection_starts_a_new_request(customer, manager, gm):
    change, first = submitted(customer, manager)
    services.approval_decide(actor=gm, request_id=first.pk, approve=False, comment="改一下")
    credit_change_update(actor=manager, change_id=change.pk, credit_limit=Decimal("80000"))

    credit_change_submit(actor=manager, change_id=change.pk)

    second = CreditChangeRequest.objects.get(pk=change.pk).approval_request
    assert second.pk != first.pk
    assert second.status == "pending"
    assert second.amount == Decimal("80000.00")


@pytest.mark.rule("R21")
def test_a_submitted_document_cannot_be_edited(customer, manager):
    change, _ = submitted(customer, manager)

    with pytest.raises(RuleViolation) as refused:
        credit_change_update(actor=manager, change_id=change.pk, credit_limit=Decimal("1"))

    assert refused.value.code == "invalid_transition"
    change.refresh_from_db()
    assert change.credit_limit == Decimal("100000.00")


@pytest.mark.rule("R21")
def test_a_document_cannot_be_submitted_twice(customer, manager):
    change, _ = submitted(customer, manager)

    with pytest.raises(RuleViolation):
        credit_change_submit(actor=manager, change_id=change.pk)

    assert ApprovalRequest.objects.count() == 1


@pytest.mark.rule("R21")
def test_the_author_withdraws_and_the_document_is_back_in_draft(customer, manager, gm):
    change, request = submitted(customer, manager)

    services.approval_withdraw(actor=manager, request_id=request.pk, comment="再想想")

    change.refresh_from_db()
    request.refresh_from_db()
    assert (change.status, request.status) == ("draft", "withdrawn")
    with pytest.raises(RuleViolation):
        services.approval_decide(actor=gm, request_id=request.pk, approve=True)


@pytest.mark.rule("R21")
def test_only_the_author_withdraws(customer, manager, gm):
    _, request = submitted(customer, manager)

    with pytest.raises(PermissionRefused):
        services.approval_withdraw(actor=gm, request_id=request.pk)

    request.refresh_from_db()
    assert request.status == "pending"


@pytest.mark.rule("R21")
def test_a_decided_request_refuses_more_decisions(customer, manager, gm, make_user):
    _, request = submitted(customer, manager)
    services.approval_decide(actor=gm, request_id=request.pk, approve=True)

    with pytest.raises(RuleViolation) as refused:
        services.approval_decide(
            actor=make_user("general_manager"), request_id=request.pk, approve=True
        )

    assert refused.value.code == "invalid_transition"
    assert request.decisions.count() == 1


@pytest.mark.rule("R21")
def test_the_document_transition_is_reachable_only_through_the_engine(customer, manager):
    change, _ = submitted(customer, manager)

    with pytest.raises(TransitionNotAllowed):
        change.approve()
    with pytest.raises(TransitionNotAllowed):
        change.return_to_draft()


@pytest.mark.rule("R21")
def test_status_cannot_be_assigned_directly(customer, manager):
    change = credit_change(customer=customer, author=manager)

    with pytest.raises(AttributeError):
        change.status = "approved"


# --- delegation -----------------------------------------------------------------------------


@pytest.mark.rule("R21")
def test_a_delegate_decides_on_behalf_of_the_role_holder(customer, manager, gm, make_user):
    deputy = make_user("sales_head", username="deputy")
    today = timezone.localdate()
    Delegation.objects.create(
        delegator=gm,
        delegate=deputy,
        role="general_manager",
        valid_from=today,
        valid_to=today + timedelta(days=7),
    )
    change, request = submitted(customer, manager)

    assert list(selectors.inbox_for(user=deputy)) == [request]
    services.approval_decide(actor=deputy, request_id=request.pk, approve=True)

    decision = request.decisions.get()
    assert (decision.user, decision.on_behalf_of, decision.role) == (deputy, gm, "general_manager")
    change.refresh_from_db()
    assert change.status == "approved"


@pytest.mark.rule("R21")
def test_a_delegation_outside_its_dates_gives_nothing(customer, manager, gm, make_user):
    deputy = make_user("sales_head")
    today = timezone.localdate()
    Delegation.objects.create(
        delegator=gm,
        delegate=deputy,
        role="general_manager",
        valid_from=today - timedelta(days=10),
        valid_to=today - timedelta(days=1),
    )
    _, request = submitted(customer, manager)

    with pytest.raises(PermissionRefused) as refused:
        services.approval_decide(actor=deputy, request_id=request.pk, approve=True)

    assert refused.value.code == "not_your_step"
    assert list(selectors.inbox_for(user=deputy)) == []


@pytest.mark.rule("R21")
def test_a_delegate_cannot_approve_the_delegators_own_document(customer, make_user):
    author = make_user("finance", "general_manager")
    deputy = make_user("sales_head")
    today = timezone.localdate()
    Delegation.objects.create(
        delegator=author, delegate=deputy, role="general_manager", valid_from=today, valid_to=today
    )
    _, request = submitted(customer, author)

    with pytest.raises(PermissionRefused) as refused:
        services.approval_decide(actor=deputy, request_id=request.pk, approve=True)

    assert refused.value.code == "self_approval_forbidden"


@pytest.mark.rule("R21")
def test_only_a_held_role_can_be_delegated(gm, make_user):
    with pytest.raises(PermissionRefused):
        services.delegation_create(
            actor=gm,
            delegate=make_user(),
            role="finance_vp",
            valid_from=timezone.localdate(),
            valid_to=timezone.localdate(),
        )


@pytest.mark.rule("R21")
def test_a_delegation_range_must_be_in_order(gm, make_user):
    today = timezone.localdate()

    with pytest.raises(InvalidInput):
        services.delegation_create(
            actor=gm,
            delegate=make_user(),
            role="general_manager",
            valid_from=today,
            valid_to=today - timedelta(days=1),
        )

    assert not Delegation.objects.exists()


# --- conditions --------------------------------------------------------------------------


@pytest.mark.rule("R21")
def test_a_step_with_a_minimum_amount_applies_only_from_that_amount(customer, manager):
    set_policy("credit_change", [(1, "general_manager"), (2, "finance_vp", Decimal("500000"))])

    _, small = submitted(customer, manager, limit="100000.00")
    _, large = submitted(CustomerFactory(), manager, limit="500000.00")

    assert [s.role for s in small.steps.all()] == ["general_manager"]
    assert [s.role for s in large.steps.all()] == ["general_manager", "finance_vp"]


# --- the inbox ------------------------------------------------------------------------------


@pytest.mark.rule("R21", "R22")
def test_inbox_shows_what_the_user_may_decide_now_oldest_first(customer, manager, gm, finance):
    set_policy("credit_change", [(1, "finance"), (2, "general_manager")])
    _, first = submitted(customer, manager)
    _, second = submitted(CustomerFactory(), manager)

    assert list(selectors.inbox_for(user=finance)) == [first, second]
    assert list(selectors.inbox_for(user=gm)) == []  # not their step yet
    assert list(selectors.inbox_for(user=manager)) == []  # their own
    services.approval_decide(actor=finance, request_id=first.pk, approve=True)
    assert list(selectors.inbox_for(user=finance)) == [second]
    assert list(selectors.inbox_for(user=gm)) == [first]
    assert selectors.inbox_count(user=gm) == 1


@pytest.mark.rule("R21", "R22")
def test_inbox_query_count_does_not_grow_with_rows(manager, make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_inbox(expected_rows: int) -> int:
        gm = make_user("general_manager")  # a fresh user: nothing cached
        with CaptureQueriesContext(connection) as captured:
            assert len(list(selectors.inbox_for(user=gm))) == expected_rows
        return len(captured.captured_queries)

    for _ in range(2):
        submitted(CustomerFactory(), manager)
    few = queries_for_inbox(2)
    for _ in range(25):
        submitted(CustomerFactory(), manager)

    assert queries_for_inbox(27) == few <= 6


# --- immutable decisions ----------------------------------------------------------------------


@pytest.mark.rule("R21")
def test_decisions_cannot_be_changed_or_deleted(customer, manager, gm):
    _, request = submitted(customer, manager)
    services.approval_decide(actor=gm, request_id=request.pk, approve=True, comment="ok")
    decision = request.decisions.get()

    decision.comment = "changed"
    with pytest.raises(RuntimeError):
        decision.save()
    with pytest.raises(RuntimeError):
        decision.delete()


@pytest.mark.rule("R21")
@pytest.mark.postgres
def test_the_database_refuses_to_update_a_decision(customer, manager, gm):
    from django.db import DatabaseError, transaction

    _, request = submitted(customer, manager)
    services.approval_decide(actor=gm, request_id=request.pk, approve=True, comment="ok")

    with pytest.raises(DatabaseError), transaction.atomic():
        Decision.objects.update(comment="rewritten")

    assert Decision.objects.get().comment == "ok"


# --- concurrency ------------------------------------------------------------------------------


@pytest.mark.rule("R21")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_approvers_deciding_the_last_step_at_once_move_the_document_once(make_user):
    manager = make_user("sales_manager")
    gms = [make_user("general_manager") for _ in range(2)]
    customer = CustomerFactory()
    change, request = submitted(customer, manager, limit="300000.00")
    start = threading.Barrier(len(gms))
    outcomes: list[str] = []

    def decide(user):
        try:
            start.wait()
            services.approval_decide(actor=user, request_id=request.pk, approve=True)
            outcomes.append("approved")
        except RuleViolation as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(user,)) for user in gms]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["approved", "invalid_transition"]
    assert Decision.objects.filter(request=request).count() == 1
    change.refresh_from_db()
    assert change.status == "approved"
    assert customer.history.filter(credit_limit=Decimal("300000.00")).count() == 1


@pytest.mark.rule("R21", "R22")
def test_inbox_count_can_stop_counting_at_a_limit(customer, manager, gm):
    for _ in range(3):
        submitted(CustomerFactory(), manager)

    assert selectors.inbox_count(user=gm) == 3
    assert selectors.inbox_count(user=gm, limit=2) == 2

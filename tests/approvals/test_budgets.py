"""Query budgets of the approval engine (issue 14 items 6 and 8): opening a request, deciding a
step and telling the approvers cost a fixed number of queries, however many requests,
decisions and approvers the database already holds; and the one-query approvers are the same
people `approval_may_decide` names one by one (R21, R22)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from approvals import selectors, services
from approvals.models import ApprovalRequest, Delegation, Notification
from approvals.services import notifications
from core.errors import RuleViolation
from sales.models import CreditChangeRequest
from tests.approvals.test_engine import set_policy, submitted
from tests.factories import CustomerFactory, credit_change

pytestmark = pytest.mark.django_db

User = get_user_model()


def history(manager, gm, *, requests: int) -> None:
    """Earlier requests of every outcome: approved, rejected, pending."""
    for n in range(requests):
        _, request = submitted(CustomerFactory(), manager)
        if n % 3 == 0:
            services.approval_decide(actor=gm, request_id=request.pk, approve=True)
        elif n % 3 == 1:
            services.approval_decide(actor=gm, request_id=request.pk, approve=False, comment="否")


def statements(captured: CaptureQueriesContext) -> list[str]:
    """The queries, without the savepoints that stand for the transactions in a test."""
    return [
        q["sql"]
        for q in captured.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))
    ]


def fresh(user):
    """The user as an API call sees it: loaded anew, their roles not yet read."""
    return User.objects.get(pk=user.pk)


def decide_queries(actor, request: ApprovalRequest, **kwargs) -> list[str]:
    actor = fresh(actor)
    with CaptureQueriesContext(connection) as captured:
        services.approval_decide(actor=actor, request_id=request.pk, **kwargs)
    return statements(captured)


@pytest.fixture
def no_hooks(monkeypatch):
    """The document's own hooks (another app's queries) left out of the engine's budget."""
    monkeypatch.setattr(CreditChangeRequest, "approval_granted", lambda self, **kw: None)
    monkeypatch.setattr(CreditChangeRequest, "approval_returned", lambda self, **kw: None)


# --- opening a request -------------------------------------------------------------------------


@pytest.mark.rule("R21")
@pytest.mark.parametrize("earlier", [0, 12])
def test_opening_a_request_costs_three_queries(manager, gm, earlier):
    history(manager, gm, requests=earlier)
    set_policy("credit_change", [(1, "finance"), (1, "sales_head"), (2, "general_manager")])
    change = credit_change(customer=CustomerFactory(), author=manager)
    change = CreditChangeRequest.objects.select_related("customer").get(pk=change.pk)

    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        request = services.approval_request_open(document=change, actor=manager)

    # The policy's steps; the request, inserted with its current sequence; its steps.
    assert len(statements(captured)) == 3
    assert request.current_sequence == 1
    assert [(s.sequence, s.role, s.status) for s in request.steps.all()] == [
        (1, "finance", "open"),
        (1, "sales_head", "open"),
        (2, "general_manager", "waiting"),
    ]


@pytest.mark.rule("R21")
def test_a_policy_with_no_applicable_step_approves_at_once(manager, mailoutbox):
    set_policy("credit_change", [(1, "general_manager", Decimal("500000"))])

    change, request = submitted(CustomerFactory(), manager, limit="100000.00")

    assert (request.status, request.current_sequence) == ("approved", None)
    assert request.closed_at is not None
    assert not request.steps.exists()
    assert change.status == "approved"  # the hook ran, its guard saw the approval


@pytest.mark.rule("R21")
def test_a_second_pending_request_for_a_document_is_refused(manager):
    change = credit_change(customer=CustomerFactory(), author=manager)
    with transaction.atomic():
        services.approval_request_open(document=change, actor=manager)

    with pytest.raises(RuleViolation) as refused, transaction.atomic():
        services.approval_request_open(document=change, actor=manager)

    assert refused.value.code == "invalid_transition"
    assert ApprovalRequest.objects.filter(document_id=change.pk).count() == 1


# --- deciding ---------------------------------------------------------------------------------


@pytest.mark.rule("R21")
@pytest.mark.parametrize("earlier", [0, 12])
def test_deciding_costs_a_fixed_number_of_queries(
    manager, gm, make_user, django_capture_on_commit_callbacks, no_hooks, earlier
):
    history(manager, gm, requests=earlier)
    set_policy("credit_change", [(1, "finance"), (1, "sales_head"), (2, "general_manager")])
    fin, head = make_user("finance"), make_user("sales_head")
    _, request = submitted(CustomerFactory(), manager)

    # Each: the actor's roles; the request's document; the document locked; the request locked
    # with its steps and who decided them; the decision; the steps' statuses in one update ...
    first_cosigner = decide_queries(fin, request, approve=True)
    assert len(first_cosigner) == 6
    # ... and, when a sequence is done, the request's current sequence (or its status).
    with django_capture_on_commit_callbacks() as callbacks:
        last_cosigner = decide_queries(head, request, approve=True)
    assert len(last_cosigner) == 7
    assert len(callbacks) == 1  # the next step's approvers are told after the commit
    last = decide_queries(gm, request, approve=True)
    assert len(last) == 7
    request.refresh_from_db()
    assert request.status == "approved"


@pytest.mark.rule("R21")
@pytest.mark.parametrize("earlier", [0, 12])
def test_a_rejection_costs_a_fixed_number_of_queries(
    manager, gm, make_user, django_capture_on_commit_callbacks, no_hooks, earlier
):
    history(manager, gm, requests=earlier)
    set_policy("credit_change", [(1, "finance"), (1, "sales_head"), (2, "general_manager")])
    _, request = submitted(CustomerFactory(), manager)

    with django_capture_on_commit_callbacks() as callbacks:
        queries = decide_queries(make_user("finance"), request, approve=False, comment="不行")

    # The decided step rejected and the others closed in one update.
    assert len(queries) == 7
    assert len(callbacks) == 1  # the author is told after the commit
    request.refresh_from_db()
    assert request.status == "rejected"
    assert sorted(request.steps.values_list("role", "status")) == [
        ("finance", "rejected"),
        ("general_manager", "closed"),
        ("sales_head", "closed"),
    ]


@pytest.mark.rule("R21")
@pytest.mark.parametrize("earlier", [0, 12])
def test_a_delegate_decides_with_one_query_more(manager, gm, make_user, no_hooks, earlier):
    history(manager, gm, requests=earlier)
    deputy = make_user("sales_head")
    today = timezone.localdate()
    Delegation.objects.create(
        delegator=gm, delegate=deputy, role="general_manager", valid_from=today, valid_to=today
    )
    _, request = submitted(CustomerFactory(), manager)

    assert len(decide_queries(deputy, request, approve=True)) == 8  # + the delegations


@pytest.mark.rule("R21")
def test_the_documents_hook_does_not_read_the_request_again(manager, gm):
    """The hook's transition guard reads the request the engine holds (approvals.documents
    `approval_held`): the only plain read of the request is the one that finds its document."""
    change, request = submitted(CustomerFactory(), manager)

    queries = decide_queries(gm, request, approve=True)

    reads = [q for q in queries if q.startswith('SELECT "approvals_approvalrequest"')]
    assert len(reads) == 1
    change.refresh_from_db()
    assert change.status == "approved"


# --- telling the approvers -----------------------------------------------------------------


def notify_queries(request: ApprovalRequest) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        sent = notifications.notify_step_opened(request_id=request.pk)
    return sent, len(statements(captured))


@pytest.mark.rule("R22")
@pytest.mark.parametrize("earlier", [0, 12])
def test_telling_the_approvers_costs_two_queries_and_one_insert_each(
    manager, gm, make_user, mailoutbox, earlier
):
    history(manager, gm, requests=earlier)
    make_user("general_manager")
    make_user("general_manager", email="")  # no email: not a recipient, no query
    _, request = submitted(CustomerFactory(), manager)

    # The open steps with their request and requester; the approvers; then per recipient the
    # notification inserted in its own transaction, where the email is sent.
    assert notify_queries(request) == (2, 2 + 2)
    assert notify_queries(request) == (0, 2 + 2)  # already sent: refused, nothing twice
    assert len(mailoutbox) == 2
    assert Notification.objects.filter(request=request).count() == 2


@pytest.mark.rule("R22")
def test_nobody_to_tell_costs_two_queries(manager, gm, mailoutbox):
    set_policy("credit_change", [(1, "finance_vp")])  # nobody holds the role
    _, request = submitted(CustomerFactory(), manager)

    assert notify_queries(request) == (0, 2)
    services.approval_withdraw(actor=manager, request_id=request.pk)
    assert notify_queries(request) == (0, 1)  # no open step any more
    assert mailoutbox == []


@pytest.mark.rule("R21", "R22")
def test_the_approvers_are_who_may_decide_one_by_one(manager, make_user):
    """`approvers_of` in one query names the same people as asking `approval_may_decide` of
    every holder: members, superusers, today's delegates (not of the requester, not expired or
    revoked), never the requester, nobody who decided, nobody inactive or without an email."""
    set_policy("credit_change", [(1, "finance"), (2, "general_manager")])
    today = timezone.localdate()
    author = make_user("general_manager", "sales_manager", username="author")
    make_user("finance", username="fin")
    fin_gm = make_user("finance", "general_manager", username="fin.gm")
    gm = make_user("general_manager", username="gm")
    make_user("general_manager", username="gm.left", is_active=False)
    make_user("general_manager", username="gm.nomail", email="")
    make_user(username="boss", is_superuser=True)
    deputy = make_user("sales_clerk", username="deputy")
    authors_deputy = make_user("sales_clerk", username="authors.deputy")
    old_deputy = make_user("sales_clerk", username="old.deputy")
    revoked_deputy = make_user("sales_clerk", username="revoked.deputy")
    for delegator, delegate, valid_from, revoked in (
        (gm, deputy, today, None),
        (author, authors_deputy, today, None),
        (gm, old_deputy, today - timedelta(days=9), None),
        (gm, revoked_deputy, today, timezone.now()),
    ):
        Delegation.objects.create(
            delegator=delegator,
            delegate=delegate,
            role="general_manager",
            valid_from=valid_from,
            valid_to=today if valid_from == today else today - timedelta(days=1),
            revoked_at=revoked,
        )
    _, request = submitted(CustomerFactory(), author)

    def one_by_one(request):
        request = ApprovalRequest.objects.get(pk=request.pk)
        return [
            u
            for u in User.objects.order_by("pk")
            if u.is_active
            and u.email
            and selectors.approval_may_decide(user=fresh(u), request=request)
        ]

    def usernames(users):
        return sorted(u.username for u in users)

    def answered_from_loaded_rows(request):
        """approval_may_decide on the request as the pages load it (steps and decisions
        prefetched) says what the query says, for everyone."""
        change = CreditChangeRequest.objects.get(pk=request.document_id)
        on_page = selectors.document_approvals(document=change)[0]
        in_list = selectors.approvals_for_documents(
            document_type="credit_change", document_ids=[change.pk]
        )[change.pk]
        for user in User.objects.order_by("pk"):
            expected = selectors.approval_may_decide(user=fresh(user), request=request)
            one, two = fresh(user), fresh(user)
            with CaptureQueriesContext(connection) as captured:
                assert selectors.approval_may_decide(user=one, request=on_page) is expected
                assert selectors.approval_may_decide(user=two, request=in_list) is expected
            assert len(captured.captured_queries) <= 4  # roles and delegations, twice

    at_finance = ApprovalRequest.objects.get(pk=request.pk)
    assert usernames(notifications.approvers_of(at_finance)) == ["boss", "fin", "fin.gm"]
    assert notifications.approvers_of(at_finance) == one_by_one(request)
    answered_from_loaded_rows(at_finance)

    services.approval_decide(actor=fin_gm, request_id=request.pk, approve=True)
    at_gm = ApprovalRequest.objects.get(pk=request.pk)
    assert usernames(notifications.approvers_of(at_gm)) == ["boss", "deputy", "gm"]
    assert notifications.approvers_of(at_gm) == one_by_one(request)
    answered_from_loaded_rows(at_gm)

    services.approval_decide(actor=gm, request_id=request.pk, approve=True)
    done = ApprovalRequest.objects.get(pk=request.pk)
    assert notifications.approvers_of(done) == one_by_one(request) == []
    answered_from_loaded_rows(done)

"""Nightly credit re-evaluation (R4, R18): customers with an overdue amount are blocked by the
system, idempotently, and never unblocked by the job; customers due for their annual credit
review are selected.

Overdue amounts come from deliveries, which don't exist yet: the tests stand in for
`customer_overdue_amount` where the service reads it."""

from datetime import date
from decimal import Decimal

import pytest
from celery.result import EagerResult

from sales.models import CreditReviewReminder, Customer
from sales.selectors import customers_credit_review_due
from sales.services import credit_review
from sales.services.credit_review import customers_credit_reevaluate
from sales.services.orders import order_create, order_submit
from sales.tasks import credit_reevaluate
from tests.factories import CustomerFactory, ProductFactory, active_price_list

AS_OF = date(2026, 11, 23)


def overdue_for(*customers, amount="1200.00"):
    """A stand-in for customer_overdue_amount: `amount` for these customers, 0 for others."""
    ids = {c.pk for c in customers}

    def overdue(*, customer, as_of):
        return Decimal(amount) if customer.pk in ids else Decimal("0.00")

    return overdue


@pytest.fixture
def customers(clerk):
    return {
        name: CustomerFactory(owner=clerk, credit_limit=Decimal("1000000.00"))
        for name in ("late", "on_time", "other")
    }


def _state(customer):
    customer.refresh_from_db()
    return customer.blocked, customer.history.count()


@pytest.mark.rule("R4", "R18")
@pytest.mark.django_db
def test_customer_with_overdue_is_blocked_by_the_system_and_others_are_untouched(
    monkeypatch, customers
):
    monkeypatch.setattr(credit_review, "customer_overdue_amount", overdue_for(customers["late"]))
    before = {name: _state(c) for name, c in customers.items()}

    result = customers_credit_reevaluate(as_of=AS_OF)

    late = customers["late"]
    assert result["blocked"] == [late.pk]
    assert result["checked"] == 3
    assert _state(late) == (True, before["late"][1] + 1)
    record = late.history.first()
    assert record.history_user is None
    assert record.history_change_reason == "nightly credit review"
    assert _state(customers["on_time"]) == before["on_time"]
    assert _state(customers["other"]) == before["other"]


@pytest.mark.rule("R4", "R25")
@pytest.mark.django_db
def test_running_twice_changes_nothing_the_second_time(monkeypatch, customers):
    monkeypatch.setattr(credit_review, "customer_overdue_amount", overdue_for(customers["late"]))
    customers_credit_reevaluate(as_of=AS_OF)
    after_first = {name: _state(c) for name, c in customers.items()}

    second = customers_credit_reevaluate(as_of=AS_OF)

    assert second["blocked"] == []
    assert second["already_blocked"] == 1
    assert {name: _state(c) for name, c in customers.items()} == after_first


@pytest.mark.rule("R4", "R18")
@pytest.mark.django_db
def test_a_blocked_customer_stays_blocked_when_its_overdue_is_gone(monkeypatch, customers):
    late = customers["late"]
    monkeypatch.setattr(credit_review, "customer_overdue_amount", overdue_for(late))
    customers_credit_reevaluate(as_of=AS_OF)
    monkeypatch.setattr(credit_review, "customer_overdue_amount", overdue_for())

    result = customers_credit_reevaluate(as_of=date(2026, 11, 24))

    assert result["blocked"] == []
    assert _state(late)[0] is True


@pytest.mark.rule("R4", "R18")
@pytest.mark.django_db
def test_without_overdue_amounts_nobody_is_blocked(customers):
    result = customers_credit_reevaluate(as_of=AS_OF)

    assert result["blocked"] == []
    assert not Customer.objects.filter(blocked=True).exists()


@pytest.mark.rule("R4")
@pytest.mark.django_db
def test_an_order_of_a_customer_the_job_blocked_goes_on_credit_hold(monkeypatch, clerk, customers):
    lathe = ProductFactory(code="P-1001", name="数控车床")
    active_price_list(items=[(lathe, "168000.00", "150000.00")])
    late = customers["late"]
    monkeypatch.setattr(credit_review, "customer_overdue_amount", overdue_for(late))
    customers_credit_reevaluate(as_of=AS_OF)
    # Within the limit, and (for the submit's own check) nothing overdue: only the block holds it.
    order = order_create(
        actor=clerk,
        customer_id=late.pk,
        lines=[{"product": lathe.pk, "quantity": "1", "unit_price": "160000.00"}],
    )

    order = order_submit(actor=clerk, order_id=order.pk)

    assert (order.status, order.credit_status) == ("submitted", "hold")
    assert "credit_controller" in set(order.approval_request.steps.values_list("role", flat=True))


@pytest.mark.rule("R4")
@pytest.mark.django_db
def test_review_is_due_a_year_after_the_last_review_or_never_reviewed_with_credit(clerk):
    def customer(code, reviewed_on, limit="500000.00", **extra):
        return CustomerFactory(
            code=code,
            owner=clerk,
            credit_reviewed_on=reviewed_on,
            credit_limit=Decimal(limit),
            **extra,
        )

    overdue_review = customer("A-OLD", date(2025, 11, 22))
    customer("A-YEAR", date(2025, 11, 23))  # exactly a year: due tomorrow
    customer("A-RECENT", date(2026, 6, 1))
    never_reviewed = customer("A-NEVER", None)
    customer("A-NOCREDIT", None, limit="0.00")
    customer("A-INACTIVE", date(2020, 1, 1), is_active=False)

    due = customers_credit_review_due(as_of=AS_OF)

    assert list(due) == [overdue_review, never_reviewed]
    assert customers_credit_reevaluate(as_of=AS_OF)["review_due"] == [
        overdue_review.pk,
        never_reviewed.pk,
    ]


@pytest.mark.rule("R4")
@pytest.mark.django_db
def test_review_due_on_29_february_counts_from_28_february_of_the_year_before(clerk):
    due = CustomerFactory(owner=clerk, credit_reviewed_on=date(2027, 2, 27))
    CustomerFactory(owner=clerk, credit_reviewed_on=date(2027, 2, 28))

    assert list(customers_credit_review_due(as_of=date(2028, 2, 29))) == [due]


@pytest.mark.rule("R4")
@pytest.mark.celery_worker
def test_worker_runs_the_nightly_credit_reevaluation(monkeypatch, celery_live_worker):
    late = CustomerFactory(credit_limit=Decimal("1000000.00"))
    on_time = CustomerFactory(credit_limit=Decimal("1000000.00"))
    # The worker is a thread of this process: it sees the stand-in.
    monkeypatch.setattr(credit_review, "customer_overdue_amount", overdue_for(late))

    first = credit_reevaluate.delay(AS_OF.isoformat())
    assert not isinstance(first, EagerResult)
    result = first.get(timeout=20)

    assert result["blocked"] == [late.pk]
    assert result["as_of"] == "2026-11-23"
    assert Customer.objects.get(pk=late.pk).blocked is True
    assert Customer.objects.get(pk=on_time.pk).blocked is False
    assert credit_reevaluate.delay(AS_OF.isoformat()).get(timeout=20)["blocked"] == []


@pytest.mark.rule("R4")
def test_credit_controllers_are_reminded_of_due_reviews_once_a_day(
    make_user, mailoutbox, django_capture_on_commit_callbacks
):
    from datetime import date

    from sales.services.credit_review import customers_credit_reevaluate

    controller = make_user("credit_controller", email="credit@example.com")
    make_user("sales_clerk", email="clerk@example.com")
    due = CustomerFactory(credit_limit=Decimal("50000.00"), credit_reviewed_on=date(2025, 1, 2))
    CustomerFactory(credit_limit=Decimal("50000.00"), credit_reviewed_on=date(2026, 6, 1))

    with django_capture_on_commit_callbacks(execute=True):
        first = customers_credit_reevaluate(as_of=date(2026, 11, 24))
        second = customers_credit_reevaluate(as_of=date(2026, 11, 24))

    assert (first["reminded"], second["reminded"]) == (1, 0)
    assert [m.to for m in mailoutbox] == [[controller.email]]
    assert due.code in mailoutbox[0].body


@pytest.fixture
def review_due(make_user):
    """A credit controller with an email and one customer due for its annual review."""
    controller = make_user("credit_controller", email="credit@example.com")
    CustomerFactory(credit_limit=Decimal("50000.00"), credit_reviewed_on=date(2025, 1, 2))
    return controller


@pytest.mark.rule("R4")
def test_the_review_reminder_leaves_only_after_its_transaction_commits(
    review_due, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        result = customers_credit_reevaluate(as_of=AS_OF)

        assert result["reminded"] == 1
        assert CreditReviewReminder.objects.filter(user=review_due, day=AS_OF).exists()
        assert mailoutbox == []  # recorded, not sent: the transaction has not committed yet

    assert len(callbacks) == 1
    callbacks[0]()
    assert [m.to for m in mailoutbox] == [[review_due.email]]


@pytest.mark.rule("R4")
def test_a_reminder_whose_transaction_rolls_back_sends_no_mail(
    review_due, mailoutbox, django_capture_on_commit_callbacks
):
    # Recorded already today: the reminder's insert fails and its transaction rolls back,
    # taking the send it had registered with it.
    CreditReviewReminder.objects.create(user=review_due, day=AS_OF, customers=1)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = customers_credit_reevaluate(as_of=AS_OF)

    assert result["reminded"] == 0
    assert callbacks == []
    assert mailoutbox == []
    assert CreditReviewReminder.objects.filter(user=review_due).count() == 1


@pytest.mark.rule("R4")
def test_a_reminder_whose_send_fails_is_taken_back_so_the_retry_sends_it(
    review_due, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    def unreachable(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(credit_review, "send_mail", unreachable)
    with (
        pytest.raises(ConnectionRefusedError),
        django_capture_on_commit_callbacks(execute=True),
    ):
        customers_credit_reevaluate(as_of=AS_OF)
    assert not CreditReviewReminder.objects.exists()

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        retried = customers_credit_reevaluate(as_of=AS_OF)

    assert retried["reminded"] == 1
    assert [m.to for m in mailoutbox] == [[review_due.email]]

"""Approval emails (R22): approvers are told when a step opens, the author when a document comes
back, and everyone gets a daily digest of what has waited for them more than two days."""

import smtplib
from datetime import timedelta

import pytest
from celery.exceptions import Retry
from celery.schedules import crontab
from django.utils import timezone

from approvals import services, tasks
from approvals.models import ApprovalRequest, Delegation, Notification
from approvals.services import notifications
from config.celery import app
from tests.approvals.test_api import set_policy, submitted
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

SITE = "https://o2c.example.com"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def customer():
    return CustomerFactory()


@pytest.fixture
def finance(make_user):
    return make_user("finance", username="fin.qian")


def recipients(outbox) -> list[str]:
    """Every email goes to one person: their addresses, sorted."""
    assert all(len(message.to) == 1 for message in outbox)
    return sorted(message.to[0] for message in outbox)


def emails(*users) -> list[str]:
    return sorted(user.email for user in users)


def backdate(request: ApprovalRequest, *, days: float) -> None:
    ApprovalRequest.objects.filter(pk=request.pk).update(
        created_at=timezone.now() - timedelta(days=days)
    )


# --- a step opens ----------------------------------------------------------------------------


def test_submitting_emails_each_holder_of_the_open_steps_role(
    customer, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    author = make_user("finance", "general_manager", username="author.fin")  # holds the role
    gm_one = make_user("general_manager", username="gm.one")
    gm_two = make_user("general_manager", username="gm.two")
    make_user("finance", username="fin.only")
    make_user("general_manager", username="gm.left", is_active=False)
    make_user("general_manager", username="gm.nomail", email="")
    deputy = make_user("sales_head", username="deputy")
    former_deputy = make_user("sales_head", username="former.deputy")
    today = timezone.localdate()
    Delegation.objects.create(
        delegator=gm_one,
        delegate=deputy,
        role="general_manager",
        valid_from=today,
        valid_to=today + timedelta(days=3),
    )
    Delegation.objects.create(
        delegator=gm_one,
        delegate=former_deputy,
        role="general_manager",
        valid_from=today - timedelta(days=10),
        valid_to=today - timedelta(days=1),
    )

    with django_capture_on_commit_callbacks(execute=True):
        change, request = submitted(customer, author)

    assert recipients(mailoutbox) == emails(gm_one, gm_two, deputy)
    for message in mailoutbox:
        assert change.number in message.subject
        assert f"{SITE}/approvals/{request.pk}/" in message.body
        assert customer.name in message.body
    assert Notification.objects.filter(kind="step_opened", request=request).count() == 3


def test_nothing_is_sent_before_the_submit_commits(customer, manager, gm, mailoutbox):
    submitted(customer, manager)  # the test's transaction never commits

    assert mailoutbox == []


def test_approving_step_one_emails_the_holders_of_step_two(
    customer, manager, finance, gm, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    set_policy("credit_change", [(1, "finance"), (2, "general_manager")])
    finance_and_gm = make_user("finance", "general_manager", username="fin.gm")
    with django_capture_on_commit_callbacks(execute=True):
        change, request = submitted(customer, manager)
    assert recipients(mailoutbox) == emails(finance, finance_and_gm)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.approval_decide(actor=finance_and_gm, request_id=request.pk, approve=True)

    # Not the one who decided step 1: they may not decide step 2 (duplicate_approver).
    assert recipients(mailoutbox) == emails(gm)
    assert change.number in mailoutbox[0].subject


def test_a_rejection_emails_the_author_with_the_comment(
    customer, manager, gm, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        change, request = submitted(customer, manager)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.approval_decide(
            actor=gm, request_id=request.pk, approve=False, comment="额度过高，请降到五万"
        )

    [message] = mailoutbox
    assert message.to == [manager.email]
    assert change.number in message.subject
    assert "额度过高，请降到五万" in message.body
    assert "gm.chen" in message.body
    assert f"{SITE}/approvals/{request.pk}/" in message.body


@pytest.mark.rule("R21")
def test_a_withdrawal_emails_nobody(
    customer, manager, gm, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _, request = submitted(customer, manager)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.approval_withdraw(actor=manager, request_id=request.pk)

    assert mailoutbox == []


# --- idempotent tasks -------------------------------------------------------------------------


def test_notifying_the_same_step_twice_sends_nothing_the_second_time(
    customer, manager, gm, mailoutbox
):
    _, request = submitted(customer, manager)

    assert tasks.notify_step_opened.delay(request.pk).get() == 1
    assert tasks.notify_step_opened.delay(request.pk).get() == 0

    assert recipients(mailoutbox) == emails(gm)


def test_notifying_a_rejection_twice_sends_it_once(customer, manager, gm, mailoutbox):
    _, request = submitted(customer, manager)
    services.approval_decide(actor=gm, request_id=request.pk, approve=False, comment="不行")

    assert tasks.notify_returned.delay(request.pk).get() == 1
    assert tasks.notify_returned.delay(request.pk).get() == 0

    assert recipients(mailoutbox) == emails(manager)


@pytest.mark.rule("R21")
def test_a_decided_request_notifies_nobody(customer, manager, gm, mailoutbox):
    _, request = submitted(customer, manager)
    services.approval_decide(actor=gm, request_id=request.pk, approve=True)

    assert tasks.notify_step_opened.delay(request.pk).get() == 0
    assert tasks.notify_returned.delay(request.pk).get() == 0
    assert mailoutbox == []


def test_a_send_that_fails_records_nothing_and_the_task_asks_to_be_retried(
    customer, manager, gm, mailoutbox, monkeypatch
):
    _, request = submitted(customer, manager)
    real_send = notifications.send_mail

    def down(*args, **kwargs):
        assert Notification.objects.count() == 1  # recorded in the sending transaction
        raise smtplib.SMTPServerDisconnected("mail server down")

    monkeypatch.setattr(notifications, "send_mail", down)
    with pytest.raises(Retry):
        tasks.notify_step_opened.delay(request.pk)
    assert not Notification.objects.exists()

    monkeypatch.setattr(notifications, "send_mail", real_send)
    assert tasks.notify_step_opened.delay(request.pk).get() == 1  # the retry
    assert recipients(mailoutbox) == emails(gm)


def test_a_mail_server_that_is_down_neither_fails_nor_undoes_the_decision(
    customer, manager, gm, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    """With no broker the email is sent inline after the commit; its failure must not turn an
    approval that was recorded into an error for the caller."""
    real_send = notifications.send_mail

    def down(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("mail server down")

    monkeypatch.setattr(notifications, "send_mail", down)
    with django_capture_on_commit_callbacks(execute=True):
        change, request = submitted(customer, manager)
    with django_capture_on_commit_callbacks(execute=True):
        services.approval_decide(actor=gm, request_id=request.pk, approve=False, comment="不行")

    change.refresh_from_db()
    assert (change.status, change.approval_request.status) == ("draft", "rejected")
    assert not Notification.objects.exists()
    monkeypatch.setattr(notifications, "send_mail", real_send)
    assert tasks.notify_returned.delay(request.pk).get() == 1
    assert recipients(mailoutbox) == emails(manager)


# --- the daily digest ---------------------------------------------------------------------


@pytest.mark.rule("R22")
def test_the_digest_lists_items_waiting_more_than_two_days_once_a_day(
    manager, gm, finance, make_user, mailoutbox
):
    other_gm = make_user("general_manager", username="gm.two")
    _, oldest = submitted(CustomerFactory(), manager)
    _, old = submitted(CustomerFactory(), manager)
    _, recent = submitted(CustomerFactory(), manager)
    backdate(oldest, days=5)
    backdate(old, days=2.05)
    backdate(recent, days=1.9)

    assert tasks.send_daily_digest.delay().get() == 2

    assert recipients(mailoutbox) == emails(gm, other_gm)  # finance has nothing waiting
    for message in mailoutbox:
        assert "2 items" in message.subject
        assert message.body.index(oldest.document_number) < message.body.index(old.document_number)
        assert recent.document_number not in message.body
        assert f"{SITE}/approvals/" in message.body
    assert Notification.objects.filter(kind="digest", day=timezone.localdate()).count() == 2

    assert tasks.send_daily_digest.delay().get() == 0
    assert len(mailoutbox) == 2

    Notification.objects.update(day=timezone.localdate() - timedelta(days=1))
    assert tasks.send_daily_digest.delay().get() == 2  # another day, another digest


@pytest.mark.rule("R22")
def test_the_digest_lists_only_what_the_approver_may_decide(
    manager, gm, finance, make_user, mailoutbox
):
    set_policy("credit_change", [(1, "finance"), (2, "general_manager")])
    _, at_finance = submitted(CustomerFactory(), manager)
    backdate(at_finance, days=3)
    gm_author = make_user("finance", "general_manager", username="gm.author")
    _, own = submitted(CustomerFactory(), gm_author)
    backdate(own, days=3)

    assert tasks.send_daily_digest.delay().get() == 2

    by_recipient = {message.to[0]: message for message in mailoutbox}
    assert sorted(by_recipient) == emails(finance, gm_author)
    assert own.document_number in by_recipient[finance.email].body
    assert at_finance.document_number in by_recipient[finance.email].body
    assert own.document_number not in by_recipient[gm_author.email].body  # their own
    assert "1 item " in by_recipient[gm_author.email].subject


@pytest.mark.rule("R22")
def test_no_digest_when_nothing_is_old_enough(manager, gm, mailoutbox):
    submitted(CustomerFactory(), manager)

    assert tasks.send_daily_digest.delay().get() == 0
    assert mailoutbox == []


@pytest.mark.rule("R22")
def test_the_digest_is_scheduled_daily_at_half_past_eight_in_the_business_time_zone(settings):
    [entry] = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "approvals.tasks.send_daily_digest"
    ]
    schedule = entry["schedule"]

    assert isinstance(schedule, crontab)
    assert (schedule.hour, schedule.minute) == ({8}, {30})
    assert schedule.day_of_week == set(range(7))
    assert app.conf.timezone == settings.TIME_ZONE


# --- through the real worker ----------------------------------------------------------------


@pytest.mark.rule("R22")
@pytest.mark.celery_worker
def test_the_worker_sends_the_digest_once_a_day(celery_live_worker, mailoutbox):
    manager = UserFactory(roles=("sales_manager",))
    gm = UserFactory(roles=("general_manager",))
    # Committed, so the step-opened email goes through the worker too.
    _, request = submitted(CustomerFactory(), manager)
    assert tasks.notify_step_opened.delay(request.pk).get(timeout=30) in {0, 1}
    assert [m.to for m in mailoutbox] == [[gm.email]]
    mailoutbox.clear()
    backdate(request, days=3)

    result = tasks.send_daily_digest.delay()

    assert result.get(timeout=30) == 1
    [message] = mailoutbox
    assert message.to == [gm.email]
    assert request.document_number in message.body
    assert list(Notification.objects.filter(kind="digest").values_list("user", "day")) == [
        (gm.pk, timezone.localdate())
    ]
    assert tasks.send_daily_digest.delay().get(timeout=30) == 0
    assert len(mailoutbox) == 1

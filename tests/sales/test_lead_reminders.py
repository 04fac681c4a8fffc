"""R26's reminder task: owners of follow-ups due today, sales managers of overdue ones; one
reminder per lead, due and kind however often it runs — also through a real worker."""

from datetime import datetime, timedelta

import pytest
from celery.result import EagerResult
from django.utils import timezone

from sales.models import LeadReminder
from sales.services.lead_reminders import leads_remind
from sales.services.leads import lead_contact_log, lead_create
from sales.tasks import leads_remind as leads_remind_task

pytestmark = pytest.mark.rule("R26")

NOW = timezone.make_aware(datetime(2026, 12, 10, 8, 0))


def _leads(clerk):
    body = {"contact_name": "周经理", "grade": "A"}
    today = lead_create(actor=clerk, now=NOW - timedelta(hours=14), company="今天到期", **body)
    overdue = lead_create(actor=clerk, now=NOW - timedelta(days=3), company="已逾期", **body)
    later = lead_create(actor=clerk, now=NOW + timedelta(days=2), company="以后", **body)
    return today, overdue, later


@pytest.mark.django_db
def test_owners_and_managers_are_reminded_once(
    make_user, mailoutbox, django_capture_on_commit_callbacks
):
    clerk = make_user("sales_clerk", username="clerk.li", email="clerk@example.com")
    make_user("sales_manager", email="manager@example.com")
    make_user("sales_manager", email="")  # no address: nobody to mail
    _today, overdue, _later = _leads(clerk)

    with django_capture_on_commit_callbacks(execute=True):
        first = leads_remind(now=NOW)
        second = leads_remind(now=NOW)
        third = leads_remind(now=NOW + timedelta(hours=5))

    assert first == {"owners_reminded": 1, "managers_reminded": 1}
    assert second == third == {"owners_reminded": 0, "managers_reminded": 0}
    assert sorted((m.to[0], m.subject) for m in mailoutbox) == sorted(
        [
            ("clerk@example.com", "[O2C] Follow up 今天到期 today"),
            ("manager@example.com", "[O2C] Follow-up overdue: 已逾期 (clerk.li)"),
        ]
    )
    assert LeadReminder.objects.count() == 2

    # A contact moves the due: the next due date is a new reminder.
    lead_contact_log(
        actor=clerk,
        lead_id=overdue.pk,
        contacted_at=NOW - timedelta(days=3),
        channel="phone",
        note="x",
        now=NOW,
    )
    with django_capture_on_commit_callbacks(execute=True):
        again = leads_remind(now=NOW + timedelta(days=3))
    assert again["managers_reminded"] >= 1
    assert LeadReminder.objects.filter(lead=overdue).count() == 2


@pytest.mark.django_db
def test_a_failed_send_takes_the_reminder_back(
    make_user, monkeypatch, django_capture_on_commit_callbacks
):
    from sales.services import lead_reminders

    clerk = make_user("sales_clerk", email="clerk@example.com")
    _leads(clerk)

    def down(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(lead_reminders, "send_mail", down)
    with pytest.raises(OSError), django_capture_on_commit_callbacks(execute=True):
        leads_remind(now=NOW)
    assert not LeadReminder.objects.exists()


@pytest.mark.celery_worker
def test_the_worker_sends_one_reminder_per_lead_and_due(make_user, mailoutbox, celery_live_worker):
    clerk = make_user("sales_clerk", username="clerk.li", email="clerk@example.com")
    make_user("sales_manager", email="manager@example.com")
    _leads(clerk)

    first = leads_remind_task.delay(NOW.isoformat())
    assert not isinstance(first, EagerResult)
    assert first.get(timeout=20) == {"owners_reminded": 1, "managers_reminded": 1}
    assert leads_remind_task.delay(NOW.isoformat()).get(timeout=20) == {
        "owners_reminded": 0,
        "managers_reminded": 0,
    }
    assert len(mailoutbox) == 2
    assert LeadReminder.objects.count() == 2

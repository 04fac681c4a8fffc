"""Follow-up reminders (R26), run by the Celery task `sales.tasks.leads_remind`: each open
lead due today reminds its owner, each overdue lead reminds the sales managers.

Idempotent like the credit-review reminder (`credit_review`): one `LeadReminder` row per lead,
due and kind (unique), written in its own durable transaction with the mail registered to leave
after the commit. A rerun finds the row and sends nothing twice; a failed send deletes its row
so the task's retry sends it. A lead whose due moved (a contact, a regrade) is a new due, so it
is reminded again for that one.
"""

from datetime import datetime
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from core.roles import Role
from sales.models import Lead, LeadReminder, ReminderKind
from sales.selectors import leads_due_for_reminder


def _send(*, reminder: dict, subject: str, body: str, to: list[str]) -> None:
    """After the reminder's commit: send it; a failed send takes the row back (the task retries)."""
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)
    except Exception:
        LeadReminder.objects.filter(**reminder).delete()
        raise


def _remind(*, lead: Lead, kind: str, to: list[str]) -> bool:
    """One reminder of `kind` for `lead`'s current due, once; True when sent now."""
    if not to:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        if kind == ReminderKind.DUE_TODAY:
            subject = _("[O2C] Follow up %(company)s today") % {"company": lead.company}
        else:
            subject = _("[O2C] Follow-up overdue: %(company)s (%(owner)s)") % {
                "company": lead.company,
                "owner": lead.owner.get_full_name() or lead.owner.username,
            }
        body = render_to_string(
            "sales/email/lead_follow_up.txt",
            {"lead": lead, "overdue": kind == ReminderKind.OVERDUE, "site_url": settings.SITE_URL},
        )
    reminder = {"lead_id": lead.pk, "due": lead.next_contact_due, "kind": kind}
    try:
        with transaction.atomic(durable=True):
            transaction.on_commit(
                partial(_send, reminder=reminder, subject=str(subject), body=body, to=to)
            )
            # Already reminded: the unique (lead, due, kind) refuses the row and the transaction
            # rolls back, taking the send registered above with it.
            LeadReminder.objects.create(**reminder)
    except IntegrityError:
        return False
    return True


def leads_remind(*, now: datetime) -> dict:
    """Remind owners of today's follow-ups and the sales managers of overdue ones (R26)."""
    due_today, overdue = leads_due_for_reminder(now=now)
    managers = sorted(
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.SALES_MANAGER)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    owners = managers_sent = 0
    for lead in due_today.iterator(chunk_size=500):
        to = [lead.owner.email] if lead.owner.is_active and lead.owner.email else []
        owners += _remind(lead=lead, kind=ReminderKind.DUE_TODAY, to=to)
    for lead in overdue.iterator(chunk_size=500):
        managers_sent += _remind(lead=lead, kind=ReminderKind.OVERDUE, to=managers)
    return {"owners_reminded": owners, "managers_reminded": managers_sent}

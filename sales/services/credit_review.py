"""Nightly credit re-evaluation (R4, R18): customers with an overdue amount are blocked, and
customers whose credit terms are due for their annual review are listed.

Blocking is one short transaction per customer, under the customer's row lock (the same lock
`order_submit` takes for the R4 check), so a submit running at the same moment sees the
customer either before or after the block, never half of it; a failure part-way keeps what was
already done and the task's retry carries on. The job is idempotent: an already blocked
customer is skipped, so a second run for the same day changes nothing.

The job never unblocks. A customer it blocked whose overdue has since been paid stays blocked
until a person lifts the block (no service does that yet): whether to extend credit again
after a default is a credit decision (R2 puts credit decisions with people, not with a
scheduler), and a block that came and went with every night's figures would let orders
through between a payment and its reversal.

Customers due for their annual credit review are listed in one email a day to each credit
controller. The reminder is recorded (CreditReviewReminder) in a transaction and the email
leaves after it commits (`on_commit`): a rolled-back transaction sends nothing, and a rerun the
same day finds the record and sends nothing twice. A send that fails removes its record, so the
task's retry sends it.

Each block and each reminder is its own transaction, `durable=True`: nobody may wrap the job in
one transaction, which would undo what was done before a failure and send mail for it.
"""

from datetime import date
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from core.roles import Role
from sales.models import CreditReviewReminder, Customer
from sales.selectors import customer_overdue_amount, customers_credit_review_due


def _customer_block(*, customer_id: int, as_of: date) -> bool:
    """Block the customer if it has an overdue amount as of `as_of`; True when it was blocked
    now. The overdue is read again under the lock: a receipt may have arrived meanwhile."""
    with transaction.atomic(durable=True):
        customer = Customer.objects.select_for_update().get(pk=customer_id)
        if customer.blocked:
            return False
        if customer_overdue_amount(customer=customer, as_of=as_of) <= 0:
            return False
        customer.blocked = True
        customer._history_user = None  # the system, not a person
        customer._change_reason = _("nightly credit review")
        customer.save(update_fields=["blocked", "updated_at"])
        return True


def customers_credit_reevaluate(*, as_of: date) -> dict:
    """R4/R18, run nightly: block every customer with an overdue amount as of `as_of` and
    select those due for their annual credit review. Returns what it found and did."""
    blocked: list[int] = []
    already_blocked = 0
    checked = 0
    for customer in Customer.objects.order_by("pk").iterator(chunk_size=500):
        checked += 1
        if customer.blocked:
            already_blocked += 1
            continue
        if customer_overdue_amount(customer=customer, as_of=as_of) <= 0:
            continue
        if _customer_block(customer_id=customer.pk, as_of=as_of):
            blocked.append(customer.pk)
    due = list(customers_credit_review_due(as_of=as_of).order_by("code"))
    review_due = sorted(customer.pk for customer in due)
    reminded = credit_review_remind(customers=due, as_of=as_of) if due else 0
    return {
        "reminded": reminded,
        "as_of": as_of.isoformat(),
        "checked": checked,
        "blocked": blocked,
        "already_blocked": already_blocked,
        "review_due": review_due,
    }


def _reminder_send(*, user_id: int, day: date, subject: str, body: str, to: str) -> None:
    """After the reminder's commit: send it; a failed send takes the record back, so the task's
    retry sends it (and the exception reaches the task, which retries)."""
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
    except Exception:
        CreditReviewReminder.objects.filter(user_id=user_id, day=day).delete()
        raise


def credit_review_remind(*, customers, as_of: date) -> int:
    """Email each active credit controller the customers due for review, once a day."""
    controllers = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.CREDIT_CONTROLLER)
        .exclude(email="")
        .distinct()
    )
    sent = 0
    for user in controllers:
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("[O2C] %(count)d customers are due for their credit review") % {
                "count": len(customers)
            }
            body = render_to_string(
                "sales/email/credit_review_due.txt",
                {
                    "user": user,
                    "customers": customers,
                    "as_of": as_of,
                    "site_url": settings.SITE_URL,
                },
            )
        try:
            with transaction.atomic(durable=True):
                transaction.on_commit(
                    partial(
                        _reminder_send,
                        user_id=user.pk,
                        day=as_of,
                        subject=str(subject),
                        body=body,
                        to=user.email,
                    )
                )
                # Already reminded today: the unique (user, day) refuses the row and the
                # transaction rolls back, taking the send registered above with it.
                CreditReviewReminder.objects.create(user=user, day=as_of, customers=len(customers))
        except IntegrityError:
            continue
        sent += 1
    return sent

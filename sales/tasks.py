"""Sales tasks (DESIGN §5): thin Celery wrappers over sales services, idempotent, acks late."""

from datetime import date, datetime

from celery import shared_task
from django.utils import timezone

from sales.services import lead_reminders
from sales.services.credit_review import customers_credit_reevaluate

# A mail server that cannot be reached (OSError, SMTPException included) is retried with
# backoff: what was done is kept and a reminder whose send failed was taken back, so the retry
# does the rest.
RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="sales.tasks.credit_reevaluate", acks_late=True, **RETRY)
def credit_reevaluate(as_of: str | None = None) -> dict:
    """R4/R18, nightly: block customers with an overdue amount, list those due for review.
    `as_of` (ISO date) defaults to today's business date in TIME_ZONE (DESIGN §3)."""
    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    return customers_credit_reevaluate(as_of=day)


@shared_task(name="sales.tasks.leads_remind", acks_late=True, **RETRY)
def leads_remind(now: str | None = None) -> dict:
    """R26: owners reminded of the follow-ups due today, sales managers of the overdue ones;
    once per lead, due and kind however often it runs. `now` (ISO datetime) defaults to now."""
    moment = datetime.fromisoformat(now) if now else timezone.now()
    return lead_reminders.leads_remind(now=moment)

"""Celery tasks of the finance app (monthly interest, reconciliation and close; R18, R20): thin
wrappers that call a service with ids, idempotent, `acks_late`."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from core.system import system_user


@shared_task(name="finance.tasks.overdue_daily", acks_late=True)
def overdue_daily(as_of: str | None = None) -> dict:
    """R18, daily after the ledger's aging: every ledger's `interest_accrued` set to the live
    value and contracts overdue more than 90 days flagged for litigation. Idempotent."""
    from finance.services import interests_accrue, litigations_flag

    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    return {"accrued": interests_accrue(as_of=day), **litigations_flag(as_of=day)}


@shared_task(name="finance.tasks.interest_post_month", acks_late=True)
def interest_post_month(period: str | None = None) -> dict:
    """R18/R20, on the 1st: post the overdue interest of `period` (default: the previous
    month) as the system; a second run posts nothing."""
    from finance.services import interest_post_month as post
    from finance.services.interest import previous_period

    result = post(actor=system_user(), period=period or previous_period())
    return {**result, "amount": str(result["amount"])}


@shared_task(name="finance.tasks.commission_slips_prepare", acks_late=True)
def commission_slips_prepare(period: str | None = None) -> dict:
    """R19: the month's commission slips prepared as the system — a draft for every
    salesperson with activity, drafts recomputed (default: the previous month). Idempotent;
    the month-end run calls the service itself, no beat entry."""
    from finance.services import commission_slips_prepare as prepare
    from finance.services.interest import previous_period

    return prepare(actor=system_user(), period=period or previous_period())

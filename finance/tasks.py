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


@shared_task(name="finance.tasks.month_end_run", acks_late=True)
def month_end_run(reconciliation_id: int, token: str) -> dict:
    """R20: work through a started month-end run (finance/services/monthend.py); a task whose
    run was started again, or has finished, does nothing."""
    from finance.services import month_end_execute

    result = month_end_execute(reconciliation_id=reconciliation_id, token=token)
    if result is None:
        return {"reconciliation": reconciliation_id, "status": "superseded"}
    return {"reconciliation": result.pk, "status": result.status}


@shared_task(name="finance.tasks.month_end_start", acks_late=True)
def month_end_start(period: str | None = None) -> dict:
    """R20, on the 1st (beat): start the previous month's run as the system. A run already
    working, or a month already closed, is reported, not raised."""
    from core.errors import RuleViolation
    from finance.services import month_end_start as start
    from finance.services.interest import previous_period

    period = period or previous_period()
    try:
        reconciliation = start(actor=system_user(), period=period)
    except RuleViolation as refusal:
        return {"period": period, "refused": refusal.code}
    return {"period": period, "reconciliation": reconciliation.pk}


@shared_task(name="finance.tasks.commission_slips_prepare", acks_late=True)
def commission_slips_prepare(period: str | None = None) -> dict:
    """R19: the month's commission slips prepared as the system — a draft for every
    salesperson with activity, drafts recomputed (default: the previous month). Idempotent;
    the month-end run calls the service itself, no beat entry."""
    from finance.services import commission_slips_prepare as prepare
    from finance.services.interest import previous_period

    return prepare(actor=system_user(), period=period or previous_period())

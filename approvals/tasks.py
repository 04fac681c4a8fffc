"""Approval notifications (R22): thin Celery tasks over approvals.services.notifications.

A mail server that cannot be reached (OSError, SMTPException included) is retried with
backoff; the emails already sent are recorded, so a retry sends only the rest."""

from celery import shared_task

from approvals.services import notifications

RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="approvals.tasks.notify_step_opened", acks_late=True, **RETRY)
def notify_step_opened(request_id: int) -> int:
    return notifications.notify_step_opened(request_id=request_id)


@shared_task(name="approvals.tasks.notify_returned", acks_late=True, **RETRY)
def notify_returned(request_id: int) -> int:
    return notifications.notify_returned(request_id=request_id)


@shared_task(name="approvals.tasks.send_daily_digest", acks_late=True, **RETRY)
def send_daily_digest() -> int:
    return notifications.send_daily_digest()

"""Approval notifications (R22): thin Celery tasks over approvals.notifications."""

from celery import shared_task

from approvals import notifications


@shared_task(name="approvals.tasks.notify_step_opened", acks_late=True)
def notify_step_opened(request_id: int) -> int:
    return notifications.notify_step_opened(request_id=request_id)


@shared_task(name="approvals.tasks.notify_returned", acks_late=True)
def notify_returned(request_id: int) -> int:
    return notifications.notify_returned(request_id=request_id)


@shared_task(name="approvals.tasks.send_daily_digest", acks_late=True)
def send_daily_digest() -> int:
    return notifications.send_daily_digest()

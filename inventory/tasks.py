"""Inventory tasks (DESIGN §5): thin Celery wrappers over services, idempotent, acks late."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from inventory.services.shipping import shipping_notices_expire as expire


@shared_task(name="inventory.tasks.shipping_notices_expire", acks_late=True)
def shipping_notices_expire(as_of: str | None = None) -> dict:
    """R12, daily: submitted and approved notices past their validity expire (reservations
    released, pending approvals closed). Running it twice changes nothing."""
    day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    return expire(as_of=day)

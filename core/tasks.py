from celery import shared_task

from core.idempotency import idempotency_keys_purge as purge


@shared_task(name="core.tasks.idempotency_keys_purge", acks_late=True)
def idempotency_keys_purge() -> int:
    return purge()

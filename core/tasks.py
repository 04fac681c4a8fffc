from celery import shared_task

from core.idempotency import idempotency_keys_purge as purge


@shared_task(name="core.tasks.idempotency_keys_purge", acks_late=True)
def idempotency_keys_purge() -> int:
    return purge()


@shared_task(
    name="core.tasks.invariants_check",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def invariants_check() -> dict:
    """Issue 16, nightly: every invariant of the books checked; finance mailed on a break."""
    from core.invariants import invariants_check_and_mail

    return invariants_check_and_mail()

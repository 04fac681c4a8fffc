"""Celery tasks of the finance app (monthly interest, reconciliation and close; R18, R20): thin
wrappers that call a service with ids, idempotent, `acks_late`. Empty until finance is built."""

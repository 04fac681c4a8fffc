"""Celery: the real worker runs our tasks from Redis; without a broker they run inline."""

import runpy
from datetime import timedelta

import pytest
from celery.result import EagerResult
from django.conf import settings
from django.utils import timezone

from config.celery import app
from core.models import IdempotencyRecord
from core.tasks import idempotency_keys_purge
from tests.factories import UserFactory

OUR_APPS = ("core.", "sales.", "contracts.", "inventory.", "finance.", "approvals.")


def _records_aged(user, **ages_in_hours):
    """One IdempotencyRecord per key, created that many hours ago."""
    now = timezone.now()
    for key, hours in ages_in_hours.items():
        IdempotencyRecord.objects.create(user=user, key=key, fingerprint="0" * 64)
        IdempotencyRecord.objects.filter(user=user, key=key).update(
            created_at=now - timedelta(hours=hours)
        )


def _remaining_keys():
    return set(IdempotencyRecord.objects.values_list("key", flat=True))


@pytest.mark.rule("R12", "R25")
@pytest.mark.celery_worker
def test_worker_purges_expired_idempotency_keys_and_a_second_run_changes_nothing(
    celery_live_worker,
):
    ttl = settings.IDEMPOTENCY_KEY_TTL_HOURS
    _records_aged(
        UserFactory(),
        expired_long_ago=ttl * 3,
        expired_an_hour_ago=ttl + 1,
        nearly_expired=ttl - 1,
        fresh=0,
    )

    first = idempotency_keys_purge.delay()
    assert not isinstance(first, EagerResult)
    assert first.get(timeout=20) == 2
    assert _remaining_keys() == {"nearly_expired", "fresh"}

    assert idempotency_keys_purge.delay().get(timeout=20) == 0
    assert _remaining_keys() == {"nearly_expired", "fresh"}


def test_beat_schedules_only_registered_tasks_and_our_tasks_acknowledge_late():
    app.loader.import_default_modules()

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled, "CELERY_BEAT_SCHEDULE is empty"
    assert scheduled <= set(app.tasks), f"not registered: {sorted(scheduled - set(app.tasks))}"

    ours = sorted(name for name in app.tasks if name.startswith(OUR_APPS))
    assert "core.tasks.idempotency_keys_purge" in ours
    assert [name for name in ours if not app.tasks[name].acks_late] == []


@pytest.mark.parametrize(
    ("broker", "inline"), [(None, True), ("", True), ("redis://127.0.0.1:6379/15", False)]
)
def test_tasks_run_inline_exactly_when_no_broker_is_configured(monkeypatch, broker, inline):
    if broker is None:
        monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    else:
        monkeypatch.setenv("CELERY_BROKER_URL", broker)

    base = runpy.run_path(str(settings.BASE_DIR / "config" / "settings" / "base.py"))

    assert base["CELERY_TASK_ALWAYS_EAGER"] is inline
    assert base["CELERY_BROKER_URL"] == ("memory://" if inline else broker)


def test_delay_outside_the_worker_returns_the_result_synchronously(db):
    _records_aged(UserFactory(), expired=settings.IDEMPOTENCY_KEY_TTL_HOURS + 1)

    result = idempotency_keys_purge.delay()

    assert isinstance(result, EagerResult)
    assert _remaining_keys() == set()
    assert result.get() == 1

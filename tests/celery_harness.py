"""A real Celery worker for tests marked `celery_worker` (DESIGN §5: Celery with Redis).

A pytest plugin (registered in tests/conftest.py) so that tests of every app can use it.

Everywhere else tasks run inline (`config.settings.test`). The worker runs in a thread of the
test process, so its tasks see the test database; that needs committed data, hence
`transactional_db`.
"""

import os
import signal
import subprocess
import sys
import uuid
import warnings
from pathlib import Path

import pytest
from celery import signals
from celery.exceptions import CDeprecationWarning, CPendingDeprecationWarning
from django.conf import settings

from config.celery import app

ROOT = Path(__file__).resolve().parents[1]
SKIP_REASON = (
    "needs a Redis broker for the real Celery worker: "
    "set CELERY_BROKER_URL=redis://127.0.0.1:6379/15"
)


def _keep_test_logging(**kwargs):
    """Answering `setup_logging` stops the embedded worker from reconfiguring the root logger
    (handlers, level) for the rest of the session."""


@pytest.fixture
def celery_live_worker(transactional_db):
    """A worker (solo pool) consuming from Redis until the test ends.

    It gets a queue of its own, deleted afterwards: messages left by an earlier, interrupted run
    or sent by another run sharing the Redis database can't reach it, nor can it take theirs.
    """
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip(SKIP_REASON)

    # `celery.ping` answers the start-up check of start_worker.
    import celery.contrib.testing.tasks  # noqa: F401
    from celery.contrib.testing.worker import start_worker

    queue = f"o2c-tests-{uuid.uuid4().hex}"
    overrides = {
        "task_always_eager": False,
        "task_default_queue": queue,
        "worker_enable_remote_control": False,
        "result_expires": 600,  # seconds; test results needn't outlive the run
    }
    saved = {name: app.conf[name] for name in overrides}
    app.conf.update(overrides)
    signals.setup_logging.connect(_keep_test_logging)
    try:
        with start_worker(app, pool="solo", queues=[queue], shutdown_timeout=30) as worker:
            # Celery's log setup turns its own deprecation warnings into log lines; in this
            # suite warnings are errors.
            warnings.filterwarnings("error", category=CDeprecationWarning)
            warnings.filterwarnings("error", category=CPendingDeprecationWarning)
            yield worker
    finally:
        signals.setup_logging.disconnect(_keep_test_logging)
        app.conf.update(saved)
        _delete_queue(queue)


def _delete_queue(name: str) -> None:
    """Remove the queue, its bindings and any message left in it from the broker."""
    with app.connection_for_write() as connection:
        queue = app.amqp.queues[name](connection.default_channel)
        queue.declare()  # a channel only unbinds what it has bound itself
        queue.delete()


@pytest.fixture
def celery_worker_processes(transactional_db):
    """`spawn()` starts a worker *process* (`celery -A config worker`, solo pool) on a queue of this
    test's own, against the test database, so a test can kill it (SIGKILL) half way; every
    worker still alive is killed at the end. Month-end runs go in batches of one contract with a
    pause, so a test can catch one half way."""
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip(SKIP_REASON)
    from django.db import connection

    db = connection.settings_dict
    queue = f"o2c-kill-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",  # tasks not inline
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "MONTH_END_BATCH": "1",
        "MONTH_END_THROTTLE": "0.4",
    }
    overrides = {"task_always_eager": False, "task_default_queue": queue}
    saved = {name: app.conf[name] for name in overrides}
    app.conf.update(overrides)
    started: list[subprocess.Popen] = []

    def spawn() -> subprocess.Popen:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "-Q",
                queue,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        started.append(process)
        return process

    try:
        yield spawn
    finally:
        for process in started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        app.conf.update(saved)
        with app.connection_for_write() as conn:
            bound = app.amqp.queues[queue](conn.default_channel)
            bound.declare()
            bound.delete()


@pytest.fixture(autouse=True)
def _celery_worker_marker_needs_the_live_worker(request):
    """Without the fixture a `celery_worker` test would quietly run its tasks inline."""
    if (
        request.node.get_closest_marker("celery_worker")
        and "celery_live_worker" not in request.fixturenames
        and "celery_worker_processes" not in request.fixturenames
    ):
        pytest.fail(
            "tests marked celery_worker must use the celery_live_worker fixture "
            "(or celery_worker_processes)"
        )

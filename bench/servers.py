"""The real processes a benchmark talks to: gunicorn serving config.wsgi and a Celery worker on
Redis, started on loopback against the benchmark's database and stopped afterwards.

    with gunicorn(workers=1) as base_url: ...      # http://127.0.0.1:<port>
    with celery_worker(broker) as worker: ...; worker.drain()

Both inherit the benchmark's environment (DATABASE_URL, MEDIA_ROOT, DEBUG=false, settings
config.settings.base), so they see the same data as the benchmark process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    env.setdefault("DEBUG", "false")
    env.setdefault("LOG_LEVEL", "WARNING")
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra or {})
    return env


def _stop(process: subprocess.Popen, *, grace: float = 10.0) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def gunicorn(*, workers: int = 1, threads: int = 1, env: dict | None = None, timeout: float = 60):
    """gunicorn config.wsgi on a free loopback port; yields the base URL once it answers."""
    import urllib.error
    import urllib.request

    port = free_port()
    command = [
        str(BIN / "gunicorn"),
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread" if threads > 1 else "sync",
        "--log-level",
        "warning",
        "--keep-alive",
        "30",
        "--timeout",
        "120",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=_environment(env))
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}")
            try:
                urllib.request.urlopen(base + "/api/v1/", timeout=2)
                break
            except urllib.error.HTTPError:  # it answers (401 without a token)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not answer") from None
                time.sleep(0.2)
        yield base
    finally:
        _stop(process)


class Worker:
    def __init__(self, process: subprocess.Popen, broker: str):
        self.process = process
        self.broker = broker

    def drain(self, timeout: float = 600) -> float:
        """Wait until the queue is empty and nothing is running; return the seconds waited."""
        from config.celery import app

        began = time.monotonic()
        inspect = app.control.inspect(timeout=1.0)
        with app.connection_for_write() as conn:
            while time.monotonic() - began < timeout:
                waiting = conn.default_channel.client.llen("celery")
                active = inspect.active() or {}
                reserved = inspect.reserved() or {}
                busy = sum(len(v) for v in active.values()) + sum(len(v) for v in reserved.values())
                if not waiting and not busy:
                    return time.monotonic() - began
                time.sleep(0.05)
        raise RuntimeError("the Celery queue did not drain")


@contextlib.contextmanager
def celery_worker(*, broker: str, concurrency: int = 1, env: dict | None = None, timeout=60):
    """A real Celery worker (prefork) on the broker; yields a Worker once it answers a ping."""
    extra = {"CELERY_BROKER_URL": broker, **(env or {})}
    command = [
        str(BIN / "celery"),
        "-A",
        "config",
        "worker",
        "--concurrency",
        str(concurrency),
        "--loglevel",
        "WARNING",
        "--without-gossip",
        "--without-mingle",
        "-n",
        f"bench-{os.getpid()}@%h",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=_environment(extra))
    try:
        from config.celery import app

        deadline = time.monotonic() + timeout
        while not app.control.ping(timeout=1.0):
            if process.poll() is not None:
                raise RuntimeError(f"celery worker exited with {process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError("celery worker did not answer")
        yield Worker(process, broker)
    finally:
        _stop(process, grace=30)

"""The real processes a benchmark talks to: gunicorn serving config.wsgi and a Celery worker on
Redis, started on loopback against the benchmark's database and stopped afterwards.

    with gunicorn(workers=1) as base_url: ...      # http://127.0.0.1:<port>
    with celery_worker(broker) as worker: ...; worker.drain()

Both inherit the benchmark's environment (DATABASE_URL, MEDIA_ROOT, DEBUG=false, settings
config.settings.base), so they see the same data as the benchmark process.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn config.wsgi on loopback, in its own process group; stopped on exit."""

    def __init__(
        self,
        *,
        workers: int,
        worker_class: str,
        threads: int,
        settings: str,
        conn_max_age: str | None = None,
    ):
        self.port = free_port()
        self.base = f"127.0.0.1:{self.port}"
        handle, self.log_path = tempfile.mkstemp(prefix="o2c-gunicorn-", suffix=".log")
        self.log = os.fdopen(handle, "w")
        env = dict(os.environ)
        env.update(
            DEBUG="false",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            DJANGO_SETTINGS_MODULE=f"config.settings.{settings}",
            PYTHONPATH=str(ROOT),
        )
        if conn_max_age is not None:
            env["DB_CONN_MAX_AGE"] = conn_max_age
        if settings == "production":
            env.setdefault("SECRET_KEY", "bench-only-" + uuid.uuid4().hex * 2)
            env["SECURE_SSL_REDIRECT"] = "false"
        self.command = [
            sys.executable, "-m", "gunicorn", "config.wsgi",
            "--bind", self.base,
            "--workers", str(workers),
            "--worker-class", worker_class,
            "--threads", str(threads),
            "--backlog", "2048",
            "--timeout", "120",
            "--log-level", "warning",
            "--chdir", str(ROOT),
        ]  # fmt: skip
        self.env = env

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(
            self.command, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, cwd=ROOT
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {Path(self.log_path).read_text()[-2000:]}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    connection.close()
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /healthz within 90 s")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


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
def gunicorn(
    *, workers: int = 1, worker_class: str = "sync", threads: int = 1, settings="base", **kwargs
):
    """Server(...) as a context manager yielding its base URL."""
    with Server(
        workers=workers, worker_class=worker_class, threads=threads, settings=settings, **kwargs
    ) as server:
        yield f"http://{server.base}"


class Client:
    """One HTTP/1.1 connection to the server with one token; reconnects when the server closes
    it (the sync worker closes after every answer)."""

    def __init__(self, port: int, token: str):
        self.port = port
        self.headers = {
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Accept-Language": "en",
        }
        self.connection = None

    def post(self, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body or {})
        headers = {**self.headers, "Idempotency-Key": uuid.uuid4().hex}
        return self._send("POST", "/api/v1/" + path, data, headers)

    def get(self, url: str) -> tuple[int, dict]:
        """GET of a full path (`/healthz`, `/api/v1/customers/1/`) with the token."""
        return self._send("GET", url, None, self.headers)

    def _send(self, method: str, url: str, data, headers: dict) -> tuple[int, dict]:
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                self.connection.request(method, url, body=data, headers=headers)
                response = self.connection.getresponse()
                payload = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed the kept-alive connection before this request: not an
                # error of the request, which it never read. Once, on a new connection.
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
                continue
            if response.will_close:
                self.connection.close()
                self.connection = None
            return response.status, json.loads(payload) if payload else {}
        raise AssertionError("unreachable")


class Worker:
    def __init__(self, process: subprocess.Popen, broker: str, name: str):
        self.process = process
        self.broker = broker
        self.name = name
        # Deliveries left unacknowledged on this broker by a worker that died before this one
        # started (a killed run): not ours to wait for — kombu gives them back to the queue
        # only after its visibility timeout (an hour), so `drain` would wait for nothing.
        self.stale_unacked = self._unacked()

    @staticmethod
    def _unacked() -> set:
        from config.celery import app

        with app.connection_for_write() as conn:
            return set(conn.default_channel.client.hkeys("unacked"))

    def consume(self, on: bool = True) -> None:
        """Start (or stop) taking tasks from the default queue: a benchmark can let the queue
        fill while it times the callers, then time the worker alone."""
        from config.celery import app

        if on:
            app.control.add_consumer("celery", destination=[self.name], reply=True)
        else:
            app.control.cancel_consumer("celery", destination=[self.name], reply=True)

    def timed_drain(self) -> float:
        """Consume what is queued until nothing is left; the seconds it took."""
        began = time.monotonic()
        self.consume(True)
        self.drain()
        self.consume(False)
        return time.monotonic() - began

    def drain(self, timeout: float = 600) -> float:
        """Wait until the queue is empty and every delivered task is acknowledged (acks late:
        kombu keeps a task in Redis's `unacked` hash until it is done); the seconds waited."""
        from config.celery import app

        began = time.monotonic()
        with app.connection_for_write() as conn:
            redis = conn.default_channel.client
            while time.monotonic() - began < timeout:
                if not redis.llen("celery") and not (
                    set(redis.hkeys("unacked")) - self.stale_unacked
                ):
                    return time.monotonic() - began
                time.sleep(0.01)
        raise RuntimeError("the Celery queue did not drain")


@contextlib.contextmanager
def celery_worker(
    *,
    broker: str,
    concurrency: int = 1,
    env: dict | None = None,
    timeout=60,
    idle: bool = False,
):
    """A real Celery worker (prefork) on the broker; yields a Worker once it answers a ping.
    `idle`: it starts on a queue nothing is sent to and takes tasks only after
    `Worker.consume()`."""
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
        "-Q",
        "bench-idle" if idle else "celery",
    ]
    # The worker's banner and warnings would land in the benchmark's report.
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=_environment(extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        from config.celery import app

        deadline = time.monotonic() + timeout
        while not (replies := app.control.ping(timeout=1.0)):
            if process.poll() is not None:
                raise RuntimeError(f"celery worker exited with {process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError("celery worker did not answer")
        name = next(iter(replies[0]))
        yield Worker(process, broker, name)
    finally:
        _stop(process, grace=30)

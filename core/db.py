"""Which database a read goes to when O2C has a read replica (README: Scaling).

Everything reads and writes the primary (`default`). A report selector — a read that computes
a whole report, export or dashboard figure and hands back finished values — is wrapped in
`reporting()`; with `DATABASE_REPLICA_URL` set, `config.routers.ReplicaRouter` then sends its
reads to the `replica` alias, except:

- inside a transaction on the primary: reads that decide a write (a service's checks, what a
  row lock protects) must see the primary's rows, never a copy that lags behind;
- for a browser or API client whose own write is a few seconds old (`REPLICA_PIN_SECONDS`,
  `PrimaryAfterWriteMiddleware`): the report they open next shows what they just did.

Without a replica the router is not installed and `reporting()` changes nothing. Raw SQL in a
report asks the router for its connection: `connections[router.db_for_read(Model)]`.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
# The cookie that keeps a client's reports on the primary right after its own write.
PIN_COOKIE = "o2c_primary"

_reporting: ContextVar[bool] = ContextVar("o2c_reporting", default=False)
_pinned: ContextVar[bool] = ContextVar("o2c_primary_pinned", default=False)


@contextmanager
def reporting():
    """The reads within (a `with` block, or a function decorated `@reporting()`) are a
    report's: they may be served by the read replica."""
    token = _reporting.set(True)
    try:
        yield
    finally:
        _reporting.reset(token)


@contextmanager
def primary():
    """The reads within go to the primary even inside `reporting()`."""
    token = _pinned.set(True)
    try:
        yield
    finally:
        _pinned.reset(token)


def read_alias() -> str:
    """The alias a read goes to now: the replica inside `reporting()`, unless there is no
    replica, the primary has a transaction open, or the client is pinned to the primary."""
    if (
        _reporting.get()
        and not _pinned.get()
        and REPLICA in settings.DATABASES
        and not connections[DEFAULT_DB_ALIAS].in_atomic_block
    ):
        return REPLICA
    return DEFAULT_DB_ALIAS


class PrimaryAfterWriteMiddleware:
    """Read-your-writes with a lagging replica: a successful POST, PUT, PATCH or DELETE sets a
    short-lived cookie, and while a request carries it, its reports read the primary.
    Installed only when a replica is configured (config/settings/base.py)."""

    UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if PIN_COOKIE in request.COOKIES:
            with primary():
                response = self.get_response(request)
        else:
            response = self.get_response(request)
        if request.method in self.UNSAFE and response.status_code < 400:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response


def lock_key(name: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """Serialise the transactions that decide on `name` (a key no row stands for yet, such
    as a normalised company name before its customer exists): on PostgreSQL a transaction-level
    advisory lock on its hash, held until the commit; elsewhere nothing (SQLite lets one writer
    at a time). Called inside the deciding transaction, before the read it protects."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [name])

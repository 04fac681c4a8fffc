import time

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections

from core.roles import Role
from tests.api_fuzz.support import raw_schema
from tests.core.query_budgets_seed import seed
from tests.factories import UserFactory


@pytest.fixture
def wsgi_app():
    """The WSGI app, without the request signals closing the test's connection (the test
    client disconnects them the same way)."""
    app = get_wsgi_application()
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield app
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(wsgi_app):
    """The schema loaded by schemathesis, its requests sent to the WSGI app in-process."""
    schema = schemathesis.openapi.from_dict(raw_schema())
    schema.app = wsgi_app
    return schema


@pytest.fixture
def books(db):
    """Every kind of document (tests/core/query_budgets_seed.py), the 14 roles' users and a
    clerk who owns nothing."""
    started = time.monotonic()
    books = seed(1)
    print(f"\nseeded in {time.monotonic() - started:.0f} s")
    books.users["stranger_clerk"] = UserFactory(username="fuzz.stranger", roles=(Role.SALES_CLERK,))
    return books

"""Shared fixtures. Tests run on PostgreSQL when DATABASE_URL is set (CI), else on SQLite with
the PostgreSQL-only tests skipped, saying why. In CI (CI=true) a missing PostgreSQL, Redis
broker or Chromium stops the run instead, so nothing CI is meant to run is skipped."""

import os

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytest_plugins = ["tests.celery_harness"]

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_configure(config):
    if not IN_CI:
        return
    missing = []
    if connection.vendor != "postgresql":
        missing.append("PostgreSQL (set DATABASE_URL=postgres://...)")
    if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis://"):
        missing.append("Redis broker (set CELERY_BROKER_URL=redis://...)")
    if not os.path.exists(os.environ.get("CHROMIUM", "/usr/bin/chromium")):
        missing.append("Chromium (apt-get install chromium)")
    if missing:
        raise pytest.UsageError("CI=true but these are missing: " + "; ".join(missing))


def pytest_collection_modifyitems(config, items):
    on_postgres = connection.vendor == "postgresql"
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(
                pytest.mark.skip(reason="needs PostgreSQL (row locks): set DATABASE_URL")
            )


@pytest.fixture(autouse=True)
def _reference_data(request):
    """After a transactional test's flush, put back what the data migrations created."""
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    if (marker and marker.kwargs.get("transaction")) or names & {"transactional_db", "live_server"}:
        from tests import reference_data

        request.getfixturevalue("transactional_db")
        reference_data.restore()


@pytest.fixture
def make_user(db):
    def make(*roles: str, **kwargs):
        return UserFactory(roles=roles, **kwargs)

    return make


@pytest.fixture
def clerk(make_user):
    return make_user("sales_clerk", username="clerk.li")


@pytest.fixture
def manager(make_user):
    return make_user("sales_manager", username="manager.wang")


@pytest.fixture
def gm(make_user):
    return make_user("general_manager", username="gm.chen")


@pytest.fixture
def api():
    """An API client; `api.as_user(user)` authenticates it with a token."""
    client = APIClient()

    def as_user(user):
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    client.as_user = as_user
    return client

"""Login throttling and lockout (issue 16, item 6; django-axes, core/security.py): the login
page and the API's token endpoint refuse a username from an address after LOGIN_FAILURE_LIMIT
failures, with a 429 that says why, for LOGIN_LOCKOUT_MINUTES; every failure is recorded."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from tests.core.test_api_foundations import assert_error_body

pytestmark = pytest.mark.django_db
GOOD = {"username": "clerk.li", "password": "secret-pass-123"}
BAD = {"username": "clerk.li", "password": "wrong"}


def _fail(post, times):
    return [post(BAD).status_code for _ in range(times)]


def test_the_login_page_locks_a_username_out_after_the_limit(clerk, make_user):
    client = Client()
    limit = settings.LOGIN_FAILURE_LIMIT

    answers = _fail(lambda data: client.post("/login/", data), limit)

    assert answers[:-1] == [200] * (limit - 1)  # the form again, with its error
    locked = client.post("/login/", GOOD)  # the right password no longer helps
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert locked["Retry-After"] == str(settings.LOGIN_LOCKOUT_MINUTES * 60)
    assert "_auth_user_id" not in client.session
    assert AccessFailureLog.objects.filter(username="clerk.li").count() >= limit
    # Another user from the same address is not locked out.
    make_user("sales_clerk", username="clerk.zhao", password="another-pass-456")
    other = client.post("/login/", {"username": "clerk.zhao", "password": "another-pass-456"})
    assert other.status_code == 302


def test_the_token_endpoint_locks_out_with_the_api_error_body(api, clerk):
    _fail(lambda data: api.post("/api/v1/auth/token/", data, format="json"), 4)
    refused = api.post("/api/v1/auth/token/", BAD, format="json")
    assert refused.status_code in (401, 429)

    locked = api.post("/api/v1/auth/token/", GOOD, format="json")

    body = assert_error_body(locked, 429, "too_many_attempts")
    assert "Too many failed logins" in body["detail"]
    assert not Token.objects.exists()


def test_the_lockout_ends_after_the_cool_off(api, clerk):
    _fail(lambda data: api.post("/api/v1/auth/token/", data, format="json"), 5)
    assert api.post("/api/v1/auth/token/", GOOD, format="json").status_code == 429

    AccessAttempt.objects.update(
        attempt_time=timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES + 1)
    )

    assert api.post("/api/v1/auth/token/", GOOD, format="json").status_code == 200


def test_a_success_resets_the_count_and_is_logged(clerk):
    client = Client()
    _fail(lambda data: client.post("/login/", data), settings.LOGIN_FAILURE_LIMIT - 1)

    assert client.post("/login/", GOOD).status_code == 302

    assert not AccessAttempt.objects.filter(username="clerk.li").exists()
    assert AccessLog.objects.filter(username="clerk.li").exists()
    client.logout()
    assert [client.post("/login/", BAD).status_code for _ in range(2)] == [200, 200]

"""API tokens expire and can be revoked (issue 16, item 6)."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.authtoken.models import Token

from tests.core.test_api_foundations import assert_error_body

pytestmark = pytest.mark.django_db
CREDENTIALS = {"username": "clerk.li", "password": "secret-pass-123"}


def _token(api):
    response = api.post("/api/v1/auth/token/", CREDENTIALS, format="json")
    assert response.status_code == 200, response.content
    return response.json()


@override_settings(API_TOKEN_TTL_HOURS=24)
def test_a_token_says_when_it_expires_and_is_refused_after(api, clerk):
    before = timezone.now()
    body = _token(api)
    expires_at = parse_datetime(body["expires_at"])
    assert before + timedelta(hours=24) - timedelta(seconds=5) <= expires_at
    assert expires_at <= timezone.now() + timedelta(hours=24)
    api.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert api.get("/api/v1/customers/").status_code == 200

    Token.objects.filter(key=body["token"]).update(created=timezone.now() - timedelta(hours=24))

    refused = assert_error_body(api.get("/api/v1/customers/"), 401, "authentication_failed")
    assert "expired" in refused["detail"]


@override_settings(API_TOKEN_TTL_HOURS=24)
def test_asking_again_after_expiry_issues_a_new_token(api, clerk):
    old = _token(api)["token"]
    Token.objects.filter(key=old).update(created=timezone.now() - timedelta(hours=25))

    new = _token(api)["token"]

    assert new != old
    assert not Token.objects.filter(key=old).exists()
    api.credentials(HTTP_AUTHORIZATION=f"Token {new}")
    assert api.get("/api/v1/customers/").status_code == 200


def test_asking_again_before_expiry_gives_the_same_token(api, clerk):
    assert _token(api)["token"] == _token(api)["token"]


def test_delete_revokes_the_token(api, clerk):
    token = _token(api)["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert api.delete("/api/v1/auth/token/").status_code == 204

    assert not Token.objects.filter(key=token).exists()
    assert_error_body(api.get("/api/v1/customers/"), 401, "authentication_failed")


def test_delete_without_a_token_is_401_and_revokes_nothing(api, clerk):
    _token(api)
    assert_error_body(api.delete("/api/v1/auth/token/"), 401, "not_authenticated")
    assert Token.objects.count() == 1

"""API foundations (API.md Conventions): auth, the error body, pagination, Idempotency-Key."""

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from core.models import IdempotencyRecord
from sales.models import Customer

pytestmark = pytest.mark.django_db


def assert_error_body(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "detail", "errors"}
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["errors"], dict)
    return body


def test_anonymous_call_is_401_with_the_error_body(api):
    response = api.get("/api/v1/customers/")

    assert_error_body(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_bad_token_is_401(api):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert_error_body(api.get("/api/v1/customers/"), 401, "authentication_failed")


def test_token_of_an_inactive_user_is_401(api, clerk):
    api.as_user(clerk)
    clerk.is_active = False
    clerk.save(update_fields=["is_active"])

    body = assert_error_body(api.get("/api/v1/customers/"), 401, "authentication_failed")
    assert body["detail"] == "User inactive or deleted."


def test_the_token_read_gives_the_token_and_user_as_the_orm_does(clerk, make_user):
    """The token's fixed statement (issue 14): the same token and user, with the user's roles
    kept, the user's booleans and dates typed as the ORM types them on every database."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from core.api.authentication import _token_with_roles
    from core.permissions import user_roles

    boss = make_user("sales_manager", "finance", username="boss")
    for user in (clerk, boss):
        key = Token.objects.create(user=user).key
        with CaptureQueriesContext(connection) as queries:
            token = _token_with_roles(key)
            roles = user_roles(token.user)
            assert token.user.auth_token is token
        orm = Token.objects.select_related("user").get(key=key)

        assert len(queries) == 1
        groups = frozenset(user.groups.values_list("name", flat=True))
        assert roles == user_roles(orm.user) == groups
        assert (token.pk, token.user_id, token.created) == (orm.pk, orm.user_id, orm.created)
        for field in type(user)._meta.concrete_fields:
            mine, theirs = getattr(token.user, field.attname), getattr(orm.user, field.attname)
            assert (type(mine), mine) == (type(theirs), theirs), field.name
        assert token.user._state.db == orm.user._state.db and not token.user._state.adding
    assert _token_with_roles("not-a-real-token") is None


@pytest.mark.parametrize(
    "path", ["/api/v1/products/", "/api/v1/warehouses/", "/api/v1/customers/1/credit/"]
)
def test_no_endpoint_is_anonymous(api, path):
    assert api.get(path).status_code == 401


def test_token_endpoint_gives_a_token_that_authenticates(api, clerk):
    response = api.post(
        "/api/v1/auth/token/",
        {"username": "clerk.li", "password": "secret-pass-123"},
        format="json",
    )

    assert response.status_code == 200
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/customers/").status_code == 200


def test_token_endpoint_refuses_a_wrong_password_with_401(api, clerk):
    response = api.post(
        "/api/v1/auth/token/", {"username": "clerk.li", "password": "wrong"}, format="json"
    )

    assert_error_body(response, 401, "authentication_failed")


@pytest.mark.rule("R25")
def test_token_endpoint_names_missing_fields(api):
    body = assert_error_body(api.post("/api/v1/auth/token/", {}, format="json"), 400, "invalid")

    assert set(body["errors"]) == {"username", "password"}


@pytest.mark.rule("R25")
def test_malformed_json_is_400_invalid(api, clerk):
    response = api.as_user(clerk).post(
        "/api/v1/customers/", data='{"name": ', content_type="application/json"
    )

    assert_error_body(response, 400, "invalid")
    assert not Customer.objects.exists()


def test_unknown_api_url_is_404_with_the_error_body(api, clerk):
    assert_error_body(api.as_user(clerk).get("/api/v1/no-such-thing/"), 404, "not_found")


def test_unknown_object_is_404_with_the_error_body(api, clerk):
    assert_error_body(api.as_user(clerk).get("/api/v1/customers/999999/"), 404, "not_found")


def test_forbidden_is_403_with_the_error_body(api, clerk):
    response = api.as_user(clerk).post(
        "/api/v1/products/", {"code": "P", "name": "x", "unit": "台"}, format="json"
    )

    assert_error_body(response, 403, "permission_denied")


def test_conflict_is_409_with_the_error_body(api, clerk):
    response = api.as_user(clerk).post(
        "/api/v1/customers/", {"name": "x", "risk_level": "low"}, format="json"
    )

    assert_error_body(response, 409, "credit_change_requires_approval")


def test_browser_session_authenticates_the_api(clerk):
    client = Client()
    client.force_login(clerk)

    assert client.get("/api/v1/customers/").status_code == 200


def test_lists_are_paginated_with_count_next_previous_results(api, clerk):
    body = api.as_user(clerk).get("/api/v1/products/").json()

    assert set(body) == {"count", "next", "previous", "results"}


# --- Idempotency-Key -----------------------------------------------------------------------


def _post_customer(client, key: str, name: str = "上海华东机械有限公司"):
    return client.post(
        "/api/v1/customers/", {"name": name}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )


@pytest.mark.rule("R25")
def test_retry_with_same_key_and_body_replays_the_first_response_and_writes_nothing(api, clerk):
    client = api.as_user(clerk)

    first = _post_customer(client, "key-1")
    second = _post_customer(client, "key-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Customer.objects.count() == 1


@pytest.mark.rule("R25")
def test_same_key_with_another_body_is_422_and_writes_nothing(api, clerk):
    client = api.as_user(clerk)
    _post_customer(client, "key-1", name="甲")

    response = _post_customer(client, "key-1", name="乙")

    assert_error_body(response, 422, "idempotency_key_reused")
    assert list(Customer.objects.values_list("name", flat=True)) == ["甲"]


def test_same_key_on_another_path_is_422(api, gm):
    client = api.as_user(gm)
    client.post(
        "/api/v1/warehouses/", {"code": "W1", "name": "仓"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )

    response = client.post(
        "/api/v1/products/", {"code": "W1", "name": "仓"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )

    assert_error_body(response, 422, "idempotency_key_reused")


def test_keys_are_per_user(api, clerk, make_user):
    _post_customer(api.as_user(clerk), "shared-key", name="甲")
    response = _post_customer(api.as_user(make_user("sales_clerk")), "shared-key", name="甲")

    assert response.status_code == 201
    assert Customer.objects.count() == 2


def test_a_refused_request_is_replayed_as_refused(api, clerk):
    client = api.as_user(clerk)
    body = {"name": "x", "credit_limit": "1.00"}

    first = client.post("/api/v1/customers/", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    second = client.post("/api/v1/customers/", body, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert first.status_code == second.status_code == 409
    assert second["Idempotent-Replayed"] == "true"


@pytest.mark.rule("R10")
def test_a_key_still_in_progress_is_409(api, clerk):
    client = api.as_user(clerk)
    payload = json.dumps({"name": "甲"}).encode()
    IdempotencyRecord.objects.create(
        user=clerk, key="k", fingerprint=_fingerprint("/api/v1/customers/", payload)
    )

    response = client.post(
        "/api/v1/customers/", payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k"
    )

    assert_error_body(response, 409, "idempotency_key_in_progress")
    assert not Customer.objects.exists()


def test_keys_are_kept_a_day_and_then_forgotten(api, clerk, settings):
    client = api.as_user(clerk)
    _post_customer(client, "k", name="甲")
    IdempotencyRecord.objects.update(
        created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS - 1)
    )
    assert settings.IDEMPOTENCY_KEY_TTL_HOURS >= 24
    assert _post_customer(client, "k", name="乙").status_code == 422

    IdempotencyRecord.objects.update(
        created_at=timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS + 1)
    )

    assert _post_customer(client, "k", name="乙").status_code == 201


@pytest.mark.rule("R25")
def test_an_overlong_key_is_400_naming_the_header(api, clerk):
    body = assert_error_body(_post_customer(api.as_user(clerk), "x" * 300), 400, "invalid")

    assert "Idempotency-Key" in body["errors"]
    assert not Customer.objects.exists()


def _fingerprint(path: str, body: bytes) -> str:
    import hashlib

    digest = hashlib.sha256()
    digest.update(path.encode())
    digest.update(b"\0")
    digest.update(body)
    return digest.hexdigest()


# --- OpenAPI ------------------------------------------------------------------------------


def test_schema_describes_the_v1_endpoints(client):
    response = client.get("/api/schema/?format=json")

    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    for path in [
        "/api/v1/auth/token/",
        "/api/v1/customers/",
        "/api/v1/customers/{id}/credit/",
        "/api/v1/products/",
        "/api/v1/warehouses/",
    ]:
        assert path in paths


def test_swagger_ui_loads_nothing_from_the_internet(client, clerk):
    client.force_login(clerk)
    html = client.get("/api/docs/").content.decode()

    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert external == []
    assert "swagger-ui" in html

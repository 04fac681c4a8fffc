"""Issue 11 item 10, REST niceties: the API index, Swagger tags per resource, unknown paths
and bad ids as the JSON 404 (never a CSRF page or a 500), UTF-8 error bodies, the favicon."""

import json

import pytest
from django.conf import settings
from django.test import Client

from tests.core.test_api_foundations import assert_error_body

pytestmark = pytest.mark.django_db

BEYOND_BIGINT = "99999999999999999999"
METHODS = ["post", "put", "patch", "delete"]


# --- GET /api/v1/ ---------------------------------------------------------------------------


def test_api_index_lists_every_resource_with_its_absolute_url(api, clerk):
    response = api.as_user(clerk).get("/api/v1/")

    assert response.status_code == 200
    index = response.json()
    for name in [
        "approvals",
        "delegations",
        "customers",
        "credit-changes",
        "products",
        "price-lists",
        "orders",
        "contracts",
        "warehouses",
        "stock",
        "production-notices",
        "goods-receipts",
        "shipping-notices",
        "service-dispatches",
    ]:
        assert index[name] == f"http://testserver/api/v1/{name}/"
    # Each listed URL answers.
    assert api.get(index["orders"]).status_code == 200


def test_api_index_is_not_anonymous(api):
    response = api.get("/api/v1/")

    assert_error_body(response, 401, "not_authenticated")


# --- OpenAPI tags -----------------------------------------------------------------------------


def test_every_operation_has_exactly_one_tag_naming_its_resource(client):
    paths = json.loads(client.get("/api/schema/?format=json").content)["paths"]

    tags = set()
    for path, operations in paths.items():
        resource = path.removeprefix("/api/v1/").split("/")[0] or "index"
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            assert operation["tags"] == [resource], (method, path, operation.get("tags"))
            tags.add(resource)
    assert {"customers", "orders", "contracts", "shipping-notices", "approvals"} <= tags
    assert "v1" not in tags


# --- unknown paths ----------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_a_write_to_an_unknown_api_path_is_the_json_404_for_a_browser_session(clerk, method):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(clerk)

    response = getattr(browser, method)("/api/v1/no-such-thing/", {})

    assert_error_body(response, 404, "not_found")


@pytest.mark.parametrize("method", METHODS)
def test_a_write_to_an_unknown_api_path_is_the_json_404_for_a_token_client(api, clerk, method):
    response = getattr(api.as_user(clerk), method)("/api/v1/no-such-thing/", {}, format="json")

    assert_error_body(response, 404, "not_found")


def test_the_catch_all_404_body_is_utf8_like_the_other_errors(api, clerk):
    client = api.as_user(clerk)
    unknown_path = client.get("/api/v1/no-such-thing/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    unknown_object = client.get("/api/v1/orders/999999/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert_error_body(unknown_path, 404, "not_found")
    assert unknown_path.json()["detail"] == "未找到。"
    assert "未找到".encode() in unknown_path.content
    assert b"\\u" not in unknown_path.content
    # Encoded as DRF's renderer encodes the other errors.
    assert unknown_path.content == unknown_object.content


# --- bad ids in URLs --------------------------------------------------------------------------


@pytest.mark.parametrize("bad_id", ["abc", BEYOND_BIGINT, "-1", "1.5"])
@pytest.mark.parametrize(
    "method, path",
    [
        ("post", "/api/v1/delegations/{}/revoke/"),
        ("post", "/api/v1/approvals/{}/approve/"),
        ("post", "/api/v1/approvals/{}/reject/"),
        ("post", "/api/v1/approvals/{}/withdraw/"),
        ("get", "/api/v1/approvals/{}/"),
        ("get", "/api/v1/customers/{}/credit/"),
        ("post", "/api/v1/orders/{}/submit/"),
        ("get", "/api/v1/contracts/{}/ledger/"),
        ("post", "/api/v1/shipping-notices/{}/issue/"),
    ],
)
def test_a_bad_id_in_an_api_url_is_the_json_404(api, gm, method, path, bad_id):
    client = api.as_user(gm)
    client.raise_request_exception = False

    response = getattr(client, method)(path.format(bad_id), {"comment": "x"}, format="json")

    assert_error_body(response, 404, "not_found")


@pytest.mark.parametrize("bad_id", ["abc", BEYOND_BIGINT])
@pytest.mark.parametrize(
    "method, path",
    [
        ("post", "/approvals/delegations/{}/revoke/"),
        ("post", "/approvals/{}/decide/"),
        ("get", "/approvals/{}/"),
        ("get", "/customers/{}/"),
        ("get", "/orders/{}/"),
        ("post", "/orders/{}/submit/"),
        ("get", "/contracts/{}/ledger/"),
        ("post", "/shipping-notices/{}/issue/"),
        ("get", "/service-dispatches/{}/"),
    ],
)
def test_a_bad_id_in_a_page_url_is_a_404_page(client, gm, method, path, bad_id):
    client.force_login(gm)
    client.raise_request_exception = False

    response = getattr(client, method)(path.format(bad_id))

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# --- favicon ----------------------------------------------------------------------------------


def test_favicon_ico_answers_with_the_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # ICO header


def test_pages_link_the_svg_favicon(client, clerk):
    client.force_login(clerk)
    html = client.get("/").content.decode()

    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    svg = (settings.BASE_DIR / "static" / "favicon.svg").read_text()
    assert svg.startswith("<svg") and "http://www.w3.org/2000/svg" in svg

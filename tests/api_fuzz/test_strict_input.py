"""Request bodies are exact (issue 16, R25): a field a serializer does not take is refused with a
400 naming it — top level and inside lines — instead of being dropped silently, and nothing is
written; the schema says so (`additionalProperties: false` on every request object)."""

import contextlib
import importlib

import pytest
from rest_framework import serializers

from core.api.serializers import StrictInput
from sales.models import Customer, Order
from tests.api_fuzz.support import raw_schema
from tests.factories import CustomerFactory, ProductFactory, active_price_list

APPS = ("approvals", "contracts", "core", "finance", "inventory", "sales")


def all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from all_subclasses(sub)


def test_every_serializer_of_the_api_refuses_unknown_fields():
    for app in APPS:
        for module in ("api.serializers", "api.views"):
            with contextlib.suppress(ModuleNotFoundError):
                importlib.import_module(f"{app}.{module}")
    ours = {
        cls
        for cls in all_subclasses(serializers.Serializer)
        if cls.__module__.split(".")[0] in APPS
    }
    assert len(ours) > 50
    lax = sorted(c.__qualname__ for c in ours if not issubclass(c, StrictInput))
    assert lax == []


@pytest.mark.django_db
def test_every_request_object_of_the_schema_is_closed():
    schemas = raw_schema()["components"]["schemas"]
    requests = {name: s for name, s in schemas.items() if name.endswith("Request")}
    assert len(requests) > 40
    open_ = sorted(n for n, s in requests.items() if s.get("additionalProperties") is not False)
    assert open_ == []


@pytest.mark.rule("R25")
def test_an_unknown_top_level_field_is_a_400_naming_it_and_nothing_is_written(api, clerk):
    response = api.as_user(clerk).post(
        "/api/v1/customers/", {"name": "新客户有限公司", "colour": "red"}, format="json"
    )

    assert response.status_code == 400, response.content
    assert response.json() == {
        "code": "invalid",
        "detail": "The input is not valid.",
        "errors": {"colour": ["Unknown field."]},
    }
    assert not Customer.objects.exists()


@pytest.mark.rule("R25")
def test_unknown_and_invalid_fields_are_named_together(api, clerk):
    response = api.as_user(clerk).post(
        "/api/v1/customers/", {"name": "", "colour": "red"}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"name", "colour"}


@pytest.mark.rule("R25")
def test_a_read_only_field_is_a_400_naming_it(api, clerk):
    customer = CustomerFactory(owner=clerk)

    response = api.as_user(clerk).patch(
        f"/api/v1/customers/{customer.pk}/", {"id": 99, "name": "改名"}, format="json"
    )

    assert response.status_code == 400, response.content
    assert response.json()["errors"] == {"id": ["This field is read-only."]}
    customer.refresh_from_db()
    assert customer.name != "改名"


@pytest.mark.rule("R25")
def test_an_unknown_line_field_is_a_400_naming_the_line_and_field(api, clerk):
    product = ProductFactory()
    active_price_list(items=[(product, "100.00", "90.00")])
    customer = CustomerFactory(owner=clerk)
    body = {
        "customer": customer.pk,
        "lines": [{"product": product.pk, "quantity": "1", "unit_price": "100.00", "discount": 5}],
    }

    response = api.as_user(clerk).post("/api/v1/orders/", body, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["errors"] == {"lines.0.discount": ["Unknown field."]}
    assert not Order.objects.exists()


def test_an_unknown_field_in_an_action_body_is_refused(api, db):
    response = api.post(
        "/api/v1/auth/token/", {"username": "a", "password": "b", "otp": "1"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"otp": ["Unknown field."]}

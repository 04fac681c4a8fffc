"""REST for customers and products (API.md): R1, R2, R23, R25 through the API."""

from decimal import Decimal

import pytest

from sales.models import Customer, Product
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.mark.rule("R1")
def test_post_customer_answers_201_with_r1_defaults(api, clerk):
    response = api.as_user(clerk).post(
        "/api/v1/customers/",
        {
            "name": "上海华东机械有限公司",
            "tax_id": "91310000MA1FL0XX1A",
            "contact_name": "张伟",
            "phone": "021-55501234",
            "email": "zw@example.com",
            "address": "上海市",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["credit_limit"] == "0.00"
    assert body["credit_days"] == 0
    assert body["risk_level"] == "high"
    assert body["owner"] == "clerk.li"
    assert isinstance(body["id"], int)
    assert Customer.objects.get(pk=body["id"]).owner == clerk


@pytest.mark.rule("R2", "R25")
@pytest.mark.parametrize(
    "field, value", [("credit_limit", "100000.00"), ("credit_days", 30), ("risk_level", "low")]
)
def test_post_with_credit_field_is_409_and_writes_nothing(api, clerk, field, value):
    response = api.as_user(clerk).post(
        "/api/v1/customers/", {"name": "某公司", field: value}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "credit_change_requires_approval"
    assert field in response.json()["errors"]
    assert not Customer.objects.exists()


@pytest.mark.rule("R2", "R25")
def test_patch_with_credit_field_is_409_and_changes_nothing(api, clerk):
    customer = CustomerFactory(owner=clerk, name="原名")

    response = api.as_user(clerk).patch(
        f"/api/v1/customers/{customer.pk}/",
        {"name": "新名", "credit_limit": "99999.00"},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "credit_change_requires_approval"
    customer.refresh_from_db()
    assert (customer.name, customer.credit_limit) == ("原名", Decimal("0.00"))


def test_patch_updates_master_data_and_contacts(api, clerk):
    customer = CustomerFactory(owner=clerk)

    response = api.as_user(clerk).patch(
        f"/api/v1/customers/{customer.pk}/",
        {"address": "苏州市", "contacts": [{"name": "王芳", "phone": "0512-66601234"}]},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["address"] == "苏州市"
    assert [c["name"] for c in response.json()["contacts"]] == ["王芳"]


@pytest.mark.rule("R25")
def test_bad_input_is_400_naming_each_field_and_writes_nothing(api, clerk):
    response = api.as_user(clerk).post(
        "/api/v1/customers/",
        {
            "name": "",
            "tax_id": "abc",
            "email": "nope",
            "owner": "ghost",
            "contacts": [{"name": ""}],
        },
        format="json",
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert {"name", "tax_id", "email", "owner", "contacts.0.name"} <= set(body["errors"])
    assert not Customer.objects.exists()


@pytest.mark.rule("R23")
def test_clerk_lists_only_own_customers(api, clerk, make_user):
    mine = CustomerFactory(owner=clerk)
    CustomerFactory(owner=make_user("sales_clerk"))

    response = api.as_user(clerk).get("/api/v1/customers/")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]
    assert response.json()["count"] == 1


@pytest.mark.rule("R23")
def test_clerk_gets_404_for_a_customer_of_another_clerk(api, clerk, make_user):
    other = CustomerFactory(owner=make_user("sales_clerk"))

    client = api.as_user(clerk)

    assert client.get(f"/api/v1/customers/{other.pk}/").status_code == 404
    assert client.get(f"/api/v1/customers/{other.pk}/credit/").status_code == 404
    response = client.patch(f"/api/v1/customers/{other.pk}/", {"name": "x"}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("role", ["sales_manager", "finance", "general_manager", "warehouse"])
def test_other_roles_see_every_customer(api, make_user, role):
    CustomerFactory.create_batch(3)

    response = api.as_user(make_user(role)).get("/api/v1/customers/")

    assert response.json()["count"] == 3


@pytest.mark.rule("R3")
def test_credit_endpoint_shows_limit_exposure_and_available(api, clerk):
    customer = CustomerFactory(owner=clerk)

    response = api.as_user(clerk).get(f"/api/v1/customers/{customer.pk}/credit/")

    assert response.status_code == 200
    assert response.json() == {
        "credit_limit": "0.00",
        "credit_days": 0,
        "risk_level": "high",
        "exposure": "0.00",
        "available": "0.00",
        "overdue_amount": "0.00",
        "blocked": False,
    }


@pytest.mark.rule("R3")
def test_credit_available_is_limit_minus_exposure_and_may_be_negative(api, manager):
    customer = CustomerFactory(credit_limit=Decimal("1000.00"), exposure=Decimal("1500.50"))

    body = api.as_user(manager).get(f"/api/v1/customers/{customer.pk}/credit/").json()

    assert body["available"] == "-500.50"


def test_list_filters_and_searches(api, manager, clerk):
    CustomerFactory(name="上海华东机械", owner=clerk)
    CustomerFactory(name="江苏苏南重工")
    client = api.as_user(manager)

    assert client.get("/api/v1/customers/?search=华东").json()["count"] == 1
    assert client.get("/api/v1/customers/?owner=clerk.li").json()["count"] == 1
    assert client.get("/api/v1/customers/?risk_level=high").json()["count"] == 2


def test_page_size_is_capped_at_200(api, manager):
    CustomerFactory.create_batch(205)

    body = api.as_user(manager).get("/api/v1/customers/?page_size=500").json()

    assert body["count"] == 205
    assert len(body["results"]) == 200
    assert body["next"] is not None


def test_customer_list_query_count_does_not_grow_with_rows(
    api, manager, django_assert_max_num_queries
):
    for _ in range(30):
        CustomerFactory().contacts.create(name="张伟")
    client = api.as_user(manager)

    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/customers/?page_size=200")

    assert len(response.json()["results"]) == 30


def test_products_are_created_by_the_general_manager_only(api, gm, clerk):
    payload = {"code": "P-1", "name": "数控车床", "unit": "台"}

    refused = api.as_user(clerk).post("/api/v1/products/", payload, format="json")
    created = api.as_user(gm).post("/api/v1/products/", payload, format="json")

    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert created.status_code == 201
    assert created.json()["tax_rate"] == "0.1300"
    assert Product.objects.count() == 1


@pytest.mark.rule("R25")
def test_product_duplicate_code_is_400_on_code(api, gm):
    ProductFactory(code="P-1")

    response = api.as_user(gm).post(
        "/api/v1/products/", {"code": "P-1", "name": "x", "unit": "台"}, format="json"
    )

    assert response.status_code == 400
    assert "code" in response.json()["errors"]


@pytest.mark.rule("R24")
def test_master_data_cannot_be_deleted(api, gm):
    product = ProductFactory()

    response = api.as_user(gm).delete(f"/api/v1/products/{product.pk}/")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert Product.objects.filter(pk=product.pk).exists()


def test_customer_export_and_import_through_the_api(api, clerk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    CustomerFactory(owner=clerk, code="C1", name="甲")
    client = api.as_user(clerk)

    exported = client.get("/api/v1/customers/export/?file_format=csv")
    assert exported.status_code == 200
    text = exported.content.decode("utf-8-sig").replace("甲", "甲（新）")
    upload = SimpleUploadedFile("c.csv", text.encode("utf-8"))
    response = client.post("/api/v1/customers/import/", {"file": upload}, format="multipart")

    assert response.status_code == 200, response.content
    assert response.json() == {"created": 0, "updated": 1}
    assert Customer.objects.get(code="C1").name == "甲（新）"


@pytest.mark.rule("R2", "R25")
def test_api_import_with_a_changed_credit_column_is_409_and_writes_nothing(api, clerk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = "name,credit_limit\n新客户,50000\n".encode()
    response = api.as_user(clerk).post(
        "/api/v1/customers/import/",
        {"file": SimpleUploadedFile("c.csv", data)},
        format="multipart",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "credit_change_requires_approval"
    assert "row 2: credit_limit" in response.json()["errors"]
    assert not Customer.objects.exists()


def test_product_import_by_a_clerk_is_403(api, clerk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = b"code,name,unit\nP1,x,y\n"
    response = api.as_user(clerk).post(
        "/api/v1/products/import/",
        {"file": SimpleUploadedFile("p.csv", data)},
        format="multipart",
    )

    assert response.status_code == 403
    assert not Product.objects.exists()

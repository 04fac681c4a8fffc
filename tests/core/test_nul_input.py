"""R25: a NUL character (which PostgreSQL text cannot hold) is refused up front with a 400
naming the field — in a search box, a form, a JSON body — instead of failing in a query."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.rule("R25")
@pytest.mark.parametrize(
    "url",
    ["/shipping-notices/?q=%00", "/customers/?q=a%00b", "/gate/?gate_pass_no=%00", "/stock/?q=%00"],
)
def test_a_page_with_nul_in_the_query_is_refused_naming_the_field(client, make_user, url):
    client.force_login(make_user("security", "sales_clerk", "warehouse"))

    response = client.get(url)

    assert response.status_code == 400
    field = url.split("?")[1].split("=")[0]
    assert f"<strong>{field}</strong>" in response.content.decode()


@pytest.mark.rule("R25")
def test_a_form_post_with_nul_writes_nothing(client, make_user):
    from inventory.models import Warehouse

    client.force_login(make_user("general_manager"))

    response = client.post("/warehouses/new/", {"code": "W\x00", "name": "库"})

    assert response.status_code == 400 and not Warehouse.objects.exists()


@pytest.mark.rule("R25")
def test_the_api_refuses_nul_in_json_and_query_with_the_error_body(api, make_user):
    client = api.as_user(make_user("general_manager"))

    posted = client.post("/api/v1/warehouses/", {"code": "W1", "name": "a\x00b"}, format="json")
    listed = client.get("/api/v1/warehouses/?search=%00")

    assert posted.status_code == 400 and posted.json()["code"] == "invalid"
    assert listed.status_code == 400 and listed.json()["errors"] == {
        "search": ["Remove the NUL (0x00) character."]
    }


@pytest.mark.rule("R25")
def test_an_idempotency_key_with_nul_is_refused(api, make_user):
    client = api.as_user(make_user("general_manager"))

    response = client.post(
        "/api/v1/warehouses/", {"code": "W1", "name": "库"}, HTTP_IDEMPOTENCY_KEY="a\x00b"
    )

    assert response.status_code == 400 and "Idempotency-Key" in response.json()["errors"]

import pytest

from inventory.models import Warehouse
from tests.factories import WarehouseFactory

pytestmark = pytest.mark.django_db


def test_general_manager_creates_a_warehouse(api, gm):
    response = api.as_user(gm).post(
        "/api/v1/warehouses/", {"code": "WH01", "name": "成品库"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["code"] == "WH01"


def test_clerk_cannot_create_a_warehouse(api, clerk):
    response = api.as_user(clerk).post(
        "/api/v1/warehouses/", {"code": "WH01", "name": "成品库"}, format="json"
    )

    assert response.status_code == 403
    assert not Warehouse.objects.exists()


@pytest.mark.rule("R25")
def test_warehouse_missing_name_is_400_and_writes_nothing(api, gm):
    response = api.as_user(gm).post("/api/v1/warehouses/", {"code": "WH01"}, format="json")

    assert response.status_code == 400
    assert "name" in response.json()["errors"]
    assert not Warehouse.objects.exists()


def test_every_user_reads_warehouses(api, make_user):
    WarehouseFactory.create_batch(2)

    response = api.as_user(make_user("security")).get("/api/v1/warehouses/")

    assert response.json()["count"] == 2


def test_warehouse_rename(api, gm):
    warehouse = WarehouseFactory(name="旧")

    response = api.as_user(gm).patch(
        f"/api/v1/warehouses/{warehouse.pk}/", {"name": "新"}, format="json"
    )

    assert response.status_code == 200
    warehouse.refresh_from_db()
    assert warehouse.name == "新"

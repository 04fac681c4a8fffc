"""The admin shows fulfilment documents and stock read only (R24)."""

import pytest

from tests.inventory.conftest import approved_notice, put_stock

pytestmark = pytest.mark.django_db


@pytest.mark.rule("R24")
def test_the_admin_shows_fulfilment_documents_read_only(
    client, make_user, clerk, manager, keeper, contract, lathe_line, warehouse
):
    """R24: the admin lists them and their history but offers no add, change or delete."""
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="1")
    notice = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=[{"contract_line": lathe_line.pk, "quantity": 1}],
    )
    client.force_login(make_user(is_superuser=True, is_staff=True))
    for name in (
        "productionnotice",
        "goodsreceipt",
        "shippingnotice",
        "servicedispatch",
        "stocklevel",
        "stockmove",
    ):
        page = client.get(f"/admin/inventory/{name}/")
        assert page.status_code == 200, name
        assert f"/admin/inventory/{name}/add/" not in page.content.decode(), name
    detail = client.get(f"/admin/inventory/shippingnotice/{notice.pk}/change/")
    assert detail.status_code == 200 and notice.number in detail.content.decode()
    assert client.post(f"/admin/inventory/shippingnotice/{notice.pk}/delete/").status_code == 403


def test_the_admin_adds_and_edits_a_warehouse_through_its_durable_service(admin_client):
    """The admin saves through `warehouse_create` / `warehouse_update`, whose transactions are
    durable: the admin must not open one around them."""
    from inventory.models import Warehouse

    added = admin_client.post(
        "/admin/inventory/warehouse/add/",
        {"code": "WH09", "name": "备件库", "address": "", "is_active": "on"},
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    warehouse = Warehouse.objects.get(code="WH09")
    changed = admin_client.post(
        f"/admin/inventory/warehouse/{warehouse.pk}/change/",
        {"code": "WH09", "name": "备件库 Spare parts", "address": "3 号库", "is_active": "on"},
    )
    assert changed.status_code == 302, changed.content.decode()[:2000]
    warehouse.refresh_from_db()
    assert (warehouse.name, warehouse.address) == ("备件库 Spare parts", "3 号库")
    assert [h.history_user for h in warehouse.history.all()] == [changed.wsgi_request.user] * 2

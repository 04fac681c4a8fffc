"""The admin shows fulfilment documents and stock read only (R24)."""

import pytest

from tests.inventory.conftest import approved_notice, put_stock

pytestmark = pytest.mark.django_db


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

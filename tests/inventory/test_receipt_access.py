"""Goods receipts are stock documents: the roles that make, check, plan and store the goods
read them (pages and API alike); a sales clerk or a user without a role gets 403."""

import pytest

from inventory import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def receipt(producer, lathe_line, warehouse):
    return services.goods_receipt_record(
        actor=producer,
        data={
            "product": lathe_line.product_id,
            "warehouse": warehouse.pk,
            "quantity": "1",
            "qc_certificate_no": "QC-1",
        },
    )


@pytest.mark.rule("R11")
@pytest.mark.parametrize("roles", [("sales_clerk",), ()])
def test_others_cannot_read_goods_receipts(client, api, make_user, receipt, roles):
    user = make_user(*roles)
    client.force_login(user)

    assert client.get("/goods-receipts/").status_code == 403
    assert client.get(f"/goods-receipts/{receipt.pk}/").status_code == 403
    assert api.as_user(user).get("/api/v1/goods-receipts/").status_code == 403
    assert api.as_user(user).get(f"/api/v1/goods-receipts/{receipt.pk}/").status_code == 403


@pytest.mark.parametrize("role", ["production", "qc", "planner", "warehouse", "general_manager"])
def test_the_goods_roles_read_them(client, api, make_user, receipt, role):
    user = make_user(role)
    client.force_login(user)

    assert client.get(f"/goods-receipts/{receipt.pk}/").status_code == 200
    listed = api.as_user(user).get("/api/v1/goods-receipts/")
    assert listed.status_code == 200 and listed.json()["count"] == 1

"""R24: master data keeps a history of changes, with who changed what, shown on its page."""

import pytest

from core.history import history_rows
from inventory import services as inventory_services
from sales import services

pytestmark = pytest.mark.django_db


@pytest.mark.rule("R24")
def test_customer_changes_are_kept_with_the_user_and_the_fields(clerk):
    customer = services.customer_create(actor=clerk, name="旧名", phone="021-1111111")
    services.customer_update(actor=clerk, customer_id=customer.pk, name="新名")

    rows = history_rows(customer)

    assert [row["kind"] for row in rows] == ["~", "+"]
    assert rows[0]["user"] == clerk
    assert {(c["field"], c["old"], c["new"]) for c in rows[0]["changes"]} == {
        ("name", "旧名", "新名")
    }


@pytest.mark.rule("R24")
def test_contacts_keep_history_when_replaced(clerk):
    customer = services.customer_create(actor=clerk, name="甲", contacts=[{"name": "张伟"}])
    services.customer_update(actor=clerk, customer_id=customer.pk, contacts=[{"name": "王芳"}])

    kinds = sorted(customer.contacts.model.history.values_list("name", "history_type"))

    assert kinds == [("张伟", "+"), ("张伟", "-"), ("王芳", "+")]


@pytest.mark.rule("R24")
def test_the_warehouse_edit_page_shows_its_history(client, gm):
    warehouse = inventory_services.warehouse_create(actor=gm, code="W1", name="旧库")
    inventory_services.warehouse_update(actor=gm, warehouse_id=warehouse.pk, name="新库")
    client.force_login(gm)

    html = client.get(f"/warehouses/{warehouse.pk}/edit/").content.decode()

    assert "旧库 → 新库" in html
    assert "gm.chen" in html

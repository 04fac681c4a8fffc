"""The contract's delivery place and date on its shipping notices (issue 11 item 5): the
notice's delivery place defaults to the contract's and may be changed in draft; the notice
page, the picking list, the approval summary, the API and the notice's PDF show it, with the
contract's delivery date."""

import datetime
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from approvals.services import approval_decide
from contracts.models import Contract
from core.errors import RuleViolation
from inventory import services
from inventory.models import ShippingNotice
from inventory.pdf import shipping_notice_pdf_bytes
from tests.inventory.conftest import approved_notice, put_stock

pytestmark = pytest.mark.django_db

SN = "/api/v1/shipping-notices/"
DAY = timezone.localdate() + datetime.timedelta(days=20)
PLACE = "江苏省无锡市新吴区长江路 7 号"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def placed(contract):
    """The active contract with the delivery terms its order carried (copied at draft; see
    tests/contracts/test_delivery_terms.py)."""
    Contract.objects.filter(pk=contract.pk).update(
        delivery_date=DAY, delivery_place=PLACE, payment_method="bank_transfer"
    )
    contract.refresh_from_db()
    return contract


def one_lathe(contract):
    return [{"contract_line": contract.lines.get(product__code="P-1001").pk, "quantity": "1"}]


def test_a_notice_takes_the_contracts_delivery_place_unless_the_clerk_gives_one(
    clerk, placed, warehouse
):
    default = services.shipping_notice_create(
        actor=clerk,
        data={"contract": placed.pk, "warehouse": warehouse.pk, "lines": one_lathe(placed)},
    )
    given = services.shipping_notice_create(
        actor=clerk,
        data={
            "contract": placed.pk,
            "warehouse": warehouse.pk,
            "delivery_place": " 无锡新区仓库 ",
            "lines": one_lathe(placed),
        },
    )

    assert default.delivery_place == PLACE
    assert given.delivery_place == "无锡新区仓库"


def test_the_delivery_place_changes_in_draft_only(clerk, manager, placed, warehouse):
    notice = services.shipping_notice_create(
        actor=clerk,
        data={"contract": placed.pk, "warehouse": warehouse.pk, "lines": one_lathe(placed)},
    )

    services.shipping_notice_update(
        actor=clerk, notice_id=notice.pk, data={"delivery_place": "常州武进"}
    )
    assert ShippingNotice.objects.get(pk=notice.pk).delivery_place == "常州武进"
    services.shipping_notice_update(actor=clerk, notice_id=notice.pk, data={"delivery_place": ""})
    assert ShippingNotice.objects.get(pk=notice.pk).delivery_place == PLACE  # back to the default
    services.shipping_notice_submit(actor=clerk, notice_id=notice.pk)
    with pytest.raises(RuleViolation) as refused:
        services.shipping_notice_update(
            actor=clerk, notice_id=notice.pk, data={"delivery_place": "南京"}
        )
    assert refused.value.code == "invalid_transition"
    assert ShippingNotice.objects.get(pk=notice.pk).delivery_place == PLACE


def test_the_new_notice_form_offers_the_contracts_place_and_the_pages_show_it(
    client, clerk, manager, keeper, placed, warehouse
):
    client.force_login(clerk)

    form = client.get(f"/shipping-notices/new/?contract={placed.pk}").content.decode()
    rows = list(placed.lines.order_by("id"))
    data = {
        "contract": placed.pk,
        "warehouse": warehouse.pk,
        "valid_until": "",
        "delivery_place": "无锡新区仓库",
        "note": "",
        "action": "save",
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": str(len(rows)),
    }
    for index, row in enumerate(rows):
        data[f"lines-{index}-contract_line"] = row.pk
        data[f"lines-{index}-quantity"] = "1" if row.product.code == "P-1001" else ""
    saved = client.post("/shipping-notices/new/", data)

    assert f'value="{PLACE}"' in form
    assert saved.status_code == 302
    notice = ShippingNotice.objects.get()
    assert notice.delivery_place == "无锡新区仓库"
    edit = client.get(f"/shipping-notices/{notice.pk}/edit/").content.decode()
    assert 'value="无锡新区仓库"' in edit
    detail = client.get(f"/shipping-notices/{notice.pk}/").content.decode()
    assert 'id="delivery-place">无锡新区仓库<' in detail
    assert f'id="delivery-date">{DAY.isoformat()} ' in detail
    # Approved, it is on the warehouse's picking list, on screen and on paper.
    services.shipping_notice_submit(actor=clerk, notice_id=notice.pk)
    notice.refresh_from_db()
    client.force_login(manager)
    summary = client.get(f"/approvals/{notice.approval_request.pk}/").content.decode()
    assert "无锡新区仓库" in summary
    approval_decide(actor=manager, request_id=notice.approval_request.pk, approve=True)
    client.force_login(keeper)
    picking = client.get("/picking-list/").content.decode()
    section = picking.split(f'id="pick-{notice.pk}"')[1]
    assert "无锡新区仓库" in section and DAY.isoformat() in section


def test_the_api_reads_and_writes_the_delivery_place(api, clerk, placed, warehouse):
    client = api.as_user(clerk)

    created = client.post(
        SN,
        {"contract": placed.pk, "warehouse": warehouse.pk, "lines": one_lathe(placed)},
        format="json",
    )

    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["delivery_place"], body["contract_delivery_date"]) == (PLACE, DAY.isoformat())
    patched = client.patch(f"{SN}{body['id']}/", {"delivery_place": "常州"}, format="json")
    assert patched.status_code == 200 and patched.json()["delivery_place"] == "常州"
    too_long = client.patch(f"{SN}{body['id']}/", {"delivery_place": "长" * 201}, format="json")
    assert too_long.status_code == 400 and list(too_long.json()["errors"]) == ["delivery_place"]
    assert ShippingNotice.objects.get(pk=body["id"]).delivery_place == "常州"


def test_the_notice_pdf_names_the_delivery_place_and_date(
    clerk, manager, keeper, placed, warehouse
):
    put_stock(
        actor=keeper,
        product=placed.lines.get(product__code="P-1001").product,
        warehouse=warehouse,
        quantity="3",
    )
    notice = approved_notice(
        clerk=clerk, manager=manager, contract=placed, warehouse=warehouse, lines=one_lathe(placed)
    )

    text = "".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(shipping_notice_pdf_bytes(notice))).pages
    )

    assert "交货地点" in text and "长江路" in text
    assert f"{DAY.year}年{DAY.month}月{DAY.day}日" in text
    assert "银行转账" in text

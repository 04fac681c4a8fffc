"""The order's delivery date, place and payment method (交货日期, 交货地点, 付款方式) carried
into its contract (issue 11 item 5): copied at draft (R8), changed with the terms in draft
(R9), shown on the contract page, in the API and to the contract PDF's template."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from approvals.services import approval_decide
from contracts import services
from contracts.models import Contract
from contracts.pdf import contract_pdf_context
from core.errors import RuleViolation
from sales.models import PaymentMethod
from sales.services.orders import order_submit, order_update
from tests.contracts.conftest import make_order

pytestmark = pytest.mark.django_db

URL = "/api/v1/contracts/"
DAY = timezone.localdate() + datetime.timedelta(days=40)


@pytest.fixture
def order(clerk, customer, catalogue, manager, gm):
    """An approved order with its delivery terms."""
    order = make_order(clerk=clerk, customer=customer, catalogue=catalogue, approve=False)
    order_update(
        actor=clerk,
        order_id=order.pk,
        delivery_date=DAY,
        delivery_place="江苏省无锡市新吴区长江路 7 号",
        payment_method=PaymentMethod.ACCEPTANCE_BILL,
    )
    order_submit(actor=clerk, order_id=order.pk)
    order.refresh_from_db()
    for approver in (manager, gm):
        approval_decide(actor=approver, request_id=order.approval_request.pk, approve=True)
    order.refresh_from_db()
    return order


@pytest.mark.rule("R8")
def test_the_contract_copies_the_orders_delivery_terms(clerk, order):
    contract = services.contract_draft(actor=clerk, order_id=order.pk)

    contract.refresh_from_db()
    assert (contract.delivery_date, contract.delivery_place, contract.payment_method) == (
        DAY,
        "江苏省无锡市新吴区长江路 7 号",
        "acceptance_bill",
    )
    # The PDF's template reads them from its `contract` (the other terms' way).
    context = contract_pdf_context(contract)
    assert context["contract"].delivery_date == DAY
    assert context["contract"].delivery_place == "江苏省无锡市新吴区长江路 7 号"
    assert context["contract"].get_payment_method_display() == "Bank acceptance bill"


@pytest.mark.rule("R9")
def test_the_delivery_terms_change_with_the_terms_in_draft_only(clerk, order, head, finance):
    contract = services.contract_draft(actor=clerk, order_id=order.pk)

    services.contract_update_terms(
        actor=clerk,
        contract_id=contract.pk,
        terms={"delivery_place": " 常州 ", "payment_method": "cash", "delivery_date": None},
    )

    contract.refresh_from_db()
    assert (contract.delivery_date, contract.delivery_place, contract.payment_method) == (
        None,
        "常州",
        "cash",
    )
    services.contract_submit(actor=clerk, contract_id=contract.pk)
    with pytest.raises(RuleViolation) as refused:
        services.contract_update_terms(
            actor=clerk, contract_id=contract.pk, terms={"delivery_place": "南京"}
        )
    assert refused.value.code == "invalid_transition"
    assert Contract.objects.get(pk=contract.pk).delivery_place == "常州"


def test_the_contract_page_shows_them_and_the_edit_form_changes_them(client, clerk, order):
    contract = services.contract_draft(actor=clerk, order_id=order.pk)
    client.force_login(clerk)

    detail = client.get(f"/contracts/{contract.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    form = client.get(f"/contracts/{contract.pk}/edit/").content.decode()
    saved = client.post(
        f"/contracts/{contract.pk}/edit/",
        {
            "first_payment_ratio": "40",
            "credit_days": "45",
            "interest_rate_daily": "0.05",
            "invoice_threshold": "60",
            "commission_rate": "2.5",
            "delivery_date": (DAY + datetime.timedelta(days=5)).isoformat(),
            "delivery_place": "无锡",
            "payment_method": "cheque",
        },
    )

    html = detail.content.decode()
    assert f'id="contract-delivery-date">{DAY.isoformat()}<' in html
    assert 'id="contract-delivery-place">江苏省无锡市新吴区长江路 7 号<' in html
    assert 'id="contract-payment-method">银行承兑汇票<' in html
    assert f'value="{DAY.isoformat()}"' in form and 'value="江苏省无锡市新吴区长江路 7 号"' in form
    assert saved.status_code == 302
    contract.refresh_from_db()
    assert (contract.delivery_date, contract.delivery_place, contract.payment_method) == (
        DAY + datetime.timedelta(days=5),
        "无锡",
        "cheque",
    )


def test_the_api_shows_the_delivery_terms_and_a_patch_in_draft_changes_them(api, clerk, order):
    client = api.as_user(clerk)

    created = client.post(URL, {"order": order.pk}, format="json")

    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["delivery_date"], body["delivery_place"], body["payment_method"]) == (
        DAY.isoformat(),
        "江苏省无锡市新吴区长江路 7 号",
        "acceptance_bill",
    )
    patched = client.patch(
        f"{URL}{body['id']}/", {"payment_method": "bank_transfer"}, format="json"
    ).json()
    assert (patched["delivery_place"], patched["payment_method"]) == (
        "江苏省无锡市新吴区长江路 7 号",
        "bank_transfer",
    )
    bad = client.patch(f"{URL}{body['id']}/", {"payment_method": "iou"}, format="json")
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["payment_method"]
    assert Contract.objects.get(pk=body["id"]).payment_method == "bank_transfer"


def test_a_contract_from_an_order_without_delivery_terms_has_none(
    clerk, customer, catalogue, manager, gm
):
    order = make_order(clerk=clerk, customer=customer, catalogue=catalogue, manager=manager, gm=gm)

    contract = services.contract_draft(actor=clerk, order_id=order.pk)

    assert (contract.delivery_date, contract.delivery_place, contract.payment_method) == (
        None,
        "",
        "",
    )
    assert contract.gross_amount == Decimal("368490.00")

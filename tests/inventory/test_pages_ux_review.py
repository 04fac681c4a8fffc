"""The UX review of the fulfilment pages: the contract page leads to its fulfilment documents
(R10, R12, R15) by URL only (DESIGN §5), the production form shows what is left per contract line
(R10), the receipt form offers released notices only (R11), the QC queue shows what it filters,
the service dispatch says plainly when the first payment is missing (R15), one quantity format,
and the context-qualified "Available" / "Signed on"."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import transaction
from django.template.loader import get_template
from django.templatetags.i18n import TranslateNode
from django.utils import timezone

from contracts.services import ledger_add_collected
from inventory import selectors, services
from inventory.forms import DeliveryForm, GoodsReceiptForm
from inventory.models import GoodsReceipt, ProductionNotice
from tests.inventory.conftest import approved_notice, put_stock, released_notice

pytestmark = pytest.mark.django_db

TOMORROW = timezone.localdate() + datetime.timedelta(days=1)
FIRST_PAYMENT = Decimal("147396.00")  # 368490.00 × 0.4


def _page(client, user, path, params=None):
    client.force_login(user)
    response = client.get(path, params or {})
    return response, response.content.decode()


def _production_notice(planner, contract, line, quantity):
    return services.production_notice_create(
        actor=planner,
        data={
            "contract": contract.pk,
            "due_date": TOMORROW,
            "lines": [{"contract_line": line.pk, "quantity": quantity}],
        },
    )


def _submitted(planner, contract, line, quantity):
    notice = _production_notice(planner, contract, line, quantity)
    return services.production_notice_submit(actor=planner, notice_id=notice.pk)


def _released(planner, salesvp, contract, line, quantity):
    return released_notice(
        planner=planner,
        salesvp=salesvp,
        contract=contract,
        line=line,
        quantity=quantity,
        due_date=TOMORROW,
    )


def _receipt(producer, line, warehouse, **data):
    return services.goods_receipt_record(
        actor=producer,
        data={
            "product": line.product_id,
            "warehouse": warehouse.pk,
            "quantity": "1",
            "qc_certificate_no": "QC-1",
            **data,
        },
    )


# --- 1. the contract page leads to its fulfilment ------------------------------------------------


@pytest.mark.rule("R10", "R12", "R15")
def test_active_contract_page_links_to_its_fulfilment_lists_and_new_buttons_by_role(
    client, contract, clerk, planner, make_user
):
    """R10/R12/R15 from the contract: list links filtered by ?contract=, and "new" buttons for
    the role that prepares each document (planner: production; clerk: shipping, dispatch)."""
    path = f"/contracts/{contract.pk}/"
    response, body = _page(client, planner, path)
    assert response.status_code == 200
    assert 'id="fulfilment"' in body
    assert f'href="/production-notices/?contract={contract.pk}"' in body
    assert f'href="/shipping-notices/?contract={contract.pk}"' in body
    assert f'href="/service-dispatches/?contract={contract.pk}"' in body
    assert f'href="/production-notices/new/?contract={contract.pk}"' in body
    assert 'id="new-shipping-notice"' not in body and 'id="new-service-dispatch"' not in body

    _response, body = _page(client, clerk, path)
    assert f'href="/shipping-notices/new/?contract={contract.pk}"' in body
    assert f'href="/service-dispatches/new/?contract={contract.pk}"' in body
    assert 'id="new-production-notice"' not in body

    finance_user = make_user("finance", username="fin.other")
    _response, body = _page(client, finance_user, path)
    assert 'id="fulfilment"' in body and 'id="new-' not in body


def test_a_draft_contract_has_no_fulfilment_card(client, clerk, approved_order):
    from contracts.services import contract_draft

    draft = contract_draft(actor=clerk, order_id=approved_order.pk)
    response, body = _page(client, clerk, f"/contracts/{draft.pk}/")
    assert response.status_code == 200 and 'id="fulfilment"' not in body


def test_fulfilment_lists_honour_the_contract_filter(
    client, contract, clerk, manager, planner, warehouse, lathe_line, head, finance, make_user
):
    """?contract= narrows every fulfilment list to that contract's documents."""
    production = _production_notice(planner, contract, lathe_line, "1")
    shipping = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=[{"contract_line": lathe_line.pk, "quantity": "1"}],
    )
    dispatch = services.service_dispatch_create(
        actor=clerk,
        data={"contract": contract.pk, "scheduled_on": TOMORROW, "description": "安装调试"},
    )
    other = contract.pk + 1000  # no such contract: nothing listed

    for user, path, document in (
        (planner, "/production-notices/", production),
        (clerk, "/shipping-notices/", shipping),
        (clerk, "/service-dispatches/", dispatch),
    ):
        response, _body = _page(client, user, path, {"contract": contract.pk})
        assert response.context["filters"]["contract"] == contract.pk
        assert [d.pk for d in response.context["page_obj"]] == [document.pk]
        response, _body = _page(client, user, path, {"contract": other})
        assert list(response.context["page_obj"]) == []


def test_shipping_list_links_the_contract(client, clerk, manager, contract, warehouse, lathe_line):
    approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=[{"contract_line": lathe_line.pk, "quantity": "1"}],
    )
    _response, body = _page(client, clerk, "/shipping-notices/")
    assert f'<a href="/contracts/{contract.pk}/">{contract.display_number}</a>' in body


# --- 2. the production form shows what is left (R10) ---------------------------------------------


@pytest.mark.rule("R10")
def test_production_lines_left_counts_submitted_released_completed_not_drafts_r10(
    planner, salesvp, contract, lathe_line
):
    _production_notice(planner, contract, lathe_line, "1.5")  # a draft: not counted
    _submitted(planner, contract, lathe_line, "0.5")
    released = _released(planner, salesvp, contract, lathe_line, "1")

    rows = {row["line"].pk: row for row in selectors.production_lines_left(contract)}
    assert rows[lathe_line.pk]["contracted"] == Decimal("2.000")
    assert rows[lathe_line.pk]["counted"] == Decimal("1.500")
    assert rows[lathe_line.pk]["left"] == Decimal("0.500")

    editing = {
        row["line"].pk: row
        for row in selectors.production_lines_left(contract, exclude_notice=released)
    }
    assert editing[lathe_line.pk]["counted"] == Decimal("0.500")
    assert editing[lathe_line.pk]["left"] == Decimal("1.500")


@pytest.mark.rule("R10")
def test_production_form_shows_contracted_other_notices_and_left_r10(
    client, planner, contract, lathe_line
):
    _submitted(planner, contract, lathe_line, "0.5")
    response, body = _page(client, planner, "/production-notices/new/", {"contract": contract.pk})
    assert response.status_code == 200
    row = re.search(r'<tr class="line[^"]*" id="line-0">(.*?)</tr>', body, re.S).group(1)
    cells = re.findall(r'<td class="num[^"]*">(.*?)</td>', row, re.S)
    assert cells[:3] == ["2.000", "0.500", "1.500"]
    assert "nothing left" not in row


@pytest.mark.rule("R10", "R24")
def test_a_line_with_nothing_left_is_read_only_and_ignored_r10(
    client, planner, contract, lathe_line
):
    _submitted(planner, contract, lathe_line, "2")
    _response, body = _page(client, planner, "/production-notices/new/", {"contract": contract.pk})
    row = re.search(r'<tr class="line nothing-left" id="line-0">(.*?)</tr>', body, re.S).group(1)
    assert "nothing left" in row and " disabled" in row and " readonly" in row

    # A quantity posted for it anyway is not taken: only the service line is saved.
    service_line = contract.lines.exclude(pk=lathe_line.pk).get()
    posted = client.post(
        "/production-notices/new/",
        {
            "contract": contract.pk,
            "due_date": TOMORROW.isoformat(),
            "lines_for": contract.pk,
            "lines-TOTAL_FORMS": "2",
            "lines-INITIAL_FORMS": "2",
            "lines-0-contract_line": lathe_line.pk,
            "lines-0-quantity": "1",
            "lines-1-contract_line": service_line.pk,
            "lines-1-quantity": "1",
        },
    )
    assert posted.status_code == 302
    saved = ProductionNotice.objects.latest("id")
    assert [line.contract_line_id for line in saved.lines.all()] == [service_line.pk]


# --- 3. the goods receipt form offers released notices only (R11) ---------------------------------


@pytest.mark.rule("R11")
def test_receipt_form_offers_only_released_notices_with_contract_and_customer_r11(
    planner, salesvp, contract, lathe_line
):
    released = _released(planner, salesvp, contract, lathe_line, "1")
    completed = _released(planner, salesvp, contract, lathe_line, "0.5")
    services.production_notice_complete(actor=planner, notice_id=completed.pk)
    _submitted(planner, contract, lathe_line, "0.5")

    field = GoodsReceiptForm().fields["production_notice"]
    choices = [(str(value), label) for value, label in field.choices if value]
    assert [value for value, _label in choices] == [str(released.pk)]
    assert choices[0][1] == (
        f"{released.number} · {contract.display_number} · {contract.customer.name}"
    )


@pytest.mark.rule("R11")
def test_a_completed_notice_posted_on_the_receipt_form_is_refused(
    client, producer, planner, salesvp, contract, lathe_line, warehouse
):
    completed = _released(planner, salesvp, contract, lathe_line, "1")
    services.production_notice_complete(actor=planner, notice_id=completed.pk)
    client.force_login(producer)
    response = client.post(
        "/goods-receipts/new/",
        {
            "product": lathe_line.product_id,
            "warehouse": warehouse.pk,
            "quantity": "1",
            "qc_certificate_no": "QC-9",
            "production_notice": completed.pk,
        },
    )
    assert response.status_code == 400
    assert "production_notice" in response.context["form"].errors
    assert not GoodsReceipt.objects.exists()


# --- 5. service dispatch and the first payment (R15) ----------------------------------------------


@pytest.mark.rule("R15")
def test_dispatch_detail_without_first_payment_has_a_plain_submit_and_one_notice_r15(
    client, clerk, contract
):
    dispatch = services.service_dispatch_create(
        actor=clerk,
        data={"contract": contract.pk, "scheduled_on": TOMORROW, "description": "安装调试"},
    )
    response, body = _page(client, clerk, f"/service-dispatches/{dispatch.pk}/")
    assert response.status_code == 200
    assert body.count('id="first-payment-missing"') == 1
    assert re.search(r'<button type="submit" accesskey="u" id="submit">', body)

    with transaction.atomic():
        ledger_add_collected(contract_id=contract.pk, amount=FIRST_PAYMENT)
    _response, body = _page(client, clerk, f"/service-dispatches/{dispatch.pk}/")
    assert 'id="first-payment-missing"' not in body
    assert '<button type="submit" class="primary" accesskey="u" id="submit">' in body


@pytest.mark.rule("R15")
def test_dispatch_form_reloads_the_first_payment_of_the_chosen_contract_r15(
    client, clerk, contract
):
    response, body = _page(client, clerk, "/service-dispatches/new/")
    assert 'hx-get="/service-dispatches/new/"' in body and 'hx-target="#first-payment"' in body
    assert 'id="first-payment-amount"' not in body

    response, body = _page(client, clerk, "/service-dispatches/new/", {"contract": contract.pk})
    assert response.context["first_payment"] == FIRST_PAYMENT
    assert response.context["collected"] == Decimal("0.00")
    assert f'id="first-payment-amount">{FIRST_PAYMENT:,f}<' in body
    assert 'id="first-payment-missing"' in body

    with transaction.atomic():
        ledger_add_collected(contract_id=contract.pk, amount=FIRST_PAYMENT)
    _response, body = _page(client, clerk, "/service-dispatches/new/", {"contract": contract.pk})
    assert f'id="first-payment-collected">{FIRST_PAYMENT:,f}<' in body
    assert 'id="first-payment-missing"' not in body


@pytest.mark.rule("R15", "R23")
def test_dispatch_form_ignores_a_contract_the_clerk_may_not_see_r23(client, contract, make_user):
    stranger = make_user("sales_clerk", username="clerk.other")
    response, body = _page(client, stranger, "/service-dispatches/new/", {"contract": contract.pk})
    assert response.status_code == 200
    assert response.context["contract"] is None and 'id="first-payment-amount"' not in body


# --- 6. QC wording and the queue (R11) ---------------------------------------------------------


def test_reject_reason_is_marked_required(client, qc, producer, lathe_line, warehouse):
    receipt = _receipt(producer, lathe_line, warehouse)
    _response, body = _page(client, qc, f"/goods-receipts/{receipt.pk}/")
    field = re.search(r'<div class="field([^"]*)">\s*<label for="id_reason">', body)
    assert field and "required" in field.group(1)
    assert re.search(r'<input[^>]*name="reason"[^>]*required', body)
    assert "Reject the receipt" in body


@pytest.mark.rule("R11")
def test_receipt_queue_defaults_by_role_and_shows_the_filter_tabs_r11(
    client, qc, producer, lathe_line, warehouse, make_user
):
    waiting = _receipt(producer, lathe_line, warehouse)
    posted = _receipt(producer, lathe_line, warehouse, qc_certificate_no="QC-2")
    services.goods_receipt_confirm(actor=qc, receipt_id=posted.pk)

    response, body = _page(client, qc, "/goods-receipts/")
    assert response.context["filters"]["status"] == "recorded"
    assert [r.pk for r in response.context["page_obj"]] == [waiting.pk]
    assert re.search(r'class="button primary" href="\?status=recorded"[^>]*aria-current', body)

    response, body = _page(client, producer, "/goods-receipts/")
    assert response.context["filters"]["status"] == ""
    assert {r.pk for r in response.context["page_obj"]} == {waiting.pk, posted.pk}
    assert re.search(r'class="button primary" href="\?status="[^>]*id="tab-all"', body)

    # An explicit tab wins over the default.
    response, _body = _page(client, qc, "/goods-receipts/", {"status": ""})
    assert {r.pk for r in response.context["page_obj"]} == {waiting.pk, posted.pk}
    response, _body = _page(client, producer, "/goods-receipts/", {"status": "posted"})
    assert [r.pk for r in response.context["page_obj"]] == [posted.pk]


@pytest.mark.rule("R13")
def test_notice_page_issue_button_says_issue_like_the_picking_list(
    client, keeper, clerk, manager, contract, warehouse, lathe_line
):
    notice = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=[{"contract_line": lathe_line.pk, "quantity": "1"}],
    )
    _response, body = _page(client, keeper, f"/shipping-notices/{notice.pk}/")
    assert re.search(r'id="issue">Issue</button>', body)


# --- 8. one quantity format -----------------------------------------------------------------------


def test_quantities_print_with_three_decimals(client, keeper, producer, lathe_line, warehouse):
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="3")
    _response, body = _page(client, keeper, "/stock/")
    assert re.findall(r'<td class="num">([^<]*)</td>', body)[:2] == ["3.000", "0.000"]

    receipt = _receipt(producer, lathe_line, warehouse)
    _response, body = _page(client, producer, f"/goods-receipts/{receipt.pk}/")
    assert '<dd class="amount">1.000</dd>' in body


# --- 9. "Available" and "Signed on" in their own context ------------------------------------------


def _translations(template_name: str) -> list[tuple[str, str | None]]:
    """(message, context) of every {% translate %} in a compiled template."""
    nodes = get_template(template_name).template.nodelist.get_nodes_by_type(TranslateNode)
    return [
        (
            node.filter_expression.var.literal,
            node.message_context.var if node.message_context else None,
        )
        for node in nodes
    ]


@pytest.mark.rule("R14")
def test_available_and_signed_on_are_translated_in_their_own_context():
    """ "Available" (stock, 可用) and "Signed on" (delivery, 签收日期) are not the contract's
    words: each has its own message context, so the catalogue can say them apart."""
    assert ("Available", "stock") in _translations("inventory/stock_list.html")
    assert ("Available", None) not in _translations("inventory/stock_list.html")
    detail = _translations("inventory/shipping_detail.html")
    assert ("Signed on", "delivery") in detail and ("Signed on", None) not in detail
    label = DeliveryForm().fields["signed_at"].label
    assert label._args == ("delivery", "signed on")  # pgettext_lazy(context, message)

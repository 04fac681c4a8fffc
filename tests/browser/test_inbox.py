"""What the general manager sees in a real browser (R22): the pending count in the menu,
the inbox filtered to credit changes, two items ticked with the keyboard and approved at
once with one comment; the rows and the badge change in place, without a page load."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from approvals.models import ApprovalRequest
from sales.models import CreditChangeRequest, PriceList
from sales.services.credit import credit_change_submit
from sales.services.price_lists import price_list_create, price_list_submit
from tests.factories import CustomerFactory, ProductFactory, credit_change

pytestmark = pytest.mark.browser

COMMENT = "同意，按新额度执行"


def submit_credit_change(author, customer_name: str) -> ApprovalRequest:
    change = credit_change(customer=CustomerFactory(name=customer_name), author=author)
    credit_change_submit(actor=author, change_id=change.pk)
    return CreditChangeRequest.objects.get(pk=change.pk).approval_request


def submit_price_list(author) -> ApprovalRequest:
    price_list = price_list_create(
        actor=author,
        name="2025年下半年价格政策",
        valid_from=timezone.localdate(),
        items=[
            {
                "product": ProductFactory(),
                "list_price": Decimal("120.00"),
                "floor_price": Decimal("100.00"),
            }
        ],
    )
    price_list_submit(actor=author, price_list_id=price_list.pk)
    return PriceList.objects.get(pk=price_list.pk).approval_request


@pytest.mark.rule("R22")
def test_gm_filters_the_inbox_and_approves_two_items_at_once(page, login, gm, manager):
    first = submit_credit_change(manager, "上海浦江精密机械有限公司")
    second = submit_credit_change(manager, "北京燕山化工有限公司")
    third = submit_credit_change(manager, "广州珠江电气有限公司")
    price_list = submit_price_list(manager)

    login(page, gm)
    nav = page.get_by_role("banner").get_by_role("navigation")
    badge = nav.locator("#nav-badge-approvals")
    expect(badge).to_have_text("4")

    nav.get_by_role("link", name="Approvals").click()
    expect(page).to_have_url(re.compile(r"/approvals/$"))
    rows = page.locator("table.inbox tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text(first.document_number)  # oldest first

    page.get_by_label("Document type").select_option(label="Credit change")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"[?&]type=credit_change"))
    expect(rows).to_have_count(3)
    expect(page.locator("table.inbox")).not_to_contain_text(price_list.document_number)

    select_all = page.get_by_label("Select all")
    select_all.check()
    expect(page.locator("input[name=ids]:checked")).to_have_count(3)
    select_all.uncheck()
    expect(page.locator("input[name=ids]:checked")).to_have_count(0)

    # Tick two with the keyboard: focus the box, press Space.
    for request in (first, third):
        box = page.get_by_label(f"Select {request.document_number}")
        box.focus()
        expect(box).to_be_focused()
        page.keyboard.press("Space")
        expect(box).to_be_checked()
    page.get_by_label("Comment").fill(COMMENT)
    page.evaluate("window.__sameDocument = true")  # survives only if the page is not reloaded

    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Approve selected").click()

    assert answer.value.status == 200
    assert answer.value.request.headers.get("hx-request") == "true"
    outcome = page.locator(".outcome")
    expect(outcome).to_contain_text("Approved:")
    expect(outcome).to_contain_text(first.document_number)
    expect(outcome).to_contain_text(third.document_number)
    expect(badge).to_have_text("2")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(second.document_number)
    expect(page).to_have_url(re.compile(r"[?&]type=credit_change"))
    assert page.evaluate("window.__sameDocument") is True

    for request in (first, third):
        request.refresh_from_db()
        decision = request.decisions.get()
        assert (request.status, decision.user, decision.comment) == ("approved", gm, COMMENT)
        assert decision.ip_address == "127.0.0.1"
        assert CreditChangeRequest.objects.get(pk=request.document_id).status == "approved"
    for request in (second, price_list):
        request.refresh_from_db()
        assert request.status == "pending"

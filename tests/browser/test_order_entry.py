"""A clerk enters an order with the keyboard only in a real browser: the customer chosen from
the autofocused select, three lines typed row by row with Tab, the total updated live by the
server (htmx) to the exact gross, saved and submitted; then the sales manager and the general
manager approve it in the inbox (R7) and its page shows it approved; the clerk drafts the
contract, the head of sales and finance co-sign it (R8), and its PDF downloads with the
contract number and the customer's Chinese name (R9)."""

import io
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from contracts.models import Contract
from sales.models import Order
from tests.factories import CustomerFactory, ProductFactory, active_price_list

pytestmark = pytest.mark.browser


def test_a_clerk_enters_an_order_with_the_keyboard_and_it_is_approved(
    page, login, clerk, manager, gm, make_user, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    lathe = ProductFactory(code="P-1001", name="数控车床", tax_rate=Decimal("0.1300"))
    service = ProductFactory(code="P-3001", name="安装调试服务", tax_rate=Decimal("0.0600"))
    spare = ProductFactory(code="P-2001", name="刀塔备件", tax_rate=Decimal("0.1300"))
    active_price_list(
        items=[
            (lathe, "168000.00", "150000.00"),
            (service, "5000.00", "4000.00"),
            (spare, "1200.50", "1000.00"),
        ]
    )
    customer = CustomerFactory(
        owner=clerk, name="上海华东机械有限公司", credit_limit=Decimal("1000000.00")
    )

    login(page, clerk)
    page.get_by_role("banner").get_by_role("link", name="Orders").click()
    page.get_by_role("link", name="New order").click()
    expect(page).to_have_url(re.compile(r"/orders/new/$"))
    page.wait_for_load_state("load")  # htmx (deferred) has bound its triggers

    customer_select = page.get_by_label("customer")
    expect(customer_select).to_be_focused()  # autofocus
    page.keyboard.press("ArrowDown")  # the first (only) customer
    expect(customer_select).to_have_value(str(customer.pk))
    expect(page.locator("#credit-limit")).to_have_text("¥1,000,000.00")  # credit panel (htmx)
    expect(page.locator("#credit-available")).to_have_text("¥1,000,000.00")

    # Three rows, keyboard only: Tab to the product, type its code, Tab, quantity, Tab, price.
    rows = [
        ("P-1001", "2", "160000"),  # 320000.00 + 41600.00 = 361600.00
        ("P-3001", "1.5", None),  # list price 5000.00: 7500.00 + 450.00 = 7950.00
        ("P-2001", "3", "1100.55"),  # 3301.65 + 429.21 = 3730.86
    ]
    for index, (code, quantity, price) in enumerate(rows):
        page.keyboard.press("Tab")
        product = page.locator(f"#id_lines-{index}-product")
        expect(product).to_be_focused()
        page.keyboard.type(code)
        expect(product.locator("option:checked")).to_contain_text(code)
        page.keyboard.press("Tab")
        expect(page.locator(f"#id_lines-{index}-quantity")).to_be_focused()
        page.keyboard.type(quantity)
        page.keyboard.press("Tab")
        unit_price = page.locator(f"#id_lines-{index}-unit_price")
        expect(unit_price).to_be_focused()
        if price is not None:
            page.keyboard.press("Control+A")
            page.keyboard.type(price)
        else:
            expect(unit_price).to_have_value("5000.00")  # the list price by default

    expect(page.locator("#order-gross")).to_have_text("373,280.86")
    expect(page.locator("#order-totals tbody tr")).to_have_count(3)

    # On to "Save and submit" with Tab (the empty rows, the ratio, the note, "Save draft").
    submit = page.get_by_role("button", name="Save and submit")
    expect(submit).to_have_attribute("accesskey", "u")
    for _ in range(30):
        page.keyboard.press("Tab")
        if submit.evaluate("button => button === document.activeElement"):
            break
    expect(submit).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/orders/\d+/$"))
    expect(page.locator(".messages")).to_contain_text("submitted for approval")
    order = Order.objects.get()
    assert (order.status, order.credit_status, order.gross_amount) == (
        "submitted",
        "passed",
        Decimal("373280.86"),
    )
    assert [line.unit_price for line in order.lines.all()] == [
        Decimal("160000.00"),
        Decimal("5000.00"),
        Decimal("1100.55"),
    ]

    for approver in (manager, gm):
        page.get_by_role("button", name="Log out").click()
        login(page, approver)
        page.goto("/approvals/")
        row = page.locator("table.inbox tbody tr", has_text=order.number)
        expect(row).to_contain_text("373,280.86")
        row.get_by_role("link", name=order.number).click()
        expect(page.locator(".card.document")).to_contain_text("上海华东机械有限公司")
        page.get_by_role("button", name="Approve", exact=True).click()
        expect(page.locator(".messages")).to_be_visible()

    order.refresh_from_db()
    assert order.status == "approved"
    page.goto(f"/orders/{order.pk}/")
    expect(page.locator("#status")).to_have_text("Approved")

    # The clerk drafts the contract from the approved order and submits it for co-signing.
    page.get_by_role("button", name="Log out").click()
    login(page, clerk)
    page.goto(f"/orders/{order.pk}/")
    page.locator("#draft-contract").click()
    page.get_by_role("button", name="Draft contract").click()
    expect(page).to_have_url(re.compile(r"/contracts/\d+/$"))
    page.get_by_role("button", name="Submit for co-sign").click()
    contract = Contract.objects.get(order=order)
    assert contract.status == "pending_signoff"

    # Co-signed by the head of sales and finance, in the inbox.
    for role in ("sales_head", "finance"):
        signer = make_user(role)
        page.get_by_role("button", name="Log out").click()
        login(page, signer)
        page.goto("/approvals/")
        page.locator("table.inbox tbody tr").first.get_by_role("link").first.click()
        page.get_by_role("button", name="Approve", exact=True).click()
        expect(page.locator(".messages")).to_be_visible()
    contract.refresh_from_db()
    assert contract.status == "active" and contract.number.startswith("HT-")

    # The clerk downloads the PDF from the contract page.
    page.get_by_role("button", name="Log out").click()
    login(page, clerk)
    page.goto(f"/contracts/{contract.pk}/")
    href = page.locator("#contract-pdf").get_attribute("href")
    download = page.context.request.get(href)
    assert download.ok and download.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(download.body())).pages)
    assert contract.number in text
    assert "上海华东机械有限公司" in text

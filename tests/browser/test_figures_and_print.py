"""Figures and print in a real Chromium (issue 11 items 1 and 3): a clerk types the first
payment ratio as a percentage and a quantity and a price with thousands separators into the
order form, sees the live total with separators and gets exactly that order; the order's page
printed (print media) shows the document without the navigation and the buttons."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from inventory.models import ShippingNotice
from sales.models import Order
from sales.services.orders import order_create
from tests.factories import CustomerFactory, ProductFactory, active_price_list

pytestmark = pytest.mark.browser


@pytest.fixture
def spare():
    spare = ProductFactory(code="P-2001", name="刀塔备件", unit="件", tax_rate=Decimal("0.1300"))
    active_price_list(items=[(spare, "1300.00", "1000.00")])
    return spare


def test_a_percentage_and_amounts_with_separators_typed_give_the_right_order(
    page, login, clerk, spare
):
    customer = CustomerFactory(owner=clerk, name="上海华东机械有限公司", credit_limit=5_000_000)
    login(page, clerk)
    page.goto("/orders/new/")
    page.wait_for_load_state("load")  # htmx (deferred) has bound its triggers

    page.get_by_label("customer").select_option(str(customer.pk))
    expect(page.locator("#credit-limit")).to_have_text("¥5,000,000.00")
    ratio = page.get_by_label("first payment ratio")
    expect(ratio).to_have_value("30")  # the default 0.3000, shown as the percentage it is
    page.locator("#id_lines-0-product").select_option(str(spare.pk))
    expect(page.locator("#id_lines-0-unit_price")).to_have_value("1300.00")  # the list price
    page.locator("#id_lines-0-quantity").fill("1,200")
    page.locator("#id_lines-0-unit_price").fill("1,234.50")
    ratio.fill("35%")
    # 1,200 × 1,234.50 = 1,481,400.00 net; 13 % tax 192,582.00
    expect(page.locator("#order-gross")).to_have_text("1,673,982.00")
    expect(page.locator("#order-totals tbody tr").first).to_contain_text("13%")

    page.get_by_role("button", name="Save and submit").click()

    expect(page).to_have_url(re.compile(r"/orders/\d+/$"))
    order = Order.objects.get()
    line = order.lines.get()
    assert (order.first_payment_ratio, line.quantity, line.unit_price, order.gross_amount) == (
        Decimal("0.3500"),
        Decimal("1200.000"),
        Decimal("1234.50"),
        Decimal("1673982.00"),
    )
    expect(page.locator("main")).to_contain_text("35%")
    expect(page.locator("main")).to_contain_text("1,673,982.00")


def test_a_document_printed_leaves_out_the_navigation_and_the_buttons(page, login, clerk, spare):
    customer = CustomerFactory(owner=clerk, name="上海华东机械有限公司", credit_limit=5_000_000)
    order = order_create(
        actor=clerk,
        customer_id=customer.pk,
        lines=[{"product": spare.pk, "quantity": "2", "unit_price": "1300.00"}],
    )
    login(page, clerk)
    page.goto(f"/orders/{order.pk}/")
    print_button = page.get_by_role("button", name="Print")
    expect(print_button).to_be_visible()
    expect(page.locator("header.topbar")).to_be_visible()

    page.emulate_media(media="print")

    expect(page.locator("header.topbar")).to_be_hidden()
    expect(print_button).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text("2,938.00")  # 2,600.00 + 338.00 tax
    pdf = page.pdf(format="A4")  # what the browser's print dialog would print
    assert pdf.startswith(b"%PDF")


def test_the_picking_list_on_paper_shows_what_to_pick_and_the_lines_to_sign(
    page, login, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", verbosity=0)  # an approved shipping notice waits to be picked
    notice = ShippingNotice.objects.get(status="approved")
    login(page, get_user_model().objects.get(username="warehouse"), password="o2c-demo-2026")
    page.goto("/picking-list/")
    card = page.locator(f"#pick-{notice.pk}")
    signatures = card.locator(".signatures")
    expect(signatures).to_be_hidden()  # on screen, the warehouse works with the buttons
    expect(card.get_by_role("button", name=re.compile("Issue"))).to_be_visible()

    page.emulate_media(media="print")

    expect(signatures).to_be_visible()
    expect(signatures).to_contain_text("Picked by")
    expect(signatures).to_contain_text("Checked by")
    expect(card.locator(".pick-meta")).to_contain_text(notice.customer.name)
    expect(card.get_by_role("button", name=re.compile("Issue"))).to_be_hidden()
    expect(page.locator("header.topbar")).to_be_hidden()

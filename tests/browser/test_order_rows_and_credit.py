"""Order entry in a real browser (issue 11 item 5): "Add a row" adds empty line rows in place,
nothing saved; a product chosen in an added row takes its list price and the live totals
(htmx) count it; the credit panel warns, as the lines are typed, that this order would go on
credit hold and by how much; the delivery terms are saved with the draft."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sales.models import Order
from tests.factories import CustomerFactory, ProductFactory, active_price_list

pytestmark = pytest.mark.browser


@pytest.mark.rule("R4")
def test_a_clerk_adds_rows_in_place_and_sees_the_credit_warning_follow_the_lines(
    page, login, clerk
):
    lathe = ProductFactory(code="P-1001", name="数控车床", tax_rate=Decimal("0.1300"))
    service = ProductFactory(code="P-3001", name="安装调试服务", tax_rate=Decimal("0.0600"))
    active_price_list(items=[(lathe, "168000.00", "150000.00"), (service, "5000.00", "4000.00")])
    customer = CustomerFactory(
        owner=clerk, name="上海华东机械有限公司", credit_limit=Decimal("200000")
    )

    login(page, clerk)
    page.goto("/orders/new/")
    page.wait_for_load_state("load")  # htmx and o2c.js (deferred) are bound
    rows = page.locator("#lines tbody tr.line")
    expect(rows).to_have_count(5)
    page.get_by_label("customer").select_option(str(customer.pk))
    expect(page.locator("#credit-limit")).to_have_text("¥200,000.00")
    expect(page.locator("#credit-outlook-passes")).to_contain_text("¥200,000.00")

    add = page.get_by_role("button", name="Add a row")
    add.click()
    add.click()
    expect(rows).to_have_count(7)
    expect(page.locator("#id_lines-TOTAL_FORMS")).to_have_value("7")
    expect(page.locator("#id_lines-6-product")).to_be_focused()  # the new row, ready to type
    expect(rows.nth(6).locator("td").first).to_have_text("7")
    assert not Order.objects.exists()  # nothing saved

    # The last added row: the product's list price fills in, the totals count it.
    page.locator("#id_lines-6-product").select_option(str(service.pk))
    expect(page.locator("#id_lines-6-unit_price")).to_have_value("5000.00")
    page.locator("#id_lines-6-quantity").fill("2")
    page.locator("#id_lines-6-quantity").press("Tab")
    expect(page.locator("#order-gross")).to_have_text("10,600.00")
    expect(page.locator("#credit-outlook-passes")).to_contain_text("¥189,400.00")

    # A lathe pair in the first row takes the order beyond the limit: the warning says so.
    page.locator("#id_lines-0-product").select_option(str(lathe.pk))
    page.locator("#id_lines-0-quantity").fill("2")
    page.locator("#id_lines-0-unit_price").fill("160,000")
    page.locator("#id_lines-0-unit_price").press("Tab")
    expect(page.locator("#order-gross")).to_have_text("372,200.00")
    expect(page.locator("#credit-outlook-over-limit")).to_have_text(
        "This order will go on credit hold: exposure plus this order exceeds the credit limit "
        "by ¥172,200.00."
    )

    day = timezone.localdate() + datetime.timedelta(days=14)
    page.get_by_label("delivery date").fill(day.isoformat())
    page.get_by_label("delivery place").fill("上海市浦东新区张江路 88 号")
    page.get_by_label("payment method").select_option("acceptance_bill")
    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(re.compile(r"/orders/\d+/$"))
    expect(page.locator("#credit-outlook-over-limit")).to_contain_text("¥172,200.00")
    expect(page.locator("#delivery-place")).to_have_text("上海市浦东新区张江路 88 号")

    order = Order.objects.get()
    assert [(line.product.code, line.quantity) for line in order.lines.all()] == [
        ("P-1001", Decimal("2.000")),
        ("P-3001", Decimal("2.000")),
    ]
    assert (order.delivery_date, order.payment_method) == (day, "acceptance_bill")

    # What the page warned is what the submit does.
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator("#credit-status")).to_have_text("Credit hold")
    order.refresh_from_db()
    assert order.credit_status == "hold"


@pytest.mark.rule("R4")
def test_choosing_the_customer_after_the_lines_warns_at_once(page, login, clerk):
    lathe = ProductFactory(code="P-1001", name="数控车床", tax_rate=Decimal("0.1300"))
    active_price_list(items=[(lathe, "168000.00", "150000.00")])
    customer = CustomerFactory(owner=clerk, credit_limit=Decimal("100000"), blocked=True)

    login(page, clerk)
    page.goto("/orders/new/")
    page.wait_for_load_state("load")
    page.locator("#id_lines-0-product").select_option(str(lathe.pk))
    page.locator("#id_lines-0-quantity").fill("1")
    page.locator("#id_lines-0-quantity").press("Tab")
    expect(page.locator("#order-gross")).to_have_text("189,840.00")
    page.get_by_label("customer").select_option(str(customer.pk))

    expect(page.locator("#credit-outlook-blocked")).to_have_text(
        "This order will go on credit hold: the customer is blocked."
    )
    expect(page.locator("#credit-outlook-over-limit")).to_contain_text("¥89,840.00")


def test_the_general_manager_adds_price_list_rows_in_place(page, login, gm):
    ProductFactory(code="P-1001", name="数控车床")

    login(page, gm)
    page.goto("/price-lists/new/")
    page.wait_for_load_state("load")
    rows = page.locator("#items tbody tr")
    before = rows.count()
    page.get_by_role("button", name="Add a row").click()

    expect(rows).to_have_count(before + 1)
    expect(page.locator("#id_items-TOTAL_FORMS")).to_have_value(str(before + 1))
    expect(page.locator(f"#id_items-{before}-product")).to_be_focused()

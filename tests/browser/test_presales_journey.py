"""The presales journey in a real browser (issue 15, R26, R27): a clerk captures an A lead, logs
the first contact, converts it into a customer (tax id), quotes the new customer through the
quotation page and submits it; the head of sales approves it in the inbox; the clerk marks it
won and turns it into a draft order with the same lines; the quotation's PDF downloads."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from sales.models import Customer, Lead, Order, Quotation
from tests.factories import ProductFactory, active_price_list

pytestmark = pytest.mark.browser

COMPANY = "宁波东海精工机械有限公司"
TAX_ID = "91330200MA2H0XX0Q1"


@pytest.mark.rule("R26", "R27")
def test_a_clerk_turns_a_lead_into_an_order_through_an_approved_quotation(
    page, login, clerk, make_user
):
    lathe = ProductFactory(code="P-1001", name="数控车床", tax_rate=Decimal("0.1300"))
    service = ProductFactory(code="P-3001", name="安装调试服务", tax_rate=Decimal("0.0600"))
    active_price_list(items=[(lathe, "168000.00", "150000.00"), (service, "5000.00", "4000.00")])
    head = make_user("sales_head", username="head.zhao")

    # 1. Capture an A lead.
    login(page, clerk)
    page.get_by_role("banner").get_by_role("link", name="Leads").click()
    page.goto("/leads/new/")
    page.locator("#id_company").fill(COMPANY)
    page.locator("#id_contact_name").fill("陈经理")
    page.locator("#id_phone").fill("0574-8765 4321")
    page.locator("#id_grade").select_option("A")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/leads/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(COMPANY)
    lead = Lead.objects.get(company=COMPANY)
    assert (lead.grade, lead.owner) == ("A", clerk)

    # 2. Log the first contact.
    page.locator("#id_channel").select_option("phone")
    page.locator("#id_note").fill("介绍数控车床，客户有采购意向")
    page.get_by_role("button", name="Log contact").click()
    expect(page.locator("#contacts tbody")).to_contain_text("介绍数控车床")
    lead.refresh_from_db()
    assert lead.last_contacted_at is not None

    # 3. Convert it into a customer with its tax id.
    page.locator("#id_tax_id").fill(TAX_ID)
    page.get_by_role("button", name="Convert", exact=True).click()
    expect(page).to_have_url(re.compile(r"/customers/\d+/$"))
    customer = Customer.objects.get(name=COMPANY)
    assert (customer.tax_id, customer.owner) == (TAX_ID, clerk)

    # 4. Quote the new customer from its page: two lines, the totals by the server.
    page.locator("#new-quotation").click()
    expect(page).to_have_url(re.compile(rf"/quotations/new/\?customer={customer.pk}$"))
    page.wait_for_load_state("load")  # htmx (deferred) has bound its triggers
    expect(page.locator("#id_customer")).to_have_value(str(customer.pk))
    valid_until = timezone.localdate() + timedelta(days=30)
    page.locator("#id_valid_until").fill(valid_until.isoformat())
    page.locator("#id_lines-0-product").select_option(str(lathe.pk))
    expect(page.locator("#id_lines-0-unit_price")).to_have_value("168000.00")  # list price
    page.locator("#id_lines-0-quantity").fill("2")
    page.locator("#id_lines-0-unit_price").fill("160000.00")
    page.locator("#id_lines-1-product").select_option(str(service.pk))
    page.locator("#id_lines-1-quantity").fill("1")
    # 320000.00 + 41600.00 + 5000.00 + 300.00
    expect(page.locator("#order-gross")).to_have_text("366,900.00")
    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(re.compile(r"/quotations/\d+/$"))
    expect(page.locator(".messages")).to_contain_text("saved as a draft")
    quotation = Quotation.objects.get()
    assert (quotation.customer, quotation.gross_amount) == (customer, Decimal("366900.00"))

    # 5. Submit it for approval.
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator(".messages")).to_contain_text("submitted for approval")
    expect(page.locator("#status")).to_have_text("Submitted")

    # 6. The head of sales approves it in the inbox.
    page.get_by_role("button", name="Log out").click()
    login(page, head)
    page.goto("/approvals/")
    row = page.locator("table.inbox tbody tr", has_text=quotation.number)
    expect(row).to_contain_text("366,900.00")
    row.get_by_role("link", name=quotation.number).click()
    expect(page.locator(".card.document")).to_contain_text(COMPANY)
    expect(page.locator(".card.document")).to_contain_text("数控车床")
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.locator(".messages")).to_be_visible()
    quotation.refresh_from_db()
    assert quotation.status == "approved"

    # 7. The clerk marks it won and turns it into a draft order.
    page.get_by_role("button", name="Log out").click()
    login(page, clerk)
    page.goto(f"/quotations/{quotation.pk}/")
    expect(page.locator("#status")).to_have_text("Approved")
    page.get_by_role("button", name="Won", exact=True).click()
    expect(page.locator("#status")).to_have_text("Won")
    page.get_by_role("button", name="Make a draft order").click()
    expect(page).to_have_url(re.compile(r"/orders/\d+/$"))
    expect(page.locator("#from-quotation")).to_have_text(quotation.number)

    order = Order.objects.get()
    quotation.refresh_from_db()
    assert quotation.order == order
    assert (order.status, order.customer, order.created_by) == ("draft", customer, clerk)
    assert order.gross_amount == quotation.gross_amount

    def lines(document):
        return [
            (line.product_id, line.quantity, line.unit_price, line.tax_rate)
            for line in document.lines.order_by("id")
        ]

    assert lines(order) == lines(quotation)
    assert lines(order) == [
        (lathe.pk, Decimal("2.000"), Decimal("160000.00"), Decimal("0.1300")),
        (service.pk, Decimal("1.000"), Decimal("5000.00"), Decimal("0.0600")),
    ]

    # The quotation's PDF, in Chinese, with its number.
    page.goto(f"/quotations/{quotation.pk}/")
    download = page.context.request.get(page.locator("#quotation-pdf").get_attribute("href"))
    assert download.ok and download.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(download.body())).pages)
    assert quotation.number in text and COMPANY in text

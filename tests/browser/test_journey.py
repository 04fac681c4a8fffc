"""What a sales clerk sees in a real browser: log in, switch language, create a customer with
the keyboard and find it again (R1), and the errors beside the fields on a bad form (R25)."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from sales.models import Contact, Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.browser

NAME = "上海浦江精密机械有限公司"
TAX_ID = "91310000MA1FL0XX9Q"


def value_of(page, term: str):
    """The <dd> beside the <dt> that reads exactly `term`."""
    return page.locator(f'xpath=//dl/dt[normalize-space()="{term}"]/following-sibling::dd[1]')


def test_clerk_logs_in_switches_language_creates_customer_and_finds_it(page, login, clerk):
    CustomerFactory(owner=clerk, name="北京燕山化工有限公司")
    login(page, clerk)
    html = page.locator("html")
    nav = page.get_by_role("banner").get_by_role("navigation")
    expect(html).to_have_attribute("lang", "en")

    page.get_by_role("button", name="简体中文").click()
    expect(html).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("button", name="简体中文")).to_have_attribute("aria-pressed", "true")
    expect(nav.get_by_role("link", name="客户", exact=True)).to_be_visible()

    # Back to English on purpose: the rest of the journey reads the English labels.
    page.get_by_role("button", name="English").click()
    expect(html).to_have_attribute("lang", "en")
    nav.get_by_role("link", name="Customers", exact=True).click()
    expect(page).to_have_url(re.compile(r"/customers/$"))
    expect(page.locator("table.list tbody tr")).to_have_count(1)
    page.get_by_role("link", name="New customer").click()
    expect(page).to_have_url(re.compile(r"/customers/new/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("New customer")

    name = page.locator("#id_name")
    expect(name).to_be_focused()  # autofocus: the clerk can type at once
    name.fill(NAME)
    page.get_by_label("Tax id", exact=True).fill(TAX_ID)
    page.get_by_label("Contact person", exact=True).fill("王建国")
    page.locator("#id_phone").fill("021-6234 5678")
    page.locator("#id_contacts-0-name").fill("李娜")
    page.locator("#id_contacts-0-title").fill("采购经理")
    page.locator("#id_contacts-0-phone").fill("138 0013 8000")
    page.locator("#id_contacts-0-email").fill("li.na@pujiang.example.com")
    save = page.get_by_role("button", name="Save")
    for _ in range(5):  # Tab on from the last contact field until Save has the focus
        if save.evaluate("button => button === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(save).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/customers/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text("created")
    expect(page.get_by_role("heading", level=1)).to_contain_text(NAME)
    expect(value_of(page, "Tax id")).to_have_text(TAX_ID)
    expect(value_of(page, "Credit limit")).to_have_text("¥0.00")
    expect(value_of(page, "Credit days")).to_have_text("0")
    expect(value_of(page, "Risk level")).to_have_text("High")
    expect(page.locator("section.card", has_text="Contacts").locator("tbody")).to_contain_text(
        "李娜"
    )

    customer = Customer.objects.get(name=NAME)
    assert customer.owner == clerk
    assert customer.tax_id == TAX_ID
    assert customer.credit_limit == Decimal("0.00")
    assert customer.risk_level == "high"
    assert list(Contact.objects.filter(customer=customer).values_list("name", flat=True)) == [
        "李娜"
    ]
    assert page.url.endswith(f"/customers/{customer.pk}/")

    nav.get_by_role("link", name="Customers", exact=True).click()
    expect(page.locator("table.list tbody tr")).to_have_count(2)
    search = page.get_by_role("searchbox", name="Search")
    search.fill("浦江精密")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q="))
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(NAME)
    expect(rows.first).to_contain_text(customer.code)
    expect(rows.first).to_contain_text(TAX_ID)
    expect(search).to_have_value("浦江精密")


def test_bad_new_customer_form_shows_errors_beside_fields_and_saves_nothing(page, login, clerk):
    login(page, clerk)
    page.goto("/customers/new/")
    page.get_by_label("Tax id", exact=True).fill("abc")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Save").click()

    assert answer.value.status == 400
    expect(page).to_have_url(re.compile(r"/customers/new/$"))
    name_field = page.locator(".field.has-error").filter(has=page.locator("#id_name"))
    tax_field = page.locator(".field.has-error").filter(has=page.locator("#id_tax_id"))
    expect(name_field.locator("p.error")).to_have_text("This field is required.")
    expect(tax_field.locator("p.error")).to_contain_text("unified social credit code")
    expect(page.locator(".field.has-error")).to_have_count(2)
    name = page.locator("#id_name")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description("This field is required.")
    expect(page.get_by_label("Tax id", exact=True)).to_have_value("abc")
    assert not Customer.objects.exists()
    assert not Contact.objects.exists()

"""An invoice in a real browser (R17): finance follows the home card "Invoices to request" to
the contract ready to invoice, requests it (the amount defaults to what is left), submits it;
the VP of finance opens it from the inbox and approves it; finance sees it issued with its
number and records the fapiao."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from finance.models import Invoice
from tests.finance.test_invoices import THRESHOLD, collect
from tests.inventory import conftest as fulfilment

pytestmark = pytest.mark.browser

catalogue = fulfilment.catalogue
customer = fulfilment.customer
head = fulfilment.head
finance = fulfilment.finance
approved_order = fulfilment.approved_order
contract = fulfilment.contract


@pytest.fixture
def vp(make_user):
    return make_user("finance_vp", username="vp.zhou")


def log_out(page):
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login/"))


@pytest.mark.rule("R17")
def test_finance_requests_an_invoice_and_the_vp_approves_it_in_the_inbox(
    page, login, contract, finance, vp
):
    collect(contract, THRESHOLD)

    login(page, finance)
    page.get_by_role("link", name="Request invoice").first.click()
    expect(page).to_have_url(re.compile(r"/invoices/new/$"))
    ready = page.locator("#to-request")
    expect(ready).to_contain_text(contract.number)
    ready.get_by_role("link", name="Request invoice").click()
    expect(page.locator("#figure-room")).to_have_text("368,490.00")
    expect(page.get_by_label("Amount (gross)")).to_have_value("368,490.00")
    page.get_by_label("Amount (gross)").fill("100,000.00")
    page.get_by_label("Buyer's bank", exact=True).fill("工商银行上海分行")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#status")).to_have_text("Draft")
    expect(page.locator("#tax")).to_have_text("11,395.15")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator("#status")).to_have_text("In approval")
    log_out(page)

    login(page, vp)
    page.get_by_role("banner").get_by_role("link", name="Approvals").click()
    rows = page.locator("table.inbox tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(contract.customer.name)
    rows.first.get_by_role("link").first.click()
    expect(page.locator("main")).to_contain_text("11,395.15")
    page.get_by_role("button", name="Approve").click()
    expect(page).to_have_url(re.compile(r"/approvals/$"))
    log_out(page)

    invoice = Invoice.objects.get()
    assert invoice.status == "issued" and invoice.number.startswith("FP-")
    login(page, finance)
    page.goto(f"/invoices/{invoice.pk}/")
    expect(page.locator("h1")).to_contain_text(invoice.number)
    page.get_by_label("Fapiao number").fill("24312000000000000001")
    page.get_by_label("Fapiao date").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Record fapiao").click()
    expect(page.locator("#fapiao-number")).to_contain_text("24312000000000000001")

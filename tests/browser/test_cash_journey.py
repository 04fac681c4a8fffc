"""Cash to invoice in a real browser (issue 12, R16–R18): finance uploads the bank's two-line
statement, one line matched to the customer by the payer's name and one she maps by choosing
the customer, keeps the amounts proposed on the contract and confirms — two receipts, the
contract's collected past the 60 % threshold; she requests the invoice, the VP of finance
approves it from the inbox and it is issued with its number; the aging page draws its chart and
the statement of account's PDF holds the customer and the closing balance the page shows."""

import csv
import datetime
import io
import re
from decimal import Decimal
from urllib.parse import urljoin

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from contracts.models import ContractLedger
from finance.models import Invoice, Receipt
from tests.finance.conftest import deliver
from tests.inventory import conftest as fulfilment

pytestmark = pytest.mark.browser

# The fulfilment fixtures: an active contract (lathe × 2 at 180,800.00 gross each and a service
# line; gross 368,490.00, credit days 45) of the clerk's customer, the warehouse, its keeper and
# the guard at the gate.
catalogue = fulfilment.catalogue
customer = fulfilment.customer
head = fulfilment.head
finance = fulfilment.finance
approved_order = fulfilment.approved_order
contract = fulfilment.contract
lathe_line = fulfilment.lathe_line
warehouse = fulfilment.warehouse
keeper = fulfilment.keeper
guard = fulfilment.guard

MATCHED = Decimal("150000.00")  # paid by the customer under its own name
MAPPED = Decimal("75000.00")  # paid for it by another payer, mapped on the page
OTHER_PAYER = "华东机械设备代付款专户"
THRESHOLD = Decimal("221094.00")  # 60 % of the gross, to the cent


@pytest.fixture
def vp(make_user):
    return make_user("finance_vp", username="vp.zhou")


@pytest.fixture
def delivered(contract, lathe_line, warehouse, clerk, manager, keeper, guard):
    """Both lathes signed for by the customer four days ago (361,600.00 gross delivered, due
    in 45 days); the service line is not delivered. More than the receipts, so something stays
    receivable for the aging and the statement."""
    deliver(
        line=lathe_line,
        quantity="2",
        days_ago=4,
        contract=contract,
        warehouse=warehouse,
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
    )
    return contract


def statement_csv(path, rows):
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["date", "amount", "payer", "reference"])
        writer.writerows(rows)
    return path


def log_out(page):
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login/"))


@pytest.mark.rule("R16", "R17", "R18")
def test_finance_imports_the_bank_statement_invoices_and_the_customer_gets_its_statement(
    page, login, delivered, finance, vp, tmp_path
):
    contract, customer = delivered, delivered.customer
    paid_on = timezone.localdate() - datetime.timedelta(days=1)
    upload = statement_csv(
        tmp_path / "bank-statement.csv",
        [
            [paid_on.isoformat(), "150,000.00", customer.name, "HX-2026-0001"],
            [paid_on.isoformat(), "75000.00", OTHER_PAYER, "HX-2026-0002"],
        ],
    )
    assert MATCHED + MAPPED >= THRESHOLD

    # Finance: the upload, then the review page.
    login(page, finance)
    page.goto("/bank-statements/")
    page.get_by_role("link", name="Upload").first.click()
    expect(page).to_have_url(re.compile(r"/bank-statements/upload/$"))
    page.get_by_label("Bank statement").set_input_files(str(upload))
    page.get_by_role("button", name="Upload").click()
    expect(page).to_have_url(re.compile(r"/bank-statements/\d+/$"))

    matched = page.locator("tbody.line", has_text=customer.name).filter(has_text="HX-2026-0001")
    mapped = page.locator("tbody.line", has_text=OTHER_PAYER)
    expect(matched).to_contain_text("Matched")
    expect(mapped).to_contain_text("Unmatched")
    allocate = f"Allocate to {contract.display_number}"
    expect(matched.get_by_role("checkbox")).to_be_checked()
    expect(matched.get_by_label(allocate)).to_have_value(re.compile(r"^150,?000\.00$"))
    expect(mapped.get_by_role("checkbox")).not_to_be_checked()
    expect(mapped.get_by_label(allocate)).to_have_count(0)

    # The second payer is the customer's: she chooses it, its open contract comes in (htmx).
    page.wait_for_load_state("load")  # htmx (deferred) has bound the select's trigger
    mapped.get_by_role("combobox").select_option(label=f"{customer.code} {customer.name}")
    expect(mapped.get_by_label(allocate)).to_have_value(re.compile(r"^75,?000\.00$"))
    mapped.get_by_role("checkbox").check()
    page.get_by_role("button", name="Confirm and record receipts").click()

    expect(page.locator(".messages")).to_contain_text("2 lines imported: receipts")
    receipts = list(Receipt.objects.order_by("amount"))
    assert [(r.customer_id, r.amount) for r in receipts] == [
        (customer.pk, MAPPED),
        (customer.pk, MATCHED),
    ]
    for receipt in receipts:
        expect(page.locator("#statement-lines")).to_contain_text(receipt.number)
    expect(page.locator("#statement-lines")).not_to_contain_text("Unmatched")
    collected = ContractLedger.objects.get(contract_id=contract.pk).collected
    assert collected == MATCHED + MAPPED >= THRESHOLD

    # The invoice she may now request (R17), from her home card.
    page.goto("/")
    page.get_by_role("link", name="Request invoice").first.click()
    expect(page).to_have_url(re.compile(r"/invoices/new/$"))
    ready = page.locator("#to-request")
    expect(ready).to_contain_text(contract.number)
    ready.get_by_role("link", name="Request invoice").click()
    expect(page.get_by_label("Amount (gross)")).to_have_value("368,490.00")
    page.get_by_label("Buyer's bank", exact=True).fill("工商银行上海分行")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#status")).to_have_text("Draft")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator("#status")).to_have_text("In approval")
    log_out(page)

    # The VP of finance approves it from the inbox.
    login(page, vp)
    page.get_by_role("banner").get_by_role("link", name="Approvals").click()
    rows = page.locator("table.inbox tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(customer.name)
    rows.first.get_by_role("link").first.click()
    page.get_by_role("button", name="Approve").click()
    expect(page).to_have_url(re.compile(r"/approvals/$"))
    log_out(page)

    invoice = Invoice.objects.get()
    assert invoice.status == "issued"
    assert re.fullmatch(r"FP-\d{4}-\d+", invoice.number), invoice.number
    assert invoice.amount == Decimal("368490.00")

    # Aging: what is left of the delivery (361,600.00 − 225,000.00), not yet due, charted.
    login(page, finance)
    page.goto("/finance/aging/")
    chart = page.locator("svg#aging-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("g.bar rect")).not_to_have_count(0)
    expect(chart.locator("g.bar").first).to_contain_text(customer.name[:10])
    row = page.locator("#aging-rows tbody tr", has_text=customer.name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("136,600.00")

    # The statement of account and its PDF for the customer to sign.
    page.goto("/statements/")
    page.locator("#id_customer").fill(customer.name)
    page.get_by_role("button", name="Show").click()
    expect(page.locator("h1")).to_contain_text(customer.name)
    closing = page.locator("#closing-balance")
    expect(closing).to_have_text("136,600.00")
    shown = closing.inner_text().strip()
    pdf_url = urljoin(page.url, page.locator("#statement-pdf").get_attribute("href"))
    pdf = page.request.get(pdf_url)
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert customer.name in text
    assert shown in text

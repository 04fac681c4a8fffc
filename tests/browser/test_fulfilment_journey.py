"""Outbound to signed delivery in a real browser (R13, R14): the warehouse issues an approved
shipping notice from its picking list and sees the gate pass number; security types that
number at the gate (as a barcode scanner does: the number, then Enter) and confirms the exit;
the clerk records the customer-signed copy with its scan. Then the database says: delivered,
stock down, the contract ledger's shipped and delivered moved."""

import datetime
import io
import re
import struct
import zlib
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from contracts.models import Contract
from contracts.selectors import ledger_figures
from inventory.models import ShippingNotice, StockLevel, StockMove
from tests.inventory import conftest as fulfilment
from tests.inventory.conftest import approved_notice, put_stock

pytestmark = pytest.mark.browser

# The fulfilment fixtures: an active contract (lathe × 2 and a service line) of the clerk's
# customer, the warehouse WH-01, its keeper and the guard at the gate.
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


def tiny_png() -> bytes:
    """A real 1×1 PNG: signature, IHDR, IDAT, IEND with their CRCs."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def log_out(page):
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login/"))


@pytest.mark.rule("R13", "R14")
def test_warehouse_issues_security_lets_out_and_clerk_records_the_signed_delivery(
    page, login, clerk, manager, keeper, guard, contract, lathe_line, warehouse, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="3")
    notice = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=[{"contract_line": lathe_line.pk, "quantity": "2"}],
    )

    # The warehouse: picking list → Issue → the gate pass number, large, with its PDF.
    login(page, keeper)
    page.get_by_role("banner").get_by_role("link", name="Picking list").click()
    expect(page).to_have_url(re.compile(r"/picking-list/$"))
    card = page.locator(f"#pick-{notice.pk}")
    expect(card).to_contain_text(notice.number)
    expect(card).to_contain_text(contract.customer.name)
    expect(card.locator("tbody tr")).to_have_count(1)
    card.get_by_role("button", name=f"Issue {notice.number}").click()
    expect(page).to_have_url(re.compile(rf"/picking-list/\?issued={notice.pk}$"))
    gate_pass = page.locator("#issued-gate-pass")
    expect(gate_pass).to_have_text(re.compile(r"^CM-\d{4}-\d{5}$"))
    number = gate_pass.inner_text().strip()
    expect(page.locator(f"#pick-{notice.pk}")).to_have_count(0)  # off the list
    pdf_link = page.get_by_role("link", name="Print the gate pass (PDF)")
    expect(pdf_link).to_have_attribute("href", f"/shipping-notices/{notice.pk}/gate-pass/")
    pdf = page.request.get(pdf_link.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert number in pdf_text and contract.customer.name in pdf_text
    log_out(page)

    # Security: the number typed into the autofocused field and Enter, then Confirm exit.
    login(page, guard)
    page.get_by_role("banner").get_by_role("link", name="Gate").click()
    field = page.get_by_label("Gate pass no.")
    expect(field).to_be_focused()
    page.keyboard.type("CM-1999-00001")  # a wrong pass first: refused, nothing shown
    page.keyboard.press("Enter")
    expect(page.locator("#gate-pass-no_error")).to_have_text(
        "No shipment has this gate pass number."
    )
    expect(page.locator("#shipment")).to_have_count(0)
    expect(field).to_be_focused()  # and selected: the next scan replaces it
    page.keyboard.type(number)
    page.keyboard.press("Enter")
    expect(page.locator("#shipment-customer")).to_have_text(contract.customer.name)
    expect(page.locator("#shipment")).to_contain_text(lathe_line.product.name)
    confirm = page.get_by_role("button", name="Confirm exit")
    expect(confirm).to_be_focused()  # the next Enter confirms
    confirm.click()
    expect(page).to_have_url(re.compile(r"/gate/$"))
    expect(page.locator(".messages")).to_contain_text(number)
    expect(page.get_by_label("Gate pass no.")).to_be_focused()  # ready for the next truck
    log_out(page)

    # The clerk: the signed copy, with its scan.
    scan = tmp_path / "signed-copy.png"
    scan.write_bytes(tiny_png())
    signed_on = timezone.localdate() - datetime.timedelta(days=1)
    login(page, clerk)
    page.goto(f"/shipping-notices/{notice.pk}/")
    expect(page.locator("#status")).to_have_text("Shipped")
    page.get_by_role("link", name="Confirm delivery").click()
    expect(page).to_have_url(re.compile(rf"/shipping-notices/{notice.pk}/delivery/$"))
    expect(page.locator("#id_signed_by")).to_be_focused()
    page.locator("#id_signed_by").fill("王建国")
    page.locator("#id_signed_at").fill(signed_on.isoformat())
    page.locator("#id_scan").set_input_files(str(scan))
    page.get_by_role("button", name="Record the signed delivery").click()

    expect(page).to_have_url(re.compile(rf"/shipping-notices/{notice.pk}/$"))
    expect(page.locator("#status")).to_have_text("Delivered")
    expect(page.locator("#signed-by")).to_have_text("王建国")
    expect(page.locator("#gate-pass-no")).to_have_text(number)
    scan_link = page.locator("#scan-link")
    expect(scan_link).to_be_visible()
    served = page.request.get(scan_link.get_attribute("href"))
    assert served.ok and served.headers["content-type"] == "image/png"
    assert served.body() == tiny_png()

    notice = ShippingNotice.objects.get(pk=notice.pk)
    assert notice.status == "delivered"
    assert notice.gate_pass_no == number
    assert (notice.issued_by, notice.exited_by, notice.delivery_recorded_by) == (
        keeper,
        guard,
        clerk,
    )
    assert (notice.signed_by, notice.signed_at) == ("王建国", signed_on)
    level = StockLevel.objects.get(product=lathe_line.product, warehouse=warehouse)
    assert (level.on_hand, level.reserved) == (Decimal("1.000"), Decimal("0.000"))
    issue = StockMove.objects.get(reference=notice.number)
    assert (issue.kind, issue.quantity) == ("issue", Decimal("-2.000"))
    figures = ledger_figures(contract=Contract.objects.select_related("ledger").get(pk=contract.pk))
    assert figures["shipped"] == figures["delivered"] == Decimal("361600.00")

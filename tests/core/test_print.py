"""Print (issue 11 item 3): a print stylesheet served locally and linked from the base layout,
a Print button on every document page, and the picking list printable as the warehouse uses
it: one notice per page with what to pick and lines for the picker and the checker to sign."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

from approvals.models import ApprovalRequest
from contracts.models import Contract
from inventory.models import GoodsReceipt, ProductionNotice, ServiceDispatch, ShippingNotice
from sales.models import CreditChangeRequest, Order, PriceList

pytestmark = pytest.mark.django_db

PRINT_CSS = "css/print.css"


def print_rules() -> str:
    path = finders.find(PRINT_CSS)
    assert path, f"{PRINT_CSS} is not among the static files"
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def test_the_base_layout_links_the_print_stylesheet_for_print_media(client, clerk):
    client.force_login(clerk)

    html = client.get("/").content.decode()

    assert re.search(r'<link rel="stylesheet" href="/static/css/print\.css" media="print">', html)


def test_the_print_stylesheet_hides_the_screen_furniture_and_prints_a4():
    css = print_rules()
    hidden = re.search(r"([^{}]+)\{\s*display:\s*none !important;", css).group(1)

    assert "@media print" in css
    assert re.search(r"@page\s*\{\s*size:\s*A4;\s*margin:", css)
    for selector in (".topbar", ".nav", ".messages", ".filters", ".actions", "button", "form"):
        assert selector in hidden, selector
    assert re.search(r"tr, td, th[^{]*\{\s*break-inside:\s*avoid", css)  # rows stay whole
    assert re.search(r"a\[href\]::after\s*\{\s*content:\s*none", css)  # no link addresses
    assert "http" not in css  # nothing fetched from elsewhere


@pytest.fixture
def documents(settings, tmp_path):
    """The demo data: one of every document, through the chain (seed_demo)."""
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", verbosity=0)


DOCUMENT_PAGES = [
    (Order, "/orders/{}/"),
    (Contract, "/contracts/{}/"),
    (ProductionNotice, "/production-notices/{}/"),
    (GoodsReceipt, "/goods-receipts/{}/"),
    (ShippingNotice, "/shipping-notices/{}/"),
    (ServiceDispatch, "/service-dispatches/{}/"),
    (CreditChangeRequest, "/credit-changes/{}/"),
    (PriceList, "/price-lists/{}/"),
    (ApprovalRequest, "/approvals/{}/"),
]


def test_every_document_page_has_a_print_button(client, make_user, documents):
    client.force_login(make_user(is_superuser=True, is_staff=True, username="root"))
    for model, url in DOCUMENT_PAGES:
        document = model.objects.order_by("pk").first()
        assert document is not None, f"the demo has no {model.__name__}"
        response = client.get(url.format(document.pk))
        assert response.status_code == 200, url
        button = re.search(
            r'<button type="button" class="print-button"[^>]*>([^<]*)</button>',
            response.content.decode(),
        )
        assert button, f"no print button on {url}"
        assert "data-print" in button.group(0) and button.group(1) == "Print"


def test_the_print_button_is_translated(client, make_user, documents):
    client.force_login(make_user(is_superuser=True, username="root"))
    order = Order.objects.order_by("pk").first()

    html = client.get(f"/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert ">打印</button>" in html


def test_the_picking_list_prints_one_notice_a_page_with_signature_lines(
    client, make_user, documents
):
    keeper = make_user("warehouse", username="keeper")
    client.force_login(keeper)
    notices = ShippingNotice.objects.filter(status="approved")
    assert notices.exists(), "the demo has an approved notice to pick"

    html = client.get("/picking-list/").content.decode()

    assert 'class="print-button"' in html
    for notice in notices:
        card = html.split(f'id="pick-{notice.pk}"')[1].split("</section>")[0]
        meta = card.split('class="print-only pick-meta"')[1].split("</dl>")[0]
        assert notice.number in meta and notice.customer.name in meta
        assert str(notice.warehouse) in meta and f"{notice.valid_until:%Y-%m-%d}" in meta
        assert "Quantity to pick" in card and 'class="print-only picked"' in card
        signatures = card.split('class="print-only signatures"')[1].split("</div>")[0]
        assert "Picked by" in signatures and "Checked by" in signatures
        for line in notice.lines.all():
            assert f"{line.quantity:,.3f}" in card
    css = print_rules()
    assert re.search(r"\.picking\s*\{\s*break-after:\s*page", css)
    assert re.search(r"\.signatures\s*\{", css)

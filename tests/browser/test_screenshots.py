"""Issue 11's Done-when: pictures a reviewer can look at, saved under `artifacts/screenshots/`
(git-ignored, named in the README) — the order form, the inbox, the ledger list at 1366 px and
the contract PDF's pages — and, while at it, the ledger list at 1366 px keeps every figure on
one line inside the window."""

from pathlib import Path

import pypdfium2
import pytest
from django.conf import settings

from contracts.pdf import contract_pdf_bytes
from sales.services.credit import credit_change_submit
from tests.factories import CustomerFactory, credit_change
from tests.inventory import conftest as fulfilment

catalogue = fulfilment.catalogue
customer = fulfilment.customer
head = fulfilment.head
finance = fulfilment.finance
approved_order = fulfilment.approved_order
contract = fulfilment.contract

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"


@pytest.fixture
def shots():
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def test_the_ledger_list_at_1366_px_keeps_each_figure_on_one_line(
    page, login, finance, contract, shots
):
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, finance)
    page.goto("/contracts/ledger/")
    page.screenshot(path=str(shots / "ledger-list-1366.png"), full_page=True)

    sizes = page.evaluate(
        """() => {
            const table = document.querySelector('#ledger-rows');
            const rows = [...table.querySelectorAll('tbody tr, tfoot tr')]
                .map(r => r.getBoundingClientRect().height);
            const cell = table.querySelector('tbody td');
            const line = parseFloat(getComputedStyle(cell).fontSize) * 1.6;
            const width = table.getBoundingClientRect().right;
            return {width, window: window.innerWidth, rows, line};
        }"""
    )
    assert sizes["width"] <= sizes["window"]
    assert max(sizes["rows"]) < 2 * sizes["line"] + 8  # one line of text and the padding


def test_screenshots_of_the_order_form_the_inbox_and_the_contract_pdf(
    page, login, clerk, manager, make_user, contract, shots
):
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, clerk)
    page.goto("/orders/new/")
    page.screenshot(path=str(shots / "order-form.png"), full_page=True)

    for _ in range(3):
        change = credit_change(customer=CustomerFactory(), author=manager)
        credit_change_submit(actor=manager, change_id=change.pk)
    gm = make_user("general_manager")
    page.context.clear_cookies()
    login(page, gm)
    page.goto("/approvals/")
    page.screenshot(path=str(shots / "inbox.png"), full_page=True)

    pdf = pypdfium2.PdfDocument(contract_pdf_bytes(contract))
    for number, pdf_page in enumerate(pdf, start=1):
        pdf_page.render(scale=1.5).to_pil().save(shots / f"contract-pdf-page-{number}.png")
    assert (shots / "contract-pdf-page-1.png").stat().st_size > 10_000
    assert {"order-form.png", "inbox.png"} <= {p.name for p in shots.iterdir()}

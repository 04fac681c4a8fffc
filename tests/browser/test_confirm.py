"""Destructive buttons ask first (static/js/o2c.js, `data-confirm`): declining changes nothing,
accepting carries the action out — in the real browser."""

import datetime

import pytest

from inventory import services
from tests.inventory import conftest as fulfilment

# The fulfilment fixtures: an active contract of the clerk's customer and the planner.
catalogue = fulfilment.catalogue
customer = fulfilment.customer
head = fulfilment.head
finance = fulfilment.finance
approved_order = fulfilment.approved_order
contract = fulfilment.contract
lathe_line = fulfilment.lathe_line
planner = fulfilment.planner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.rule("R10")
def test_cancelling_a_production_notice_asks_first(page, login, planner, contract, lathe_line):
    notice = services.production_notice_create(
        actor=planner,
        data={
            "contract": contract.pk,
            "due_date": (datetime.date.today() + datetime.timedelta(days=30)).isoformat(),
            "lines": [{"contract_line": lathe_line.pk, "quantity": "0.1"}],
        },
    )
    login(page, planner)
    page.goto(f"/production-notices/{notice.pk}/")
    page.accept_dialogs = False
    page.locator("#cancel").click()
    page.wait_for_timeout(800)
    notice.refresh_from_db()
    assert notice.status == "draft"
    assert page.dialogs == ["Cancel this production notice? This cannot be undone."]
    page.accept_dialogs = True
    with page.expect_navigation():
        page.locator("#cancel").click()
    notice.refresh_from_db()
    assert notice.status == "cancelled"
    assert len(page.dialogs) == 2


def test_a_plain_post_form_is_sent_once(page, login, planner, contract, lathe_line):
    """static/js/o2c.js: the second submit of a plain POST form (a double click on "Save")
    is stopped before it leaves the page, so a slow answer cannot turn into two documents;
    then a real save creates exactly one notice."""
    from inventory.models import ProductionNotice

    login(page, planner)
    page.goto(f"/production-notices/new/?contract={contract.pk}")
    page.locator("#line-0 input[name$='-quantity']").fill("0.5")
    page.locator("input[name='due_date']").fill(
        (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    )
    # Watch the submits after o2c.js has seen them, holding the page so both can be counted.
    stopped = page.evaluate(
        """() => {
            const form = document.getElementById('notice-form');
            const seen = [];
            const watch = (event) => { seen.push(event.defaultPrevented); event.preventDefault(); };
            form.addEventListener('submit', watch);
            form.requestSubmit();
            form.requestSubmit();
            form.removeEventListener('submit', watch);
            form.removeAttribute('data-submitting');
            return seen;
        }"""
    )
    # The second submit is stopped in the capture phase: no later handler (htmx, the
    # browser's navigation) ever sees it.
    assert stopped == [False]

    with page.expect_navigation():
        page.locator("#notice-form button.primary").click()
    assert ProductionNotice.objects.count() == 1

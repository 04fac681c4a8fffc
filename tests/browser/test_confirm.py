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

"""Fixtures of the finance tests: the inventory chain's (an active contract, a warehouse, the
people who move goods) plus a signed delivery and a finance user's receipts, all through the
real services."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory import services as inventory
from tests.contracts.conftest import make_order
from tests.inventory.conftest import (  # noqa: F401  (fixtures)
    activate,
    approved_order,
    catalogue,
    contract,
    customer,
    finance,
    guard,
    head,
    keeper,
    lathe_line,
    shipped_notice,
    warehouse,
)


def deliver(*, line, quantity="1", days_ago=0, **chain):
    """A shipping notice issued, let out and signed by the customer `days_ago` days ago (R14):
    one lathe = 180,800.00 gross delivered, due after the contract's credit days. `chain`: the
    contract, warehouse and the clerk, manager, keeper and guard who move the goods."""
    notice = shipped_notice(line=line, quantity=quantity, **chain)
    signed = timezone.localdate() - datetime.timedelta(days=days_ago)
    return inventory.shipping_notice_confirm_delivery(
        actor=chain["clerk"], notice_id=notice.pk, signed_by="李四", signed_at=signed.isoformat()
    )


@pytest.fixture
def second_contract(clerk, customer, catalogue, manager, gm, head, finance):  # noqa: F811
    """Another active contract of the same customer (gross 368,490.00)."""
    order = make_order(clerk=clerk, customer=customer, catalogue=catalogue, manager=manager, gm=gm)
    return activate(clerk=clerk, order=order, head=head, finance=finance)


ZERO = Decimal("0.00")

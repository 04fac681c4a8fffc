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


def r3_exposure(customer_id) -> Decimal:
    """R3 computed from history, to compare with the kept counter: Σ gross of the customer's
    orders submitted, approved or contracted (contract not terminated) − Σ live allocations to
    those orders' contracts."""
    from django.db.models import Q, Sum

    from finance.models import Allocation
    from sales.models import Order

    live = Order.objects.filter(customer_id=customer_id, status__in=LIVE_ORDER).exclude(
        contract__status="terminated"
    )
    gross = live.aggregate(s=Sum("gross_amount"))["s"] or ZERO
    paid = (
        Allocation.objects.filter(
            Q(contract__order__in=live), reversed=False, receipt__status="posted"
        ).aggregate(s=Sum("amount"))["s"]
        or ZERO
    )
    return gross - paid


LIVE_ORDER = ("submitted", "approved", "contracted")

"""Fixtures of the finance tests: the inventory chain's (an active contract, a warehouse, the
people who move goods) plus a signed delivery and a finance user's receipts, all through the
real services; amounts due and collected on given dates (R18)."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from contracts.models import ContractDue
from contracts.services import ledger_add_delivered
from core.errors import RuleViolation
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


def due(contract, amount, due_on: datetime.date) -> ContractDue:  # noqa: F811
    """A signed delivery of `amount` that falls due on `due_on` (delivered credit days before),
    through the ledger service the signed delivery calls (R14, R18) — without the goods."""
    delivered_on = due_on - datetime.timedelta(days=contract.credit_days)
    with transaction.atomic():
        ledger_add_delivered(
            contract_id=contract.pk, amount=Decimal(amount), delivered_on=delivered_on
        )
    return ContractDue.objects.filter(contract=contract).latest("id")


def collect(actor, contract, amount, on: datetime.date):  # noqa: F811
    """A receipt of `amount` received on `on`, allocated to `contract` at once (R16)."""
    from finance.services import receipt_create

    return receipt_create(
        actor=actor,
        customer_id=contract.customer_id,
        amount=Decimal(amount),
        method="bank_transfer",
        received_on=on,
        allocations=[{"contract": contract.pk, "amount": Decimal(amount)}],
    )


def another_contract(*, clerk, customer, catalogue, manager, gm, head, finance):  # noqa: F811
    order = make_order(clerk=clerk, customer=customer, catalogue=catalogue, manager=manager, gm=gm)
    return activate(clerk=clerk, order=order, head=head, finance=finance)


def race(*calls):
    """Run the calls at once (a barrier), each on its own connection; their results or
    refusals, in call order."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            start.wait()
            results[index] = call()
        except RuleViolation as refused:
            results[index] = refused.code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results

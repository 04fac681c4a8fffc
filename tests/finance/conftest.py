"""Fixtures for finance (R16–R18): the fulfilment fixtures (an active contract of the clerk's
customer, credit days 45, made through the real services) and helpers that make amounts due
and collected on given dates."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction

from contracts.models import ContractDue
from contracts.services import ledger_add_delivered
from tests.contracts.conftest import make_order
from tests.inventory.conftest import (  # noqa: F401  (fixtures)
    activate,
    approved_order,
    catalogue,
    contract,
    customer,
    finance,
    head,
)


def due(contract, amount, due_on: datetime.date) -> ContractDue:  # noqa: F811
    """A signed delivery of `amount` that falls due on `due_on` (delivered credit days before),
    through the ledger service the signed delivery calls (R14, R18)."""
    delivered_on = due_on - datetime.timedelta(days=contract.credit_days)
    with transaction.atomic():
        ledger_add_delivered(
            contract_id=contract.pk, amount=Decimal(amount), delivered_on=delivered_on
        )
    return ContractDue.objects.filter(contract=contract).latest("id")


def collect(actor, contract, amount, on: datetime.date):  # noqa: F811
    """A receipt of `amount` received on `on`, allocated to `contract` at once (R16): through
    `finance.services.receipts.receipt_create` once it is on main; until then the rows it
    writes (receipt, allocation, the ledger's `collected`) are made here."""
    try:
        from finance.services.receipts import receipt_create
    except ImportError:
        receipt_create = None
    if receipt_create is not None:
        return receipt_create(
            actor=actor,
            customer_id=contract.customer_id,
            amount=Decimal(amount),
            method="bank_transfer",
            received_on=on,
            allocations=[{"contract": contract.pk, "amount": Decimal(amount)}],
        )
    from contracts.services import ledger_add_collected
    from finance.models import Allocation, Receipt

    with transaction.atomic():
        receipt = Receipt.objects.create(
            number=f"T-{Receipt.objects.count() + 1:05d}",
            customer_id=contract.customer_id,
            amount=Decimal(amount),
            method="bank_transfer",
            received_on=on,
            allocated=Decimal(amount),
            created_by=actor,
        )
        Allocation.objects.create(
            receipt=receipt,
            contract=contract,
            amount=Decimal(amount),
            allocated_on=on,
            created_by=actor,
        )
        ledger_add_collected(contract_id=contract.pk, amount=Decimal(amount))
    return receipt


def another_contract(*, clerk, customer, catalogue, manager, gm, head, finance):  # noqa: F811
    order = make_order(clerk=clerk, customer=customer, catalogue=catalogue, manager=manager, gm=gm)
    return activate(clerk=clerk, order=order, head=head, finance=finance)


@pytest.fixture
def finance_vp(make_user):
    return make_user("finance_vp", username="fvp.qian")

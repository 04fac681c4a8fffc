"""Receipts under concurrency, on PostgreSQL (issue 12, R16, R3): every receipt write holds the
customer's row lock, so two finance users allocating the last remainder of one contract get one
success and one `over_collection`, and an allocation racing an order submit for the same
customer leaves the exposure exactly what R3 defines."""

from decimal import Decimal

import pytest
from django.utils import timezone

from contracts.models import ContractLedger
from finance.models import Allocation
from finance.services import receipt_allocate, receipt_create
from sales.models import Customer
from sales.services.orders import order_create, order_submit
from tests.finance.conftest import r3_exposure, race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
GROSS = Decimal("368490.00")


def _on_account(finance, customer, amount):
    return receipt_create(
        actor=finance,
        customer_id=customer.pk,
        amount=Decimal(amount),
        method="bank_transfer",
        received_on=timezone.localdate(),
        allocations=[],
    )


@pytest.mark.rule("R16")
def test_two_finance_users_allocating_the_last_remainder_get_one_over_collection(
    finance, make_user, contract, customer
):
    other = make_user("finance", username="finance.qian")
    receipt_create(
        actor=finance,
        customer_id=customer.pk,
        amount=Decimal("300000.00"),
        method="bank_transfer",
        received_on=timezone.localdate(),
        allocations=[{"contract": contract.pk, "amount": Decimal("300000.00")}],
    )
    remainder = GROSS - Decimal("300000.00")
    first, second = (
        _on_account(finance, customer, remainder),
        _on_account(other, customer, remainder),
    )

    results = race(
        lambda: (
            receipt_allocate(
                actor=finance,
                receipt_id=first.pk,
                allocations=[{"contract": contract.pk, "amount": remainder}],
            ).pk
        ),
        lambda: (
            receipt_allocate(
                actor=other,
                receipt_id=second.pk,
                allocations=[{"contract": contract.pk, "amount": remainder}],
            ).pk
        ),
    )

    assert results.count("over_collection") == 1
    assert {first.pk, second.pk} & set(results)
    assert ContractLedger.objects.get(contract=contract).collected == GROSS
    assert Allocation.objects.filter(contract=contract).count() == 2
    assert Customer.objects.get(pk=customer.pk).exposure == r3_exposure(customer.pk)


@pytest.mark.rule("R3")
@pytest.mark.rule("R16")
def test_an_allocation_racing_an_order_submit_leaves_the_exposure_exact(
    finance, clerk, contract, customer, catalogue
):
    waiting = _on_account(finance, customer, "100000.00")
    draft = order_create(
        actor=clerk,
        customer_id=customer.pk,
        lines=[{"product": catalogue["lathe"].pk, "quantity": "1", "unit_price": "160000.00"}],
    )

    results = race(
        lambda: (
            receipt_allocate(
                actor=finance,
                receipt_id=waiting.pk,
                allocations=[{"contract": contract.pk, "amount": Decimal("100000.00")}],
            ).allocated
        ),
        lambda: order_submit(actor=clerk, order_id=draft.pk).status,
    )

    assert results == [Decimal("100000.00"), "submitted"]
    kept = Customer.objects.get(pk=customer.pk).exposure
    assert kept == r3_exposure(customer.pk)
    assert kept == GROSS + Decimal("180800.00") - Decimal("100000.00")

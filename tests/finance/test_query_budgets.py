"""Query budgets of the cash steps (issue 14): a receipt with one allocation (R16) and an
invoice's submit (R17) cost an exact number of queries, the same for the contract's first and
for one with receipts, allocations, journal entries and invoices before it — nothing in them
reads history. The first of each in a year creates its number counter (core.numbering) and
is not counted; the actor's roles are read before counting (a request reads them once)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.permissions import user_roles
from finance.services import invoice_create, invoice_submit, receipt_create
from tests.inventory.conftest import (  # noqa: F401  (fixtures)
    approved_order,
    catalogue,
    contract,
    customer,
    finance,
    head,
)

pytestmark = pytest.mark.django_db

# BEGIN/COMMIT are savepoints under the test's transaction; the month's period check is one query
# on both (on PostgreSQL the read that locks its row FOR SHARE, core.periods).
# On PostgreSQL a journal entry, its lines and their accounts are one statement (journal_post).
RECEIPT = {"postgresql": 12, "sqlite": 14}
INVOICE_SUBMIT = {"postgresql": 10, "sqlite": 10}


def _counted(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def _receipt(finance, contract, amount):  # noqa: F811
    return receipt_create(
        actor=finance,
        customer_id=contract.customer_id,
        amount=str(amount),
        method="bank_transfer",
        received_on=timezone.localdate(),
        allocations=[{"contract": contract.pk, "amount": str(amount)}],
    )


@pytest.mark.rule("R16")
def test_a_receipt_with_one_allocation_costs_the_same_queries_however_many_came_before(
    finance,  # noqa: F811
    contract,  # noqa: F811
):
    user_roles(finance)
    counts = [_counted(lambda: _receipt(finance, contract, "1000.00")) for _ in range(4)]
    assert counts[1:] == [RECEIPT[connection.vendor]] * 3


@pytest.mark.rule("R17")
def test_an_invoice_submit_costs_the_same_queries_however_many_invoices_came_before(
    finance,  # noqa: F811
    contract,  # noqa: F811
):
    _receipt(finance, contract, contract.gross_amount)  # collected in full: R17's threshold met
    user_roles(finance)
    counts = []
    for _ in range(4):  # each earlier invoice stays in approval, counted against the room
        invoice = invoice_create(actor=finance, contract_id=contract.pk, amount=Decimal("100.00"))
        counts.append(_counted(lambda i=invoice: invoice_submit(actor=finance, invoice_id=i.pk)))
    assert counts[1:] == [INVOICE_SUBMIT[connection.vendor]] * 3

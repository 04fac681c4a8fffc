"""Finished contracts (R20 "orders that are finished are closed"; issue 13 item 2): month end
completes (已完结) every active contract delivered, invoiced and collected in full, once; a
completed contract still shows where people look for it (lists, its page, its ledger, the
statement, aging, the API); a correction — a red invoice, a receipt reversed — makes it active
again. Expired shipping notices expire through `shipping_notices_expire`; both month-end jobs
change nothing when run again.

The contract (tests/inventory/conftest.py): lathe × 2 and installation service × 1.5, gross
368,490.00, credit days 45."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from approvals.services import approval_decide
from contracts.models import Contract, ContractLedger, ContractStatus
from contracts.services import contracts_complete
from finance.models import Invoice, Receipt
from finance.services import (
    invoice_create,
    invoice_red_create,
    invoice_submit,
    receipt_create,
    receipt_reverse,
)
from inventory import services as inventory
from inventory.models import ShippingNotice
from sales.models import Customer
from tests.inventory.conftest import approved_notice, put_stock

pytestmark = [pytest.mark.django_db, pytest.mark.rule("R20")]

TODAY = timezone.localdate
GROSS = Decimal("368490.00")


@pytest.fixture
def vp(make_user):
    return make_user("finance_vp", username="vp.zhou")


def deliver_all(*, clerk, manager, keeper, guard, contract, warehouse) -> ShippingNotice:
    """Every contract line shipped on one notice and signed for by the customer (R13, R14)."""
    lines = list(contract.lines.all())
    for line in lines:
        put_stock(actor=keeper, product=line.product, warehouse=warehouse, quantity=line.quantity)
    notice = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=[{"contract_line": line.pk, "quantity": str(line.quantity)} for line in lines],
    )
    inventory.shipping_notice_issue(actor=keeper, notice_id=notice.pk)
    inventory.shipping_notice_exit(actor=guard, notice_id=notice.pk)
    return inventory.shipping_notice_confirm_delivery(
        actor=clerk, notice_id=notice.pk, signed_by="李四", signed_at=TODAY().isoformat()
    )


def collect(finance, contract, amount=GROSS) -> Receipt:
    return receipt_create(
        actor=finance,
        customer_id=contract.customer_id,
        amount=Decimal(amount),
        method="bank_transfer",
        received_on=TODAY(),
        allocations=[{"contract": contract.pk, "amount": str(amount)}],
    )


def invoice(finance, vp, contract, amount=None) -> Invoice:
    """Requested by finance and approved by the VP: issued (R17)."""
    draft = invoice_create(actor=finance, contract_id=contract.pk, amount=amount)
    invoice_submit(actor=finance, invoice_id=draft.pk)
    request = Invoice.objects.get(pk=draft.pk).approval_request
    approval_decide(actor=vp, request_id=request.pk, approve=True)
    return Invoice.objects.get(pk=draft.pk)


@pytest.fixture
def finished(clerk, manager, keeper, guard, finance, vp, contract, warehouse):
    """Delivered, collected and invoiced in full — but not completed yet."""
    deliver_all(
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
        contract=contract,
        warehouse=warehouse,
    )
    collect(finance, contract)
    invoice(finance, vp, contract)
    ledger = ContractLedger.objects.get(contract=contract)
    assert ledger.contracted == ledger.delivered == ledger.invoiced == ledger.collected == GROSS
    return contract


def status(contract) -> str:
    return Contract.objects.get(pk=contract.pk).status


def test_a_contract_delivered_invoiced_and_collected_in_full_is_completed_once(finished):
    as_of = TODAY()

    assert contracts_complete(as_of=as_of) == 1
    assert contracts_complete(as_of=as_of) == 0

    contract = Contract.objects.get(pk=finished.pk)
    assert (contract.status, contract.completed_on) == ("completed", as_of)
    assert contract.number  # still numbered (the database's constraint allows it)
    assert contract.history.first().status == "completed"


def test_a_contract_missing_any_of_the_three_stays_active(
    clerk, manager, keeper, guard, finance, vp, contract, warehouse
):
    deliver_all(
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
        contract=contract,
        warehouse=warehouse,
    )
    assert contracts_complete(as_of=TODAY()) == 0  # delivered only
    collect(finance, contract, "300000.00")
    invoice(finance, vp, contract, "300000.00")
    assert contracts_complete(as_of=TODAY()) == 0  # collected and invoiced in part
    collect(finance, contract, GROSS - Decimal("300000.00"))
    assert contracts_complete(as_of=TODAY()) == 0  # collected in full, not all invoiced
    invoice(finance, vp, contract)

    assert contracts_complete(as_of=TODAY()) == 1
    assert status(contract) == "completed"


def test_a_contract_not_delivered_in_full_stays_active(
    clerk, manager, keeper, guard, finance, vp, contract, warehouse, lathe_line
):
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="1")
    notice = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=[{"contract_line": lathe_line.pk, "quantity": "1"}],
    )
    inventory.shipping_notice_issue(actor=keeper, notice_id=notice.pk)
    inventory.shipping_notice_exit(actor=guard, notice_id=notice.pk)
    inventory.shipping_notice_confirm_delivery(
        actor=clerk, notice_id=notice.pk, signed_by="李四", signed_at=TODAY().isoformat()
    )
    delivered = ContractLedger.objects.get(contract=contract).delivered
    collect(finance, contract)  # all of it, in advance
    invoice(finance, vp, contract, delivered)

    assert contracts_complete(as_of=TODAY()) == 0
    assert status(contract) == "active"


def test_a_completed_contract_still_shows_in_lists_pages_ledger_statement_aging_and_api(
    client, api, finance, finished
):
    contracts_complete(as_of=TODAY())
    client.force_login(finance)

    listed = client.get(reverse("contract-list"), {"status": "completed"})
    assert listed.status_code == 200 and finished.number in listed.content.decode()
    assert "Completed" in listed.content.decode()
    assert finished.number in client.get(reverse("contract-ledger-list")).content.decode()
    detail = client.get(reverse("contract-detail", args=[finished.pk]))
    assert detail.status_code == 200 and "Completed" in detail.content.decode()
    assert client.get(reverse("contract-ledger", args=[finished.pk])).status_code == 200

    client_api = api.as_user(finance)
    body = client_api.get(f"/api/v1/contracts/{finished.pk}/").json()
    assert body["status"] == "completed"
    ledger = client_api.get(f"/api/v1/contracts/{finished.pk}/ledger/").json()
    assert (ledger["delivered"], ledger["collected"], ledger["outstanding"]) == (
        "368490.00",
        "368490.00",
        "0.00",
    )
    statement = client_api.get(f"/api/v1/customers/{finished.customer_id}/statement/").json()
    kinds = {line["kind"] for line in statement["lines"]}
    assert statement["closing_balance"] == "0.00" and len(kinds) >= 2
    aging = client_api.get(f"/api/v1/reports/aging/?as_of={TODAY().isoformat()}")
    assert aging.status_code == 200


def test_the_status_reads_in_chinese():
    with translation.override("zh-hans"):
        assert str(ContractStatus.COMPLETED.label) == "已完结"


@pytest.mark.rule("R17")
def test_a_red_invoice_of_a_completed_contract_is_issued_and_makes_it_active_again(
    finance, vp, finished
):
    issued = Invoice.objects.get()
    contracts_complete(as_of=TODAY())

    red = invoice_red_create(actor=finance, invoice_id=issued.pk)
    invoice_submit(actor=finance, invoice_id=red.pk)
    approval_decide(
        actor=vp, request_id=Invoice.objects.get(pk=red.pk).approval_request.pk, approve=True
    )

    assert Invoice.objects.get(pk=red.pk).status == "issued"
    assert Invoice.objects.get(pk=issued.pk).status == "reversed"
    assert status(finished) == "active"
    assert ContractLedger.objects.get(contract=finished).invoiced == 0
    assert contracts_complete(as_of=TODAY()) == 0
    invoice(finance, vp, finished)  # invoiced again: complete again
    assert contracts_complete(as_of=TODAY()) == 1


@pytest.mark.rule("R3", "R16", "R24")
def test_a_receipt_reversed_on_a_completed_contract_makes_it_active_again(finance, finished):
    contracts_complete(as_of=TODAY())
    exposure_before = Customer.objects.get(pk=finished.customer_id).exposure

    receipt = Receipt.objects.get()
    receipt_reverse(actor=finance, receipt_id=receipt.pk, reason="退票")

    contract = Contract.objects.get(pk=finished.pk)
    assert (contract.status, contract.completed_on) == ("active", None)
    assert ContractLedger.objects.get(contract=finished).collected == 0
    # R3: a contract not terminated counts in the exposure, completed or not.
    assert Customer.objects.get(pk=finished.customer_id).exposure == exposure_before + GROSS
    assert contracts_complete(as_of=TODAY()) == 0


def test_both_month_end_jobs_change_nothing_when_run_again(
    clerk, manager, keeper, warehouse, second_contract, finished
):
    """`contracts_complete` and `shipping_notices_expire`, as the month-end run calls them: a
    finished contract completed, an approved notice past its validity expired — once."""
    line = second_contract.lines.get(product__code="P-1001")
    put_stock(actor=keeper, product=line.product, warehouse=warehouse, quantity="1")
    notice = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=second_contract,
        warehouse=warehouse,
        lines=[{"contract_line": line.pk, "quantity": "1"}],
    )
    later = TODAY() + datetime.timedelta(days=30)

    first = (contracts_complete(as_of=later), inventory.shipping_notices_expire(as_of=later))
    second = (contracts_complete(as_of=later), inventory.shipping_notices_expire(as_of=later))

    assert first == (1, {"expired": 1, "failed": 0})
    assert second == (0, {"expired": 0, "failed": 0})
    assert ShippingNotice.objects.get(pk=notice.pk).status == "expired"
    assert Contract.objects.get(pk=finished.pk).completed_on == later
    assert Contract.objects.get(pk=second_contract.pk).status == "active"

"""The receipt pages (issue 12 items 3 and 9, R16): finance records a receipt with the
allocation grid of the customer's open contracts, sees it listed with totals, allocates what is
on account later and reverses it with a reason; a bad amount in the grid is shown beside its
contract and nothing is written."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts.models import ContractLedger
from finance.models import Receipt
from finance.services import receipt_create

pytestmark = pytest.mark.django_db


def _post(client, contract, customer, **extra):
    data = {
        "customer": customer.pk,
        "amount": "120,000.00",
        "method": "bank_transfer",
        "received_on": timezone.localdate().isoformat(),
        "reference": "BK-001",
        f"allocate-{contract.pk}": "100,000.00",
    }
    data.update(extra)
    return client.post(reverse("receipt-create"), data)


@pytest.mark.rule("R16")
def test_finance_records_a_receipt_through_the_grid(client, finance, contract, customer):
    client.force_login(finance)
    form = client.get(reverse("receipt-create"), {"customer": customer.pk})
    assert form.status_code == 200
    assert f'name="allocate-{contract.pk}"' in form.content.decode()
    assert "368,490.00" in form.content.decode()  # what the contract has left to collect

    answer = _post(client, contract, customer)

    receipt = Receipt.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("receipt-detail", args=[receipt.pk])
    assert receipt.unallocated == Decimal("20000.00")
    assert ContractLedger.objects.get(contract=contract).collected == Decimal("100000.00")
    page = client.get(answer.url).content.decode()
    assert receipt.number in page and "20,000.00" in page and contract.number in page

    listed = client.get(reverse("receipt-list")).content.decode()
    assert receipt.number in listed and 'id="receipt-totals"' in listed


@pytest.mark.rule("R16")
@pytest.mark.rule("R25")
def test_a_bad_or_excessive_grid_amount_is_shown_beside_its_contract(
    client, finance, contract, customer
):
    client.force_login(finance)

    bad = _post(client, contract, customer, **{f"allocate-{contract.pk}": "abc"})
    assert bad.status_code == 400
    too_much = _post(
        client, contract, customer, amount="400,000.00", **{f"allocate-{contract.pk}": "368,490.01"}
    )
    assert too_much.status_code == 409
    assert "More than the contract has left to collect." in too_much.content.decode()
    assert not Receipt.objects.exists()


@pytest.mark.rule("R16")
def test_allocate_later_then_reverse_from_the_receipt_page(client, finance, contract, customer):
    receipt = receipt_create(
        actor=finance,
        customer_id=customer.pk,
        amount=Decimal("5000.00"),
        method="cash",
        received_on=timezone.localdate(),
        allocations=[],
    )
    client.force_login(finance)
    url = reverse("receipt-detail", args=[receipt.pk])
    assert 'id="allocate-form"' in client.get(url).content.decode()

    done = client.post(
        reverse("receipt-action", args=[receipt.pk, "allocate"]),
        {f"allocate-{contract.pk}": "3,000"},
    )
    assert done.status_code == 302
    assert ContractLedger.objects.get(contract=contract).collected == Decimal("3000.00")

    no_reason = client.post(reverse("receipt-action", args=[receipt.pk, "reverse"]), {})
    assert no_reason.status_code == 400
    assert Receipt.objects.get().status == "posted"
    gone = client.post(
        reverse("receipt-action", args=[receipt.pk, "reverse"]), {"reason": "客户退票"}
    )
    assert gone.status_code == 302
    assert Receipt.objects.get().status == "reversed"
    assert ContractLedger.objects.get(contract=contract).collected == Decimal("0.00")


def test_a_clerk_cannot_open_the_receipt_form(client, clerk):
    client.force_login(clerk)
    assert client.get(reverse("receipt-create")).status_code == 403


def test_finance_home_shows_receipts_to_allocate(client, finance, customer):
    receipt_create(
        actor=finance,
        customer_id=customer.pk,
        amount=Decimal("5000.00"),
        method="cash",
        received_on=timezone.localdate(),
        allocations=[],
    )
    client.force_login(finance)
    page = client.get("/").content.decode()
    assert reverse("receipt-list") in page

"""The late-document rule (R20 with R14 and R16; issue 13 item 3): "a late document for a closed
month is dated into the first open month, with the original date shown" (`core.periods`).

A signed delivery or a receipt (also one a bank statement's confirm creates) dated in a closed
month is refused by default — `period_closed` beside its date field, the detail naming the
first open month — and nothing is written. Asked for (`book_in_open_period`), it keeps its date
and every entry it posts is dated the first day of the first open month after it, the original
date in the memo, the day kept as `booked_on`; never in the future. R18's due dates and
interest still run from the original date."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts.models import ContractDue, ContractLedger
from core.errors import RuleViolation
from core.models import ClosedPeriod
from core.periods import booking_date, first_open_day_after, period_of
from finance.models import Allocation, BankStatementLine, JournalEntry, Receipt
from finance.services import bank_statement_confirm, bank_statement_upload, receipt_create
from inventory import services as inventory
from inventory.models import ShippingNotice
from tests.finance.conftest import collect
from tests.finance.test_bank_import import csv_file
from tests.inventory.conftest import shipped_notice

pytestmark = [pytest.mark.django_db, pytest.mark.rule("R20")]

TODAY = timezone.localdate


def month_start(months_back: int) -> datetime.date:
    """The first day of the month `months_back` months before this one."""
    day = TODAY().replace(day=1)
    for _ in range(months_back):
        day = (day - datetime.timedelta(days=1)).replace(day=1)
    return day


def in_month(months_back: int) -> datetime.date:
    """A day in the middle of that month (the 15th; never after today)."""
    return min(month_start(months_back).replace(day=15), TODAY())


def close(*days: datetime.date) -> None:
    for day in days:
        ClosedPeriod.objects.create(period=period_of(day))


def written() -> dict:
    return {
        "entries": JournalEntry.objects.count(),
        "receipts": Receipt.objects.count(),
        "allocations": Allocation.objects.count(),
        "ledgers": list(ContractLedger.objects.order_by("pk").values()),
        "dues": ContractDue.objects.count(),
        "notices": list(ShippingNotice.objects.order_by("pk").values("status", "booked_on")),
    }


def receive(finance, customer, contract, day, **extra) -> Receipt:
    return receipt_create(
        actor=finance,
        customer_id=customer.pk,
        amount=Decimal("1000.00"),
        method="bank_transfer",
        received_on=day,
        allocations=[{"contract": contract.pk, "amount": "600.00"}],
        **extra,
    )


@pytest.fixture
def shipped(clerk, manager, keeper, guard, contract, warehouse, lathe_line):
    return shipped_notice(
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
        contract=contract,
        warehouse=warehouse,
        line=lathe_line,
    )


# -- core.periods ------------------------------------------------------------------------------


def test_the_first_open_day_after_skips_closed_months_and_may_lie_ahead():
    close(month_start(2), month_start(1))

    assert first_open_day_after(in_month(4)) == month_start(3)
    assert first_open_day_after(in_month(3)) == month_start(0)
    assert first_open_day_after(in_month(2)) == month_start(0)
    assert first_open_day_after(in_month(1)) == month_start(0)
    close(month_start(0))
    assert first_open_day_after(in_month(1)) > TODAY()


def test_a_date_in_an_open_month_books_on_itself_whatever_the_flag():
    close(month_start(2))

    assert booking_date(in_month(1), late_ok=False, field="x") == in_month(1)
    assert booking_date(in_month(1), late_ok=True, field="x") == in_month(1)
    assert booking_date(in_month(2), late_ok=True, field="x") == month_start(1)


# -- receipts (R16) ------------------------------------------------------------------------------


@pytest.mark.rule("R16")
def test_a_receipt_of_a_closed_month_is_refused_without_the_flag_naming_the_first_open_month(
    finance, customer, contract
):
    close(in_month(1))
    before = written()

    with pytest.raises(RuleViolation) as refused:
        receive(finance, customer, contract, in_month(1))

    assert refused.value.code == "period_closed"
    assert list(refused.value.errors) == ["received_on"]
    assert period_of(month_start(0)) in refused.value.detail
    assert written() == before


@pytest.mark.rule("R16", "R18")
def test_a_late_receipt_keeps_its_date_and_posts_on_the_first_day_of_the_first_open_month(
    finance, customer, contract
):
    original = in_month(1)
    close(original)

    receipt = Receipt.objects.get(
        pk=receive(finance, customer, contract, original, book_in_open_period=True).pk
    )

    assert (receipt.received_on, receipt.booked_on) == (original, month_start(0))
    entry = JournalEntry.objects.get(source_type="receipt", source_id=receipt.pk)
    assert entry.date == month_start(0)
    assert original.isoformat() in entry.memo and receipt.number in entry.memo
    # R18: the money counts as collected from the day it was received.
    assert Allocation.objects.get(receipt=receipt).allocated_on == original
    assert ContractLedger.objects.get(contract=contract).collected == Decimal("600.00")


@pytest.mark.rule("R16")
def test_a_receipt_in_an_open_month_is_booked_on_its_own_date(finance, customer, contract):
    receipt = receive(finance, customer, contract, TODAY(), book_in_open_period=True)

    assert Receipt.objects.get(pk=receipt.pk).booked_on is None
    assert JournalEntry.objects.get(source_id=receipt.pk, source_type="receipt").date == TODAY()


@pytest.mark.rule("R16")
def test_two_consecutive_closed_months_are_skipped(finance, customer, contract):
    close(month_start(2), month_start(1))

    receipt = receive(finance, customer, contract, in_month(2), book_in_open_period=True)

    assert Receipt.objects.get(pk=receipt.pk).booked_on == month_start(0)
    assert JournalEntry.objects.get(source_id=receipt.pk, source_type="receipt").date == (
        month_start(0)
    )


@pytest.mark.rule("R16")
def test_an_open_month_between_closed_ones_takes_the_late_document(finance, customer, contract):
    close(month_start(2), month_start(0))

    receipt = receive(finance, customer, contract, in_month(2), book_in_open_period=True)

    assert Receipt.objects.get(pk=receipt.pk).booked_on == month_start(1)


@pytest.mark.rule("R16")
def test_a_late_receipt_is_refused_when_the_first_open_month_has_not_begun(
    finance, customer, contract
):
    close(month_start(1), month_start(0))
    before = written()

    with pytest.raises(RuleViolation) as refused:
        receive(finance, customer, contract, in_month(1), book_in_open_period=True)

    assert refused.value.code == "period_closed"
    assert list(refused.value.errors) == ["received_on"]
    assert written() == before


@pytest.mark.rule("R16")
def test_the_api_books_a_late_receipt_and_shows_both_dates(api, finance, customer, contract):
    original = in_month(1)
    close(original)
    data = {
        "customer": customer.pk,
        "amount": "1000.00",
        "method": "bank_transfer",
        "received_on": original.isoformat(),
        "allocations": [],
    }
    client = api.as_user(finance)

    refused = client.post("/api/v1/receipts/", data, format="json")
    booked = client.post("/api/v1/receipts/", {**data, "book_in_open_period": True}, format="json")

    assert refused.status_code == 409 and refused.json()["code"] == "period_closed"
    assert list(refused.json()["errors"]) == ["received_on"]
    assert period_of(month_start(0)) in refused.json()["detail"]
    assert booked.status_code == 201, booked.json()
    shown = client.get(f"/api/v1/receipts/{booked.json()['id']}/").json()
    assert (shown["received_on"], shown["booked_on"]) == (
        original.isoformat(),
        month_start(0).isoformat(),
    )
    assert Receipt.objects.count() == 1


@pytest.mark.rule("R16")
def test_the_receipt_page_offers_the_late_booking_once_the_date_is_refused(
    client, finance, customer, contract
):
    original = in_month(1)
    close(original)
    client.force_login(finance)
    data = {
        "customer": customer.pk,
        "amount": "1,000.00",
        "method": "bank_transfer",
        "received_on": original.isoformat(),
    }
    first = client.get(reverse("receipt-create"))
    assert 'name="book_in_open_period"' not in first.content.decode()

    refused = client.post(reverse("receipt-create"), data)

    assert refused.status_code == 409
    assert refused.context["form"].errors["received_on"] == ["This date is in a closed period."]
    assert 'name="book_in_open_period"' in refused.content.decode()
    assert not Receipt.objects.exists()

    booked = client.post(reverse("receipt-create"), {**data, "book_in_open_period": "on"})

    receipt = Receipt.objects.get()
    assert booked.status_code == 302
    assert receipt.booked_on == month_start(0)
    page = client.get(reverse("receipt-detail", args=[receipt.pk])).content.decode()
    assert original.isoformat() in page
    assert f"booked on {month_start(0).isoformat()} (late document)" in page


# -- bank statement confirm ------------------------------------------------------------------------


@pytest.mark.rule("R16")
def test_a_bank_line_of_a_closed_month_becomes_a_late_receipt_when_asked(api, finance, customer):
    original = in_month(1)
    statement = bank_statement_upload(
        actor=finance, upload=csv_file([[original.isoformat(), "10.00", customer.name, "LATE-1"]])
    )
    close(original)

    with pytest.raises(RuleViolation) as refused:
        bank_statement_confirm(
            actor=finance, statement_id=statement.pk, lines=[{"row": 2, "customer": customer.pk}]
        )
    assert list(refused.value.errors) == ["lines.0.received_on"]
    assert not Receipt.objects.exists()

    answer = api.as_user(finance).post(
        f"/api/v1/bank-statements/{statement.pk}/confirm/",
        {"lines": [{"row": 2, "customer": customer.pk, "book_in_open_period": True}]},
        format="json",
    )

    assert answer.status_code == 200, answer.json()
    (shown,) = answer.json()["receipts"]
    assert (shown["received_on"], shown["booked_on"]) == (
        original.isoformat(),
        month_start(0).isoformat(),
    )
    receipt = Receipt.objects.get()
    assert JournalEntry.objects.get(source_type="receipt").date == month_start(0)
    assert BankStatementLine.objects.get().receipt_id == receipt.pk


# -- signed deliveries (R14) -------------------------------------------------------------------


@pytest.mark.rule("R14")
def test_a_delivery_signed_in_a_closed_month_is_refused_without_the_flag(clerk, shipped):
    close(in_month(1))
    before = written()

    with pytest.raises(RuleViolation) as refused:
        inventory.shipping_notice_confirm_delivery(
            actor=clerk, notice_id=shipped.pk, signed_by="李四", signed_at=in_month(1)
        )

    assert refused.value.code == "period_closed"
    assert list(refused.value.errors) == ["signed_at"]
    assert period_of(month_start(0)) in refused.value.detail
    assert written() == before


@pytest.mark.rule("R14", "R16", "R18")
def test_a_late_delivery_posts_revenue_and_the_advance_in_the_first_open_month_due_from_its_date(
    clerk, finance, contract, shipped
):
    collect(finance, contract, "200000.00", TODAY())  # an advance the delivery applies
    original = in_month(2)
    close(month_start(2), month_start(1))

    notice = inventory.shipping_notice_confirm_delivery(
        actor=clerk,
        notice_id=shipped.pk,
        signed_by="李四",
        signed_at=original,
        book_in_open_period=True,
    )

    notice.refresh_from_db()
    assert (notice.status, notice.signed_at, notice.booked_on) == (
        "delivered",
        original,
        month_start(0),
    )
    entries = JournalEntry.objects.filter(source_type="shipping_notice", source_id=notice.pk)
    assert entries.count() == 2  # revenue, and the advance applied
    for entry in entries:
        assert entry.date == month_start(0)
        assert original.isoformat() in entry.memo and notice.number in entry.memo
    due = ContractDue.objects.get(contract=contract)
    assert due.delivered_on == original
    assert due.due_on == original + datetime.timedelta(days=contract.credit_days)


@pytest.mark.rule("R14")
def test_a_late_delivery_is_refused_when_the_first_open_month_has_not_begun(clerk, shipped):
    close(month_start(1), month_start(0))
    before = written()

    with pytest.raises(RuleViolation) as refused:
        inventory.shipping_notice_confirm_delivery(
            actor=clerk,
            notice_id=shipped.pk,
            signed_by="李四",
            signed_at=in_month(1),
            book_in_open_period=True,
        )

    assert refused.value.code == "period_closed"
    assert written() == before


@pytest.mark.rule("R14")
def test_the_api_books_a_late_delivery_and_shows_both_dates(api, clerk, shipped):
    original = in_month(1)
    close(original)
    url = f"/api/v1/shipping-notices/{shipped.pk}/confirm-delivery/"
    data = {"signed_by": "李四", "signed_at": original.isoformat()}

    refused = api.as_user(clerk).post(url, data, format="json")
    booked = api.as_user(clerk).post(url, {**data, "book_in_open_period": True}, format="json")

    assert refused.status_code == 409 and list(refused.json()["errors"]) == ["signed_at"]
    assert booked.status_code == 200, booked.json()
    shown = api.as_user(clerk).get(f"/api/v1/shipping-notices/{shipped.pk}/").json()
    assert (shown["signed_at"], shown["booked_on"]) == (
        original.isoformat(),
        month_start(0).isoformat(),
    )


@pytest.mark.rule("R14")
def test_the_delivery_page_offers_the_late_booking_and_the_notice_shows_it(client, clerk, shipped):
    original = in_month(1)
    close(original)
    client.force_login(clerk)
    url = f"/shipping-notices/{shipped.pk}/delivery/"
    data = {"signed_by": "李四", "signed_at": original.isoformat()}

    refused = client.post(url, data)

    assert refused.status_code == 409
    assert 'name="book_in_open_period"' in refused.content.decode()
    assert ShippingNotice.objects.get(pk=shipped.pk).status == "shipped"

    booked = client.post(url, {**data, "book_in_open_period": "on"})

    assert booked.status_code == 302
    page = client.get(f"/shipping-notices/{shipped.pk}/").content.decode()
    assert original.isoformat() in page
    assert f"booked on {month_start(0).isoformat()} (late document)" in page

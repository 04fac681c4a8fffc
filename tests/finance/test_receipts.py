"""Receipts and allocations (issue 12 item 3, R16, R3, DESIGN §4): recorded by finance with
their method, allocated at once, later or oldest due first, never beyond the receipt
(`over_allocation`) nor beyond what a contract has left to collect (`over_collection`), the rest
on account as an advance; the ledger's `collected`, the customer's exposure and the journal move
with every allocation, and a reversal restores them all."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from contracts.models import ContractLedger
from core.errors import InvalidInput, NotVisible, PermissionRefused, RuleViolation
from core.models import ClosedPeriod
from finance.models import Allocation, JournalEntry, JournalLine, Receipt
from finance.services import receipt_allocate, receipt_create, receipt_reverse
from sales.models import Customer
from tests.factories import CustomerFactory
from tests.finance.conftest import deliver

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
GROSS = Decimal("368490.00")  # the contract fixture's gross
LATHE = Decimal("180800.00")  # one lathe delivered, gross


def _receipt(actor, buyer, amount="1000.00", allocations=(), **extra):
    data = {
        "actor": actor,
        "customer_id": buyer.pk,
        "amount": Decimal(amount),
        "method": "bank_transfer",
        "received_on": TODAY(),
        "allocations": None if allocations is None else list(allocations),
    }
    data.update(extra)
    return receipt_create(**data)


def _balance(account, **where) -> Decimal:
    sums = JournalLine.objects.filter(account__code=account, **where).aggregate(
        d=Sum("debit"), c=Sum("credit")
    )
    return (sums["d"] or 0) - (sums["c"] or 0)


def _journal_balances() -> bool:
    sums = JournalLine.objects.aggregate(d=Sum("debit"), c=Sum("credit"))
    return sums["d"] == sums["c"]


def _net_receivable(of) -> Decimal:
    """What the journal says the contract still owes: its receivable less its advance."""
    return _balance("1122", contract=of) + _balance("2203", contract=of)


@pytest.mark.rule("R16")
def test_a_receipt_allocated_at_once_moves_ledger_exposure_and_journal(
    finance,
    contract,
    customer,
):
    exposure = Customer.objects.get(pk=customer.pk).exposure

    receipt = _receipt(
        finance, customer, "150000.00", [{"contract": contract.pk, "amount": "100000.00"}]
    )

    assert receipt.number.startswith(f"SK-{TODAY().year}-")
    assert (receipt.status, receipt.allocated, receipt.unallocated) == (
        "posted",
        Decimal("100000.00"),
        Decimal("50000.00"),
    )
    assert ContractLedger.objects.get(contract=contract).collected == Decimal("100000.00")
    assert Customer.objects.get(pk=customer.pk).exposure == exposure - Decimal("100000.00")
    # the money is in the bank; nothing delivered yet, so all of it is an advance — 100,000 of
    # it now the contract's, 50,000 still the customer's on account
    assert _balance("1002") == Decimal("150000.00")
    assert _balance("2203", contract=contract) == Decimal("-100000.00")
    assert _balance("2203", contract=None) == Decimal("-50000.00")
    assert _journal_balances()


@pytest.mark.rule("R16")
def test_an_allocation_after_delivery_settles_the_receivable(
    finance,
    clerk,
    manager,
    keeper,
    guard,
    warehouse,
    contract,
    lathe_line,
    customer,
):
    deliver(
        contract=contract,
        line=lathe_line,
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
        warehouse=warehouse,
    )

    _receipt(finance, customer, "200000.00", [{"contract": contract.pk, "amount": "200000.00"}])

    # 180,800 pays the delivered lathe; 19,200 waits as the contract's advance
    assert _balance("1122", contract=contract) == Decimal("0.00")
    assert _balance("2203", contract=contract) == Decimal("-19200.00")
    assert _net_receivable(contract) == LATHE - Decimal("200000.00")
    assert _journal_balances()


@pytest.mark.rule("R16")
def test_the_contracts_advance_is_applied_at_the_signed_delivery(
    finance,
    clerk,
    manager,
    keeper,
    guard,
    warehouse,
    contract,
    lathe_line,
    customer,
):
    _receipt(finance, customer, "100000.00", [{"contract": contract.pk, "amount": "100000.00"}])

    notice = deliver(
        contract=contract,
        line=lathe_line,
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
        warehouse=warehouse,
    )

    applied = (
        JournalEntry.objects.filter(source_type="shipping_notice", source_id=notice.pk)
        .exclude(lines__account__code="6001")
        .get()
    )
    assert {(line.account.code, line.debit, line.credit) for line in applied.lines.all()} == {
        ("2203", Decimal("100000.00"), Decimal("0.00")),
        ("1122", Decimal("0.00"), Decimal("100000.00")),
    }
    assert _balance("1122", contract=contract) == LATHE - Decimal("100000.00")
    assert _balance("2203", contract=contract) == Decimal("0.00")
    ledger = ContractLedger.objects.get(contract=contract)
    assert _net_receivable(contract) == ledger.delivered - ledger.collected
    assert _journal_balances()


@pytest.mark.rule("R16")
def test_without_a_choice_money_goes_to_the_oldest_due_first_and_the_rest_stays_on_account(
    finance,
    clerk,
    manager,
    keeper,
    guard,
    warehouse,
    contract,
    second_contract,
    customer,
):
    newer_line = second_contract.lines.get(product__code="P-1001")
    older_line = contract.lines.get(product__code="P-1001")
    deliver(
        contract=second_contract,
        line=newer_line,
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
        warehouse=warehouse,
        days_ago=3,
    )
    deliver(
        contract=contract,
        line=older_line,
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
        warehouse=warehouse,
        days_ago=10,
    )

    receipt = _receipt(finance, customer, "200000.00", allocations=None)

    made = {a.contract_id: a.amount for a in receipt.allocations.all()}
    assert made == {contract.pk: LATHE, second_contract.pk: Decimal("19200.00")}
    assert receipt.unallocated == Decimal("0.00")

    more = _receipt(finance, customer, "500000.00", allocations=None)
    # what is delivered and unpaid is covered; the rest is not guessed at: it stays on account
    assert {a.contract_id: a.amount for a in more.allocations.all()} == {
        second_contract.pk: LATHE - Decimal("19200.00")
    }
    assert more.unallocated == Decimal("500000.00") - (LATHE - Decimal("19200.00"))


@pytest.mark.rule("R16")
def test_the_exact_remainder_is_allowed_and_one_cent_more_is_over_collection(
    finance,
    contract,
    customer,
):
    _receipt(finance, customer, "300000.00", [{"contract": contract.pk, "amount": "300000.00"}])
    remainder = GROSS - Decimal("300000.00")
    before = (Receipt.objects.count(), JournalEntry.objects.count())

    with pytest.raises(RuleViolation) as refused:
        _receipt(
            finance,
            customer,
            "100000.00",
            [{"contract": contract.pk, "amount": str(remainder + Decimal("0.01"))}],
        )

    assert refused.value.code == "over_collection"
    assert "allocations.0.amount" in refused.value.errors
    assert (Receipt.objects.count(), JournalEntry.objects.count()) == before
    assert ContractLedger.objects.get(contract=contract).collected == Decimal("300000.00")

    _receipt(finance, customer, "100000.00", [{"contract": contract.pk, "amount": str(remainder)}])
    assert ContractLedger.objects.get(contract=contract).collected == GROSS


@pytest.mark.rule("R16")
def test_allocations_beyond_the_receipt_are_over_allocation_at_create_and_later(
    finance,
    contract,
    second_contract,
    customer,
):
    with pytest.raises(RuleViolation) as refused:
        _receipt(
            finance,
            customer,
            "1000.00",
            [
                {"contract": contract.pk, "amount": "600.00"},
                {"contract": second_contract.pk, "amount": "400.01"},
            ],
        )
    assert refused.value.code == "over_allocation"
    assert not Receipt.objects.exists() and not JournalEntry.objects.exists()

    receipt = _receipt(
        finance, customer, "1000.00", [{"contract": contract.pk, "amount": "600.00"}]
    )
    with pytest.raises(RuleViolation) as later:
        receipt_allocate(
            actor=finance,
            receipt_id=receipt.pk,
            allocations=[{"contract": second_contract.pk, "amount": "400.01"}],
        )
    assert later.value.code == "over_allocation"

    receipt = receipt_allocate(
        actor=finance,
        receipt_id=receipt.pk,
        allocations=[{"contract": second_contract.pk, "amount": "400.00"}],
    )
    assert receipt.unallocated == Decimal("0.00")
    assert ContractLedger.objects.get(contract=second_contract).collected == Decimal("400.00")
    later_one = Allocation.objects.get(contract=second_contract)
    assert later_one.allocated_on == TODAY()


@pytest.mark.rule("R16")
@pytest.mark.rule("R24")
def test_a_reversal_restores_ledger_exposure_and_journal_and_counts_nowhere(
    finance,
    clerk,
    manager,
    keeper,
    guard,
    warehouse,
    contract,
    lathe_line,
    customer,
):
    deliver(
        contract=contract,
        line=lathe_line,
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
        warehouse=warehouse,
    )
    exposure = Customer.objects.get(pk=customer.pk).exposure
    ledger = ContractLedger.objects.get(contract=contract)
    receipt = _receipt(
        finance, customer, "250000.00", [{"contract": contract.pk, "amount": "200000.00"}]
    )

    with pytest.raises(InvalidInput) as no_reason:
        receipt_reverse(actor=finance, receipt_id=receipt.pk, reason="  ")
    assert "reason" in no_reason.value.errors

    reversed_ = receipt_reverse(actor=finance, receipt_id=receipt.pk, reason="录错客户")

    assert (reversed_.status, reversed_.unallocated, reversed_.reversal_reason) == (
        "reversed",
        Decimal("0.00"),
        "录错客户",
    )
    after = ContractLedger.objects.get(contract=contract)
    assert (after.collected, after.overdue) == (ledger.collected, ledger.overdue)
    assert Customer.objects.get(pk=customer.pk).exposure == exposure
    assert _balance("1002") == Decimal("0.00")
    assert _balance("2203") == Decimal("0.00")
    assert _balance("1122", contract=contract) == LATHE
    assert Allocation.objects.filter(reversed=False).count() == 0
    reversals = JournalEntry.objects.filter(reverses__isnull=False)
    assert [(e.reverses.source_type, e.reverses.source_id) for e in reversals] == [
        ("receipt", receipt.pk)
    ]
    assert "录错客户" in reversals.get().memo
    assert _journal_balances()

    with pytest.raises(RuleViolation) as twice:
        receipt_reverse(actor=finance, receipt_id=receipt.pk, reason="again")
    assert twice.value.code == "invalid_transition"
    with pytest.raises(RuleViolation):
        receipt_allocate(actor=finance, receipt_id=receipt.pk, allocations=None)


@pytest.mark.rule("R16")
def test_an_acceptance_bill_needs_its_number_bank_and_maturity(finance, customer):
    with pytest.raises(InvalidInput) as refused:
        _receipt(finance, customer, "1000.00", method="acceptance_bill")
    assert set(refused.value.errors) == {"bill_number", "bill_bank", "bill_maturity"}
    assert not Receipt.objects.exists()

    bill = _receipt(
        finance,
        customer,
        "1000.00",
        method="acceptance_bill",
        bill_number="31300051 20261201 12345678",
        bill_bank="中国工商银行苏州分行",
        bill_maturity="2027-06-01",
    )
    assert (bill.bill_bank, bill.bill_maturity) == (
        "中国工商银行苏州分行",
        datetime.date(2027, 6, 1),
    )


@pytest.mark.rule("R16")
@pytest.mark.rule("R25")
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": Decimal("0")}, "amount"),
        ({"amount": Decimal("-5")}, "amount"),
        ({"amount": Decimal("1.001")}, "amount"),
        ({"method": "bitcoin"}, "method"),
        ({"received_on": TODAY() + datetime.timedelta(days=1)}, "received_on"),
        ({"received_on": "2026-13-01"}, "received_on"),
        ({"allocations": [{"contract": "x", "amount": "1"}]}, "allocations.0.contract"),
        ({"allocations": [{"contract": 1, "amount": "0"}]}, "allocations.0.amount"),
        (
            {"allocations": [{"contract": 1, "amount": "1", "colour": "red"}]},
            "allocations.0.colour",
        ),
        ({"reference": "x" * 61}, "reference"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(finance, customer, change, field):
    with pytest.raises(InvalidInput) as refused:
        _receipt(finance, customer, **{"amount": "1000.00", **change})
    assert field in refused.value.errors
    assert not Receipt.objects.exists() and not JournalEntry.objects.exists()


@pytest.mark.rule("R16")
def test_a_contract_of_another_customer_or_not_active_is_refused(
    finance,
    clerk,
    contract,
    customer,
):
    other = CustomerFactory(owner=clerk)
    with pytest.raises(InvalidInput) as refused:
        _receipt(finance, other, "1000.00", [{"contract": contract.pk, "amount": "10.00"}])
    assert "allocations.0.contract" in refused.value.errors
    assert not Receipt.objects.exists()


@pytest.mark.rule("R16")
def test_only_finance_records_receipts(clerk, customer):
    with pytest.raises(PermissionRefused):
        _receipt(clerk, customer, "1000.00")
    assert not Receipt.objects.exists()


@pytest.mark.rule("R16")
def test_a_receipt_dated_in_a_closed_month_is_period_closed(finance, customer):
    last_month = TODAY().replace(day=1) - datetime.timedelta(days=1)
    ClosedPeriod.objects.create(period=last_month.strftime("%Y-%m"))

    with pytest.raises(RuleViolation) as refused:
        _receipt(finance, customer, "1000.00", received_on=last_month)

    assert refused.value.code == "period_closed"
    assert "received_on" in refused.value.errors
    assert not Receipt.objects.exists() and not JournalEntry.objects.exists()


def test_an_unknown_receipt_is_not_visible(finance):
    with pytest.raises(NotVisible):
        receipt_allocate(actor=finance, receipt_id=999999, allocations=None)


# --- REST (API.md "Cash") -----------------------------------------------------------------------


@pytest.mark.rule("R16")
def test_the_api_records_allocates_and_reverses(api, finance, contract, customer):
    api.force_authenticate(finance)
    created = api.post(
        "/api/v1/receipts/",
        {
            "customer": customer.pk,
            "amount": "50000.00",
            "method": "cheque",
            "received_on": TODAY().isoformat(),
            "allocations": [],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["unallocated_amount"]) == ("posted", "50000.00")

    over = api.post(
        f"/api/v1/receipts/{body['id']}/allocate/",
        {"allocations": [{"contract": contract.pk, "amount": "50000.01"}]},
        format="json",
    )
    assert over.status_code == 409 and over.json()["code"] == "over_allocation"

    done = api.post(
        f"/api/v1/receipts/{body['id']}/allocate/",
        {"allocations": [{"contract": contract.pk, "amount": "30000.00"}]},
        format="json",
    )
    assert done.status_code == 200
    assert done.json()["unallocated_amount"] == "20000.00"
    assert done.json()["allocations"][0]["contract_number"] == contract.number

    bad = api.post(f"/api/v1/receipts/{body['id']}/reverse/", {}, format="json")
    assert bad.status_code == 400 and "reason" in str(bad.json())

    gone = api.post(
        f"/api/v1/receipts/{body['id']}/reverse/", {"reason": "重复录入"}, format="json"
    )
    assert gone.status_code == 200 and gone.json()["status"] == "reversed"
    assert ContractLedger.objects.get(contract=contract).collected == Decimal("0.00")

    listed = api.get("/api/v1/receipts/", {"customer": customer.pk})
    assert listed.status_code == 200 and listed.json()["count"] == 1


def test_the_api_refuses_bad_input_by_field(api, finance, customer):
    api.force_authenticate(finance)
    answer = api.post(
        "/api/v1/receipts/",
        {"customer": customer.pk, "amount": "-1", "method": "gold", "received_on": "soon"},
        format="json",
    )
    assert answer.status_code == 400
    text = str(answer.json())
    assert "amount" in text and "method" in text and "received_on" in text
    assert not Receipt.objects.exists()


def test_a_clerk_sees_only_their_customers_receipts(api, finance, clerk, make_user, customer):
    _receipt(finance, customer, "1000.00")
    stranger = make_user("sales_clerk", username="clerk.other")
    api.force_authenticate(stranger)
    assert api.get("/api/v1/receipts/").json()["count"] == 0
    api.force_authenticate(clerk)
    assert api.get("/api/v1/receipts/").json()["count"] == 1


@pytest.mark.rule("R24")
def test_a_receipt_is_never_edited_or_deleted_through_the_api_or_the_admin(
    api, client, make_user, finance, contract, customer
):
    receipt = _receipt(finance, customer, "1000.00", [{"contract": contract.pk, "amount": "10.00"}])
    url = f"/api/v1/receipts/{receipt.pk}/"
    for answer in (
        api.as_user(finance).patch(url, {"amount": "1.00"}, format="json"),
        api.as_user(finance).put(url, {"amount": "1.00"}, format="json"),
        api.as_user(finance).delete(url),
    ):
        assert answer.status_code == 405
    client.force_login(make_user("general_manager", is_staff=True, is_superuser=True))
    page = client.get(f"/admin/finance/receipt/{receipt.pk}/change/")
    deleted = client.post(f"/admin/finance/receipt/{receipt.pk}/delete/", {"post": "yes"})
    assert page.status_code == 200 and 'name="amount"' not in page.content.decode()
    assert deleted.status_code == 403
    kept = Receipt.objects.get(pk=receipt.pk)
    assert (kept.amount, kept.allocated, kept.status) == (
        Decimal("1000.00"),
        Decimal("10.00"),
        "posted",
    )

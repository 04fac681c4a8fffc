"""The cash half as a state machine (issue 12 "Done when", R3, R14, R16, R24, DESIGN §4):
hypothesis drives random sequences of signed deliveries, receipts (allocated at once, oldest
due first or left on account), later allocations and reversals — refusals included — and after
every step checks that the journal balances, that each contract's ledger equals its journal
counterpart, that the exposure is R3's definition, and that nothing is allocated beyond a
contract's gross."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from contracts.models import ContractDue, ContractLedger
from core.errors import RuleViolation
from finance.models import Allocation, JournalEntry, JournalLine, Receipt
from finance.services import receipt_allocate, receipt_create, receipt_reverse
from sales.models import Customer
from tests.finance.conftest import deliver, r3_exposure
from tests.inventory.conftest import put_stock

pytestmark = pytest.mark.django_db
ZERO = Decimal("0.00")
CENTS = st.integers(min_value=1, max_value=40_000_000).map(lambda c: Decimal(c) / 100)


def _sum(qs, field) -> Decimal:
    return qs.aggregate(s=Sum(field))["s"] or ZERO


def _balance(account, contract) -> Decimal:
    lines = JournalLine.objects.filter(account__code=account, contract=contract)
    return _sum(lines, "debit") - _sum(lines, "credit")


def _snapshot():
    return (
        Receipt.objects.count(),
        Allocation.objects.count(),
        JournalEntry.objects.count(),
        tuple(ContractLedger.objects.order_by("pk").values_list("collected", flat=True)),
        Customer.objects.values_list("exposure", flat=True).get(),
    )


@pytest.mark.rule("R3")
@pytest.mark.rule("R16")
@pytest.mark.rule("R24")
def test_random_cash_sequences_keep_the_books_and_the_ledger_together(
    finance, clerk, manager, keeper, guard, warehouse, contract, second_contract, customer
):
    contracts = [contract, second_contract]
    for c in contracts:
        line = c.lines.get(product__code="P-1001")
        put_stock(actor=keeper, product=line.product, warehouse=warehouse, quantity="2")
    chain = {
        "clerk": clerk,
        "manager": manager,
        "keeper": keeper,
        "guard": guard,
        "warehouse": warehouse,
    }

    class Cash(RuleBasedStateMachine):
        """Each example starts from the same books: its steps run in a savepoint rolled back
        at its end, so hypothesis can replay and shrink a failing sequence."""

        def __init__(self):
            super().__init__()
            self.savepoint = transaction.savepoint()

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)

        @rule(which=st.sampled_from([0, 1]), days_ago=st.integers(min_value=0, max_value=120))
        def deliver_a_lathe(self, which, days_ago):
            target = contracts[which]
            line = target.lines.get(product__code="P-1001")
            if ContractDue.objects.filter(contract=target).count() >= 2:
                return  # both lathes of the contract delivered
            try:
                deliver(contract=target, line=line, days_ago=days_ago, **chain)
            except RuleViolation as refused:
                # an earlier delivery past its due date and unpaid: no new notice (R12)
                assert refused.code == "customer_overdue"

        @rule(
            amount=CENTS,
            split=st.lists(st.tuples(st.sampled_from([0, 1]), CENTS), max_size=2),
            mode=st.sampled_from(["given", "oldest", "on_account"]),
        )
        def receive(self, amount, split, mode):
            allocations = {
                "given": [
                    {"contract": contracts[i].pk, "amount": a} for i, a in dict(split).items()
                ],
                "oldest": None,
                "on_account": [],
            }[mode]
            before = _snapshot()
            try:
                receipt_create(
                    actor=finance,
                    customer_id=customer.pk,
                    amount=amount,
                    method="bank_transfer",
                    received_on=timezone.localdate(),
                    allocations=allocations,
                )
            except RuleViolation as refused:
                assert refused.code in {"over_collection", "over_allocation"}
                assert _snapshot() == before  # a refused rule changes nothing (R25)

        @precondition(lambda self: Receipt.objects.filter(status="posted").exists())
        @rule(data=st.data(), which=st.sampled_from([0, 1]), amount=CENTS)
        def allocate_later(self, data, which, amount):
            receipt = data.draw(st.sampled_from(list(Receipt.objects.filter(status="posted"))))
            before = _snapshot()
            try:
                receipt_allocate(
                    actor=finance,
                    receipt_id=receipt.pk,
                    allocations=[{"contract": contracts[which].pk, "amount": amount}],
                )
            except RuleViolation as refused:
                assert refused.code in {"over_collection", "over_allocation"}
                assert _snapshot() == before

        @precondition(lambda self: Receipt.objects.filter(status="posted").exists())
        @rule(data=st.data())
        def reverse(self, data):
            receipt = data.draw(st.sampled_from(list(Receipt.objects.filter(status="posted"))))
            receipt_reverse(actor=finance, receipt_id=receipt.pk, reason="录入错误")

        @invariant()
        def the_journal_balances(self):
            lines = JournalLine.objects.all()
            assert _sum(lines, "debit") == _sum(lines, "credit")

        @invariant()
        def each_ledger_equals_its_journal_and_documents(self):
            for c in contracts:
                ledger = ContractLedger.objects.get(contract=c)
                live = Allocation.objects.filter(contract=c, reversed=False)
                assert ledger.collected == _sum(live, "amount")
                assert ledger.delivered == _sum(ContractDue.objects.filter(contract=c), "amount")
                assert -(_balance("6001", c) + _balance("222102", c)) == ledger.delivered
                # what the journal says the contract owes: receivable less its advance
                owed = _balance("1122", c) + _balance("2203", c)
                assert owed == ledger.delivered + ledger.interest - ledger.collected
                assert ZERO <= ledger.collected <= c.gross_amount

        @invariant()
        def the_exposure_is_r3s(self):
            kept = Customer.objects.values_list("exposure", flat=True).get(pk=customer.pk)
            assert kept == r3_exposure(customer.pk)

        @invariant()
        def receipts_hold_their_allocations(self):
            for receipt in Receipt.objects.all():
                live = _sum(receipt.allocations.filter(reversed=False), "amount")
                expected = ZERO if receipt.status == "reversed" else live
                assert receipt.allocated == expected <= receipt.amount

    Cash.TestCase.settings = settings(
        max_examples=8,
        stateful_step_count=8,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    Cash.TestCase().runTest()

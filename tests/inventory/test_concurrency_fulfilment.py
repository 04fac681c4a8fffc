"""Fulfilment under concurrency, on real PostgreSQL (R12, R13; issue 6 "Done when").

Each race runs two service calls in two threads, each with its own database connection and
transaction, released together by a barrier. So that the calls really overlap whatever the
scheduling, a thread whose call has returned keeps its transaction open (not yet committed)
until the other thread has returned too or is waiting for a lock in PostgreSQL (`pg_locks`):
the loser must then read what the winner wrote only after the winner commits — through the
service's row lock. The tests assert who won and what the database holds, and that the loser
did wait for the winner's lock; nothing depends on timing. Where the outcome depends on who
locks first (the expiry job against an issue), the race is run in each order in turn
(`in_order=True`: the second call starts once the first has returned, uncommitted).

The services' own transactions are durable (`transaction.atomic(durable=True)`): nothing may
nest them. The thread's transaction that holds the commit back is marked as Django's TestCase
marks its own (`_held_transaction`), so a service runs inside it as it runs inside a test, and
the commit the race holds back is the one the service would make.
"""

import datetime
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from approvals.models import ApprovalRequest, RequestStatus
from contracts.models import ContractLedger
from core.errors import DomainError, RuleViolation
from inventory import services
from inventory.models import ShippingNotice, StockLevel, StockMove, StockMoveKind
from tests.inventory.conftest import approved_notice, put_stock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TIMEOUT = 30.0  # seconds a thread waits for the other before the race is declared broken


def _held_transaction():
    """The thread's transaction, which a durable service may run inside: Django allows that
    only for a TestCase's own atomic block, so this one is marked like it."""
    block = transaction.atomic()
    block._from_testcase = True
    return block


class Race:
    """Run `calls` at once, one thread and transaction each (see the module's docstring).

    After `run()`: `outcomes[i]` is ("ok", result) or ("refused", code), the domain error
    itself in `refusals[i]`; `waited` holds the indexes of the calls another thread saw
    waiting for a lock while it held its transaction open; `errors` lists anything unexpected
    (a broken race, an exception that is not a domain error).

    `in_order=True` fixes who goes first: call i starts once call i−1 has returned (its
    transaction still open), so call i runs into call i−1's locks."""

    def __init__(self, *calls, in_order: bool = False):
        self.calls = calls
        self.in_order = in_order
        self._returned = [threading.Event() for _ in calls]
        self.outcomes: list[tuple[str, object] | None] = [None] * len(calls)
        self.refusals: dict[int, DomainError] = {}
        self.waited: set[int] = set()
        self.errors: list[str] = []
        self._pids: list[int | None] = [None] * len(calls)
        self._done: set[int] = set()
        self._guard = threading.Lock()
        self._start = threading.Barrier(len(calls))

    def run(self) -> "Race":
        threads = [
            threading.Thread(target=self._thread, args=(index,)) for index in range(len(self.calls))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT * 2)
        assert not any(thread.is_alive() for thread in threads), "a racing thread hangs"
        assert self.errors == []
        return self

    def _others_settled(self, index: int) -> bool:
        """Every other call has returned, or is waiting for a lock (held by this thread)."""
        with self._guard:
            pending = [
                pid
                for other, pid in enumerate(self._pids)
                if other != index and other not in self._done
            ]
        if not pending:
            return True
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT pid FROM pg_locks WHERE NOT granted AND pid = ANY(%s)", [pending]
            )
            waiting = {row[0] for row in cursor.fetchall()}
        if waiting != set(pending):
            return False
        with self._guard:
            self.waited.update(self._pids.index(pid) for pid in waiting)
        return True

    def _thread(self, index: int) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self._pids[index] = cursor.fetchone()[0]
            self._start.wait(TIMEOUT)
            try:
                with _held_transaction():
                    if self.in_order and index > 0:
                        assert self._returned[index - 1].wait(TIMEOUT), "the call before hangs"
                    result = self.calls[index]()
                    with self._guard:
                        self._done.add(index)
                    self._returned[index].set()
                    deadline = time.monotonic() + TIMEOUT
                    while not self._others_settled(index):
                        if time.monotonic() > deadline:
                            raise TimeoutError("the other call neither returned nor waited")
                        time.sleep(0.005)  # polling, not an assertion
                self.outcomes[index] = ("ok", result)
            except DomainError as error:
                self.refusals[index] = error
                self.outcomes[index] = ("refused", error.code)
        except Exception as error:  # reported by run(), not lost in a thread
            self.errors.append(f"call {index}: {type(error).__name__}: {error}")
        finally:
            with self._guard:
                self._done.add(index)
            self._returned[index].set()
            connection.close()

    def winner_and_loser(self) -> tuple[int, int]:
        kinds = [outcome[0] if outcome else None for outcome in self.outcomes]
        assert sorted(kinds) == ["ok", "refused"], self.outcomes
        winner = kinds.index("ok")
        return winner, 1 - winner


def level(product, warehouse) -> StockLevel:
    return StockLevel.objects.get(product=product, warehouse=warehouse)


def approved_open_quantity(product, warehouse) -> Decimal:
    """What the approved, not yet issued notices of the warehouse hold (R12 reservation)."""
    return sum(
        (
            line.quantity
            for notice in ShippingNotice.objects.filter(warehouse=warehouse, status="approved")
            for line in notice.lines.filter(product=product)
        ),
        Decimal("0"),
    )


@pytest.fixture
def keeper2(make_user):
    """A second warehouse keeper (role `warehouse`)."""
    return make_user("warehouse", username="wh.jiang")


@pytest.mark.rule("R13")
def test_r13_two_keepers_issuing_two_notices_against_the_last_unit_one_is_refused(
    clerk, manager, contract, lathe_line, warehouse, keeper, keeper2
):
    """R13: one unit on hand, two approved notices for one unit each, issued at once by two
    keepers: the notice approved first goes out whichever keeper is quicker (reservations are
    served in approval order), the other is refused `insufficient_stock` and stays approved;
    stock never below zero, one issue move, one gate pass, the ledger's `shipped` moved once."""
    product = lathe_line.product
    put_stock(actor=keeper, product=product, warehouse=warehouse, quantity="1")
    line = [{"contract_line": lathe_line.pk, "quantity": "1"}]
    notices = [
        approved_notice(
            clerk=clerk, manager=manager, contract=contract, warehouse=warehouse, lines=line
        )
        for _ in range(2)
    ]
    assert level(product, warehouse).reserved == Decimal("2.000")

    race = Race(
        lambda: services.shipping_notice_issue(actor=keeper, notice_id=notices[0].pk),
        lambda: services.shipping_notice_issue(actor=keeper2, notice_id=notices[1].pk),
    ).run()

    winner, loser = race.winner_and_loser()
    assert (winner, loser) == (0, 1)
    assert race.outcomes[loser] == ("refused", "insufficient_stock")
    assert isinstance(race.refusals[loser], RuleViolation)
    # The loser either waited for the winner's stock lock or was refused at once because the
    # earlier notice's reservation comes first: both orders end the same way.
    assert race.waited <= {loser}
    issued = ShippingNotice.objects.get(pk=notices[winner].pk)
    refused = ShippingNotice.objects.get(pk=notices[loser].pk)
    assert (issued.status, refused.status) == ("issued", "approved")
    assert issued.gate_pass_no.startswith("CM-")
    assert refused.gate_pass_no is None
    assert ShippingNotice.objects.exclude(gate_pass_no=None).count() == 1
    stock = level(product, warehouse)
    assert stock.on_hand == Decimal("0.000")
    # The refused notice keeps its reservation: reserved = what approved notices still hold.
    assert stock.reserved == approved_open_quantity(product, warehouse) == Decimal("1.000")
    issues = StockMove.objects.filter(kind=StockMoveKind.ISSUE)
    assert list(issues.values_list("reference", "quantity")) == [(issued.number, Decimal("-1.000"))]
    assert ContractLedger.objects.get(contract=contract).shipped == issued.gross_amount
    assert issued.gross_amount == Decimal("180800.00")


@pytest.mark.rule("R12", "R23")
def test_r12_two_submits_racing_for_the_last_contract_quantity_one_is_refused(
    clerk, contract, lathe_line, warehouse
):
    """R12: the lathe line is 2; a submitted notice already holds 1. Two drafts for the last
    one are submitted at once (two sessions of the customer's clerk — R23: another clerk does
    not see the contract): one is submitted, the other refused `over_shipment` naming
    `lines.0.quantity`, and it is still a draft with its line, without an approval request."""
    services.shipping_notice_submit(
        actor=clerk,
        notice_id=services.shipping_notice_create(
            actor=clerk,
            data={
                "contract": contract.pk,
                "warehouse": warehouse.pk,
                "lines": [{"contract_line": lathe_line.pk, "quantity": "1"}],
            },
        ).pk,
    )
    drafts = [
        services.shipping_notice_create(
            actor=clerk,
            data={
                "contract": contract.pk,
                "warehouse": warehouse.pk,
                "lines": [{"contract_line": lathe_line.pk, "quantity": "1"}],
            },
        )
        for _ in range(2)
    ]

    race = Race(
        lambda: services.shipping_notice_submit(actor=clerk, notice_id=drafts[0].pk),
        lambda: services.shipping_notice_submit(actor=clerk, notice_id=drafts[1].pk),
    ).run()

    winner, loser = race.winner_and_loser()
    assert race.outcomes[loser] == ("refused", "over_shipment")
    assert race.waited == {loser}, "the loser did not wait for the winner's contract lock"
    assert isinstance(race.refusals[loser], RuleViolation)
    assert set(race.refusals[loser].errors) == {"lines.0.quantity"}
    submitted = ShippingNotice.objects.get(pk=drafts[winner].pk)
    refused = ShippingNotice.objects.get(pk=drafts[loser].pk)
    assert (submitted.status, refused.status) == ("submitted", "draft")
    assert list(refused.lines.values_list("contract_line", "quantity")) == [
        (lathe_line.pk, Decimal("1.000"))
    ]
    assert refused.submitted_at is None
    pending = ApprovalRequest.objects.filter(
        document_type="shipping_notice", status=RequestStatus.PENDING
    )
    assert refused.pk not in set(pending.values_list("document_id", flat=True))
    assert pending.filter(document_id=submitted.pk).count() == 1
    assert (
        sum(
            line.quantity
            for line in lathe_line.shipping_lines.filter(
                notice__status__in=["submitted", "approved"]
            )
        )
        == lathe_line.quantity
    )


@pytest.mark.rule("R13")
def test_r13_two_keepers_issuing_the_same_notice_at_once_it_leaves_stock_once(
    clerk, manager, contract, lathe_line, warehouse, keeper, keeper2
):
    """R13: the same approved notice issued by two keepers at once: one issues it, the other
    is refused `invalid_transition`; stock, gate pass and ledger moved once."""
    product = lathe_line.product
    put_stock(actor=keeper, product=product, warehouse=warehouse, quantity="5")
    notice = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=[{"contract_line": lathe_line.pk, "quantity": "2"}],
    )

    race = Race(
        lambda: services.shipping_notice_issue(actor=keeper, notice_id=notice.pk),
        lambda: services.shipping_notice_issue(actor=keeper2, notice_id=notice.pk),
    ).run()

    winner, loser = race.winner_and_loser()
    assert race.outcomes[loser] == ("refused", "invalid_transition")
    assert isinstance(race.refusals[loser], RuleViolation)
    assert race.waited == {loser}, "the loser did not wait for the winner's notice lock"
    notice.refresh_from_db()
    assert notice.status == "issued"
    assert notice.issued_by == (keeper, keeper2)[winner]
    assert race.outcomes[winner][1].gate_pass_no == notice.gate_pass_no
    stock = level(product, warehouse)
    assert (stock.on_hand, stock.reserved) == (Decimal("3.000"), Decimal("0.000"))
    assert StockMove.objects.filter(kind=StockMoveKind.ISSUE).count() == 1
    assert ContractLedger.objects.get(contract=contract).shipped == notice.gross_amount
    assert notice.gross_amount == Decimal("361600.00")


@pytest.mark.rule("R12", "R13")
@pytest.mark.parametrize("first", ["issue", "expiry"])
def test_r12_r13_the_expiry_job_and_a_keeper_on_the_same_notice_release_it_once(
    first, clerk, manager, contract, lathe_line, warehouse, keeper
):
    """R12/R13: the nightly expiry (as of tomorrow) and a keeper's issue (today, its last
    valid day) on the same approved notice at once, each order in turn: the one that locks
    the notice first wins — issued (the job then leaves it alone) or expired (the issue is
    then refused `invalid_transition`); the reservation is released exactly once and the
    stock moves at most once."""
    product = lathe_line.product
    put_stock(actor=keeper, product=product, warehouse=warehouse, quantity="5")
    today = timezone.localdate()
    notice = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=[{"contract_line": lathe_line.pk, "quantity": "2"}],
        valid_until=today.isoformat(),
    )
    assert level(product, warehouse).reserved == Decimal("2.000")
    calls = {
        "issue": lambda: services.shipping_notice_issue(actor=keeper, notice_id=notice.pk),
        "expiry": lambda: services.shipping_notices_expire(
            as_of=today + datetime.timedelta(days=1)
        ),
    }
    second = "expiry" if first == "issue" else "issue"

    race = Race(calls[first], calls[second], in_order=True).run()

    assert race.waited == {1}, "the second did not wait for the first's notice lock"
    outcome = dict(zip((first, second), race.outcomes, strict=True))
    notice.refresh_from_db()
    stock = level(product, warehouse)
    if first == "issue":
        assert outcome["issue"][0] == "ok"
        assert outcome["expiry"] == ("ok", {"expired": 0, "failed": 0})
        assert notice.status == "issued"
        assert stock.on_hand == Decimal("3.000")
        assert StockMove.objects.filter(kind=StockMoveKind.ISSUE).count() == 1
    else:
        assert outcome["issue"] == ("refused", "invalid_transition")
        assert outcome["expiry"] == ("ok", {"expired": 1, "failed": 0})
        assert notice.status == "expired"
        assert stock.on_hand == Decimal("5.000")
        assert not StockMove.objects.filter(kind=StockMoveKind.ISSUE).exists()
    assert stock.reserved == approved_open_quantity(product, warehouse) == Decimal("0.000")

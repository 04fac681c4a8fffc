"""The contract ledger (合同台帐): counters that later events move (R13, R14, R16–R18, §4).

Inventory and finance call the `ledger_add_*` services inside their own event's transaction
(DESIGN §5): each adds to a figure with F() under the row's lock, so they are helpers of the
caller's transaction, never entry points. A figure never goes below zero (a database
constraint) nor beyond `core.money.MAX_AMOUNT` (refused here, naming the figure).
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from contracts.models import Contract, ContractDue, ContractLedger
from contracts.selectors import contract_due_figures
from core.errors import InvalidInput, NotVisible
from core.money import MAX_AMOUNT, within_bounds
from core.validation import beyond_bounds_message


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger updates run inside the event's transaction")


def _beyond_bounds(figure: str) -> InvalidInput:
    """R25: the refusal names the ledger figure that would leave what the database keeps."""
    return InvalidInput(errors={figure: [beyond_bounds_message(MAX_AMOUNT)]})


def _ledger_add(contract_id: int, **deltas: Decimal) -> ContractLedger:
    """Add to ledger figures with F() under the row's lock, in the caller's transaction. A
    negative amount is a reversal. An amount, or a figure it would bring, beyond MAX_AMOUNT is
    refused (InvalidInput naming the figure) and nothing is written: the UPDATE only matches
    while every figure has room for its amount."""
    _require_transaction()
    deltas = {field: Decimal(amount) for field, amount in deltas.items()}
    for field, amount in deltas.items():
        if not within_bounds(amount, maximum=MAX_AMOUNT):
            raise _beyond_bounds(field)
    room = {f"{field}__lte": MAX_AMOUNT - amount for field, amount in deltas.items() if amount > 0}
    updated = ContractLedger.objects.filter(contract_id=contract_id, **room).update(
        **{field: F(field) + amount for field, amount in deltas.items()},
        updated_at=timezone.now(),
    )
    if not updated:
        ledger = ContractLedger.objects.filter(contract_id=contract_id).first()
        if ledger is None:
            raise NotVisible()
        figure = next(f for f, a in deltas.items() if getattr(ledger, f) + a > MAX_AMOUNT)
        raise _beyond_bounds(figure)
    return ContractLedger.objects.get(contract_id=contract_id)


def ledger_add_shipped(*, contract_id: int, amount: Decimal) -> ContractLedger:
    """Goods issued at the warehouse (R13), gross."""
    return _ledger_add(contract_id, shipped=amount)


def ledger_add_delivered(
    *, contract_id: int, amount: Decimal, delivered_on: datetime.date, reference: str = ""
) -> ContractLedger:
    """Delivery confirmed by the customer's signature (R14): revenue. The amount falls due on
    the delivery date + the contract's credit days (R18), kept as a `ContractDue` row from
    which the overdue amount as of any date is read."""
    credit_days = Contract.objects.filter(pk=contract_id).values_list("credit_days", flat=True)
    _ledger_add(contract_id, delivered=amount)
    ContractDue.objects.create(
        contract_id=contract_id,
        delivered_on=delivered_on,
        due_on=delivered_on + datetime.timedelta(days=credit_days.get()),
        amount=amount,
        reference=reference,
    )
    return ledger_refresh_due(contract_id=contract_id)


def ledger_add_invoiced(*, contract_id: int, amount: Decimal) -> ContractLedger:
    """An invoice issued (R17); a red invoice adds a negative amount."""
    return _ledger_add(contract_id, invoiced=amount)


def ledger_add_collected(*, contract_id: int, amount: Decimal) -> ContractLedger:
    """A receipt allocated to the contract (R16); the overdue amount shrinks with it (as of
    today, from the collected figure just moved)."""
    ledger = _ledger_add(contract_id, collected=amount)
    due, overdue = contract_due_figures(contract_id=contract_id, collected=ledger.collected)
    ContractLedger.objects.filter(contract_id=contract_id).update(
        due=due, overdue=overdue, updated_at=timezone.now()
    )
    ledger.due, ledger.overdue = due, overdue
    return ledger


def ledger_add_interest_accrued(*, contract_id: int, amount: Decimal) -> ContractLedger:
    """Daily interest on the overdue amount (R18), not yet posted."""
    return _ledger_add(contract_id, interest_accrued=amount)


def ledger_post_interest(*, contract_id: int, amount: Decimal) -> ContractLedger:
    """Monthly posting (R18, R20): accrued interest becomes posted interest."""
    return _ledger_add(contract_id, interest=amount, interest_accrued=-Decimal(amount))


def ledger_set_due(*, contract_id: int, due: Decimal, overdue: Decimal) -> ContractLedger:
    """The due and overdue amounts as of a date (R18), set by the job that ages them."""
    _require_transaction()
    ContractLedger.objects.filter(contract_id=contract_id).update(
        due=due, overdue=overdue, updated_at=timezone.now()
    )
    return ContractLedger.objects.get(contract_id=contract_id)


def ledger_refresh_due(*, contract_id: int, as_of: datetime.date | None = None) -> ContractLedger:
    """Set the ledger's `due` and `overdue` as of `as_of` (default today) from the amounts due
    and the collected amount (R18). Run by the events that change them and by the daily aging
    task, so the kept figures are at most a day old; the R4, R12 and R15 checks read the
    overdue as of the request date from `contracts.selectors.customer_overdue`."""
    due, overdue = contract_due_figures(contract_id=contract_id, as_of=as_of)
    return ledger_set_due(contract_id=contract_id, due=due, overdue=overdue)


def ledgers_age(*, as_of: datetime.date) -> int:
    """The daily aging (R18), the task's entry point: refresh due and overdue of every contract
    with a delivery, one durable transaction per contract; idempotent. Returns how many
    ledgers were refreshed."""
    ids = list(ContractDue.objects.values_list("contract_id", flat=True).distinct())
    for contract_id in ids:
        with transaction.atomic(durable=True):
            ledger_refresh_due(contract_id=contract_id, as_of=as_of)
    return len(ids)

"""The contract ledger (合同台帐): counters that later events move (R13, R14, R16–R18, §4).

Inventory and finance call the `ledger_add_*` services inside their own event's transaction
(DESIGN §5): each adds to a figure with F() under the row's lock, so they are helpers of the
caller's transaction, never entry points. A figure never goes below zero (a database
constraint) nor beyond `core.money.MAX_AMOUNT` (refused here, naming the figure).
"""

import datetime
from decimal import Decimal

from django.db import connections, router, transaction
from django.db.models import DecimalField, F, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Round
from django.db.models.sql import UpdateQuery
from django.utils import timezone

from contracts.models import Contract, ContractDue, ContractLedger
from core.errors import InvalidInput, NotVisible
from core.money import MAX_AMOUNT, within_bounds
from core.validation import beyond_bounds_message

ZERO = Value(Decimal("0.00"), output_field=DecimalField(max_digits=18, decimal_places=2))


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger updates run inside the event's transaction")


def _beyond_bounds(figure: str) -> InvalidInput:
    """R25: the refusal names the ledger figure that would leave what the database keeps."""
    return InvalidInput(errors={figure: [beyond_bounds_message(MAX_AMOUNT)]})


def _update_returning(contract_id: int, values: dict, **room) -> ContractLedger | None:
    """UPDATE the contract's ledger row with `values` (expressions of the row as it was, F(),
    subqueries) where `room` holds, and the row as the update left it, in one statement
    (UPDATE … RETURNING; PostgreSQL, SQLite ≥ 3.35) — None when no row matched. The update
    takes the row's lock (it stays until the commit)."""
    db = router.db_for_write(ContractLedger)
    query = ContractLedger.objects.using(db).filter(contract_id=contract_id, **room).query
    update = query.chain(UpdateQuery)
    update.add_update_values({**values, "updated_at": timezone.now()})
    sql, params = update.get_compiler(db).as_sql()
    quote = connections[db].ops.quote_name
    columns = ", ".join(quote(field.column) for field in ContractLedger._meta.concrete_fields)
    rows = ContractLedger.objects.raw(f"{sql} RETURNING {columns}", params, using=db)
    return next(iter(rows), None)


def _due_values(contract_id: int, *, as_of: datetime.date, collected) -> dict:
    """`due` and `overdue` as of `as_of` (R18), as `contracts.selectors.contract_due_figures`
    reads them, for an UPDATE of the ledger row: due = Σ amounts due on or before `as_of`,
    overdue = Σ of those due before it − `collected` (an expression of the row), if > 0. The
    amounts due are read by the same statement: exact only under the row's lock taken before
    it (the lock keeps other deliveries' dues out until this transaction ends); a statement
    that waited for the lock would read them as they were before it waited."""
    dues = ContractDue.objects.filter(contract_id=contract_id, due_on__lte=as_of).order_by()
    total = dues.values("contract_id").annotate(total=Sum("amount")).values("total")
    past = dues.filter(due_on__lt=as_of).values("contract_id")
    past = past.annotate(total=Sum("amount")).values("total")
    # Round(…, 2): exact on PostgreSQL's numeric already; on SQLite it drops binary residue.
    return {
        "due": Round(Coalesce(Subquery(total), ZERO), 2),
        "overdue": Round(Greatest(Coalesce(Subquery(past), ZERO) - collected, ZERO), 2),
    }


def _ledger_add(
    contract_id: int, *, due_as_of: datetime.date | None = None, **deltas: Decimal
) -> ContractLedger:
    """Add to ledger figures with F() under the row's lock, in the caller's transaction, and
    return the row as it now stands: one statement. A negative amount is a reversal. An amount,
    or a figure it would bring, beyond MAX_AMOUNT is refused (InvalidInput naming the figure)
    and nothing is written: the UPDATE only matches while every figure has room for its
    amount. `due_as_of`: the same statement also sets `due` and `overdue` as of that day from
    the figures it leaves (R18) — only for a caller that holds the row's lock already
    (`_due_values`)."""
    _require_transaction()
    deltas = {field: Decimal(amount) for field, amount in deltas.items()}
    for field, amount in deltas.items():
        if not within_bounds(amount, maximum=MAX_AMOUNT):
            raise _beyond_bounds(field)
    room = {f"{field}__lte": MAX_AMOUNT - amount for field, amount in deltas.items() if amount > 0}
    values = {field: F(field) + amount for field, amount in deltas.items()}
    if due_as_of is not None:
        collected = F("collected") + deltas.get("collected", Decimal("0"))
        values.update(_due_values(contract_id, as_of=due_as_of, collected=collected))
    ledger = _update_returning(contract_id, values, **room)
    if ledger is None:
        ledger = ContractLedger.objects.filter(contract_id=contract_id).first()
        if ledger is None:
            raise NotVisible()
        figure = next(f for f, a in deltas.items() if getattr(ledger, f) + a > MAX_AMOUNT)
        raise _beyond_bounds(figure)
    return ledger


def _set_due(contract_id: int, *, as_of: datetime.date) -> ContractLedger:
    """Set `due` and `overdue` as of `as_of` from the amounts due and the row's `collected`
    (R18), the caller holding the row's lock; one statement."""
    ledger = _update_returning(
        contract_id, _due_values(contract_id, as_of=as_of, collected=F("collected"))
    )
    if ledger is None:
        raise NotVisible()
    return ledger


def ledger_add_shipped(*, contract_id: int, amount: Decimal) -> ContractLedger:
    """Goods issued at the warehouse (R13), gross."""
    return _ledger_add(contract_id, shipped=amount)


def ledger_add_delivered(
    *,
    contract_id: int,
    amount: Decimal,
    delivered_on: datetime.date,
    reference: str = "",
    credit_days: int | None = None,
) -> ContractLedger:
    """Delivery confirmed by the customer's signature (R14): revenue. The amount falls due on
    the delivery date + the contract's credit days (R18; the caller may pass them, read with
    its contract), kept as a `ContractDue` row from which the overdue amount as of any date is
    read. Three statements: `delivered` grows (the row's lock taken), the due row, then `due`
    and `overdue` as of today."""
    if credit_days is None:
        credit_days = Contract.objects.values_list("credit_days", flat=True).get(pk=contract_id)
    _ledger_add(contract_id, delivered=amount)
    ContractDue.objects.create(
        contract_id=contract_id,
        delivered_on=delivered_on,
        due_on=delivered_on + datetime.timedelta(days=credit_days),
        amount=amount,
        reference=reference,
    )
    return _set_due(contract_id, as_of=timezone.localdate())


def ledger_add_invoiced(*, contract_id: int, amount: Decimal) -> ContractLedger:
    """An invoice issued (R17); a red invoice adds a negative amount."""
    return _ledger_add(contract_id, invoiced=amount)


def ledger_add_collected(
    *, contract_id: int, amount: Decimal, locked: bool = False
) -> ContractLedger:
    """A receipt allocated to the contract (R16); the overdue amount shrinks with it (as of
    today, from the collected figure just moved). `locked`: the caller holds the ledger row's
    lock already (the allocation's checks read it so), and one statement does it all;
    otherwise a second one sets `due` and `overdue` once the first has taken the lock."""
    today = timezone.localdate()
    if locked:
        return _ledger_add(contract_id, due_as_of=today, collected=amount)
    _ledger_add(contract_id, collected=amount)
    return _set_due(contract_id, as_of=today)


def ledger_add_interest_accrued(*, contract_id: int, amount: Decimal) -> ContractLedger:
    """Daily interest on the overdue amount (R18), not yet posted."""
    return _ledger_add(contract_id, interest_accrued=amount)


def ledger_post_interest(*, contract_id: int, amount: Decimal) -> ContractLedger:
    """Monthly posting (R18, R20): accrued interest becomes posted interest."""
    return _ledger_add(contract_id, interest=amount, interest_accrued=-Decimal(amount))


def ledger_set_due(*, contract_id: int, due: Decimal, overdue: Decimal) -> ContractLedger:
    """The due and overdue amounts as of a date (R18), set by the job that ages them."""
    _require_transaction()
    ledger = _update_returning(contract_id, {"due": due, "overdue": overdue})
    if ledger is None:
        raise NotVisible()
    return ledger


def ledger_refresh_due(*, contract_id: int, as_of: datetime.date | None = None) -> ContractLedger:
    """Set the ledger's `due` and `overdue` as of `as_of` (default today) from the amounts due
    and the collected amount (R18), under the row's lock taken first. Run by the daily aging
    task, so the kept figures are at most a day old; the R4, R12 and R15 checks read the
    overdue as of the request date from `contracts.selectors.customer_overdue`."""
    _require_transaction()
    if not ContractLedger.objects.select_for_update().filter(contract_id=contract_id).exists():
        raise NotVisible()
    return _set_due(contract_id, as_of=as_of or timezone.localdate())


def ledgers_age(*, as_of: datetime.date) -> int:
    """The daily aging (R18), the task's entry point: refresh due and overdue of every contract
    with a delivery, one durable transaction per contract; idempotent. Returns how many
    ledgers were refreshed."""
    ids = list(ContractDue.objects.values_list("contract_id", flat=True).distinct())
    for contract_id in ids:
        with transaction.atomic(durable=True):
            ledger_refresh_due(contract_id=contract_id, as_of=as_of)
    return len(ids)

"""Receipts (收款单) and their allocation to contracts (R16, R3, DESIGN §4).

Who: `finance` records, allocates and reverses. Every write holds the customer's row lock
(SELECT … FOR UPDATE) from its first read to its commit, so two finance users allocating the
last remainder of one contract, or an allocation and an order submit (which takes the same
lock for R4), run one after the other and the figures stay exact.

What moves, in the write's one transaction:
- the receipt's `allocated` counter and its `Allocation` rows;
- the contract ledger's `collected` (`contracts.services.ledger_add_collected`), which also
  refreshes the contract's due and overdue (R18);
- the customer's exposure (R3), through `sales.services.orders.order_exposure_collected`;
- the journal, one entry per write through `journal_post`, each line naming its contract:
    receipt recorded      Dr 1002 bank; per allocation Cr 1122 the part of the contract's
                          delivered amount not yet collected and Cr 2203 (contract) the rest —
                          money for what is not delivered yet is the contract's advance —;
                          Cr 2203 (the customer's, no contract) what stays on account
    allocated later       Dr 2203 (the customer's) / the same credits
    signed delivery       Dr 2203 (contract) / Cr 1122: the contract's advance applied to what
                          the delivery made receivable (`delivery_advance_apply`)
    receipt reversed      the credits debited back as they stand now, Cr 1002, naming the
                          receipt's first entry
  so for every contract, at any time: receivable (1122) − its advance (2203) = delivered +
  posted interest − collected, the figure the ledger shows and month end reconciles.

Refusals (nothing written): `over_allocation` (more than the receipt has unallocated),
`over_collection` (more than the contract's gross − collected), `period_closed`, and 400s that
name the field (`amount`, `method`, `received_on`, `allocations.N.contract`, …).
"""

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import ContractLedger, ContractStatus
from contracts.services import contracts_reopen, ledger_add_collected
from core.errors import InvalidInput, NotVisible, RuleViolation
from core.formats import format_amount
from core.money import MAX_AMOUNT, money
from core.numbering import document_number
from core.periods import booking_date, require_open_period
from core.permissions import require_role, sees_customer
from core.prefetch import set_prefetched
from core.roles import Role
from core.validation import id_of
from finance.models import Allocation, JournalEntry, Receipt, ReceiptStatus
from finance.selectors import open_contracts
from finance.services.journal import journal_post, late_memo
from sales.models import Customer, PaymentMethod
from sales.services.orders import order_exposure_collected

if TYPE_CHECKING:
    from django.contrib.auth.models import User

RECEIPT_KEEPERS = (Role.FINANCE,)
ZERO = Decimal("0.00")
ALLOCATION_FIELDS = ("contract", "amount")


# -- input -------------------------------------------------------------------------------------


def _amount(value, field: str, errors: dict) -> Decimal | None:
    """A positive amount of at most 2 places within what the database keeps, or an error
    naming `field` (R25)."""
    if value is None or value == "":
        errors[field] = [_("This field is required.")]
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        errors[field] = [_("Enter a number.")]
    elif number <= 0:
        errors[field] = [_("Enter an amount above zero.")]
    elif number != number.quantize(Decimal("0.01")):
        errors[field] = [_("Enter at most 2 decimal places.")]
    elif number > MAX_AMOUNT:
        errors[field] = [
            _("Enter an amount of at most %(max)s.") % {"max": format_amount(MAX_AMOUNT)}
        ]
    else:
        return money(number)
    return None


def _day(value, field: str, errors: dict) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        day = value
    else:
        try:
            day = datetime.date.fromisoformat(str(value or ""))
        except ValueError:
            errors[field] = [_("Enter a valid date.")]
            return None
    if day > timezone.localdate():
        errors[field] = [_("The date cannot be in the future.")]
        return None
    return day


def _parse_allocations(allocations, errors: dict) -> list[tuple[int, Decimal]]:
    """`[{"contract", "amount"}]` → [(contract id, amount)]; errors name `allocations.N.x`."""
    if not isinstance(allocations, Sequence) or isinstance(allocations, str | bytes):
        errors["allocations"] = [_("Enter a list of allocations.")]
        return []
    parsed, seen = [], set()
    for index, row in enumerate(allocations):
        prefix = f"allocations.{index}"
        if not isinstance(row, Mapping):
            errors[prefix] = [_("Enter a contract and an amount.")]
            continue
        unknown = sorted(set(row) - set(ALLOCATION_FIELDS))
        for name in unknown:
            errors[f"{prefix}.{name}"] = [_("Unknown field.")]
        contract_id = id_of(row.get("contract"))
        if contract_id is None:
            errors[f"{prefix}.contract"] = [_("Choose a contract.")]
        elif contract_id in seen:
            errors[f"{prefix}.contract"] = [_("This contract is listed twice.")]
        amount = _amount(row.get("amount"), f"{prefix}.amount", errors)
        if contract_id is not None and amount is not None and contract_id not in seen:
            parsed.append((contract_id, amount))
        if contract_id is not None:
            seen.add(contract_id)
    return parsed


def _lock_customer(customer_id) -> Customer:
    """The customer's row lock, taken first by every receipt write (and by an order's submit,
    R4): what this transaction reads of the customer's contracts stays true until it commits."""
    customer = Customer.objects.select_for_update().filter(pk=id_of(customer_id)).first()
    if customer is None:
        raise InvalidInput(errors={"customer": [_("Choose a customer.")]})
    return customer


# -- allocation --------------------------------------------------------------------------------


def _auto_allocations(*, customer: Customer, available: Decimal) -> list[tuple[int, Decimal]]:
    """When finance does not choose (R16): the customer's receivables oldest due first — each
    contract's delivered, not yet collected amount, in the order of its first unpaid due date —
    until the money runs out; what is left stays on account as an advance."""
    plan = []
    for row in open_contracts(customer_id=customer.pk):
        if available <= 0:
            break
        take = min(row["receivable"], available)
        if take > 0:
            plan.append((row["contract"].pk, take))
            available -= take
    return plan


def _allocate(
    *,
    actor: "User",
    receipt: Receipt,
    customer: Customer,
    plan: list[tuple[int, Decimal]],
    day: datetime.date,
    field: str = "allocations",
) -> list[tuple]:
    """Apply `plan` [(contract id, amount)] to the locked receipt: R16's limits, then the
    allocation rows, the ledger and the exposure; returns the journal's credit lines (what the
    contracts' deliveries made receivable → Cr 1122, the rest → Cr 2203 the contract's
    advance), which the caller posts against Dr 1002 or Dr 2203 (the customer's). A receipt
    not saved yet (`receipt_record`) is inserted once the limits pass, its `allocated` already
    counted."""
    new = receipt.pk is None
    if not plan:
        if new:
            receipt.save()
            set_prefetched(receipt, "allocations", [])  # what the API answers with (issue 14)
        return []
    total = sum((amount for _c, amount in plan), ZERO)
    unallocated = receipt.amount - receipt.allocated
    if total > unallocated:
        raise RuleViolation(
            "over_allocation",
            detail=_(
                "The allocations (%(total)s) exceed what the receipt has unallocated (%(left)s)."
            )
            % {"total": format_amount(total), "left": format_amount(unallocated)},
            errors={field: [_("More than the receipt has unallocated.")]},
        )
    ids = [contract_id for contract_id, _a in plan]
    # The ledgers locked, their contracts and orders read with them (not locked) in the same
    # statement: an order's exposure is only written under the customer's lock, held here (R3).
    ledgers = {
        ledger.contract_id: ledger
        for ledger in ContractLedger.objects.select_for_update(of=("self",))
        .select_related("contract__order")
        .filter(contract_id__in=ids)
    }
    contracts = {contract_id: ledger.contract for contract_id, ledger in ledgers.items()}
    errors = {}
    for index, (contract_id, _a) in enumerate(plan):
        contract = contracts.get(contract_id)
        if contract is None or contract.customer_id != customer.pk:
            errors[f"{field}.{index}.contract"] = [_("Choose a contract of this customer.")]
        elif contract.status != ContractStatus.ACTIVE:
            errors[f"{field}.{index}.contract"] = [
                _("Only an active contract can be allocated to.")
            ]
    if errors:
        raise InvalidInput(errors=errors)
    for index, (contract_id, amount) in enumerate(plan):
        contract, ledger = contracts[contract_id], ledgers[contract_id]
        remaining = contract.gross_amount - ledger.collected
        if amount > remaining:
            raise RuleViolation(
                "over_collection",
                detail=_(
                    "Contract %(number)s has %(remaining)s left to collect; %(amount)s is more."
                )
                % {
                    "number": contract.number,
                    "remaining": format_amount(remaining),
                    "amount": format_amount(amount),
                },
                errors={
                    f"{field}.{index}.amount": [_("More than the contract has left to collect.")]
                },
            )
    made, lines = [], []
    for contract_id, amount in plan:
        contract, ledger = contracts[contract_id], ledgers[contract_id]
        applied = min(ledger.collected + amount, ledger.delivered) - min(
            ledger.collected, ledger.delivered
        )
        applied = max(applied, ZERO)
        if applied:
            lines.append(("1122", ZERO, applied, contract.pk))
        if amount - applied:
            lines.append(("2203", ZERO, amount - applied, contract.pk))
        made.append(
            Allocation(
                receipt=receipt,
                contract=contract,
                amount=amount,
                allocated_on=day,
                created_by=actor,
            )
        )
    if receipt.pk is None:
        receipt.allocated = total
        receipt.save()
    else:
        Receipt.objects.filter(pk=receipt.pk).update(allocated=F("allocated") + total)
        receipt.allocated += total
    for allocation in made:
        allocation.receipt = receipt  # its id, now that a new receipt has one
    Allocation.objects.bulk_create(made)
    if new and all(allocation.pk is not None for allocation in made):
        set_prefetched(receipt, "allocations", made)  # what the API answers with (issue 14)
    orders: dict = {}  # one instance per order: it carries the exposure as each call leaves it
    for allocation in made:
        ledger_add_collected(
            contract_id=allocation.contract_id, amount=allocation.amount, locked=True
        )
        order = contracts[allocation.contract_id].order
        order_exposure_collected(order=orders.setdefault(order.pk, order), amount=allocation.amount)
    return lines


def _post(*, actor, receipt: Receipt, day, memo: str, lines: list, reverses=None) -> JournalEntry:
    """The write's one journal entry (DESIGN §4): the receipt's, its allocations' or its
    reversal's lines, each naming its contract (None: the customer's account). Every caller
    has checked `day`'s month open first (`booking_date`, `require_open_period`), which holds
    it open until the commit."""
    return journal_post(
        actor=actor,
        date=day,
        memo=memo,
        source_type="receipt",
        source_id=receipt.pk,
        source_number=receipt.number,
        lines=lines,
        customer_id=receipt.customer_id,
        reverses=reverses,
        period_held=True,
    )


# -- services ------------------------------------------------------------------------------------


def receipt_record(
    *,
    actor: "User",
    customer_id,
    amount,
    method,
    received_on,
    reference: str = "",
    bill_number: str = "",
    bill_bank: str = "",
    bill_maturity=None,
    note: str = "",
    allocations=None,
    book_in_open_period: bool = False,
) -> Receipt:
    """Record a receipt (R16) inside the caller's transaction (the bank import confirms many in
    one). `allocations`: a list of `{"contract", "amount"}`; None allocates oldest due first;
    [] leaves it all on account. An acceptance bill needs its number, bank and maturity.
    Received in a closed month: refused (`period_closed`), unless `book_in_open_period` — a
    late document (`core.periods`): it keeps `received_on` (its allocations count from it,
    R18) and its entry is dated the first day of the first open month, kept as `booked_on`."""
    require_role(actor, *RECEIPT_KEEPERS)
    errors: dict = {}
    value = _amount(amount, "amount", errors)
    if method not in PaymentMethod.values:
        errors["method"] = [_("Choose one of the payment methods.")]
    day = _day(received_on, "received_on", errors)
    maturity = None
    if method == PaymentMethod.ACCEPTANCE_BILL:
        if not (bill_number or "").strip():
            errors["bill_number"] = [_("An acceptance bill needs its number.")]
        if not (bill_bank or "").strip():
            errors["bill_bank"] = [_("An acceptance bill needs its issuing bank.")]
        if not bill_maturity:
            errors["bill_maturity"] = [_("An acceptance bill needs its maturity date.")]
        else:
            try:
                maturity = (
                    bill_maturity
                    if isinstance(bill_maturity, datetime.date)
                    else datetime.date.fromisoformat(str(bill_maturity))
                )
            except ValueError:
                errors["bill_maturity"] = [_("Enter a valid date.")]
    for field, text, length in (
        ("reference", reference, 60),
        ("bill_number", bill_number, 40),
        ("bill_bank", bill_bank, 100),
        ("note", note, 200),
    ):
        if len(text or "") > length:
            errors[field] = [_("Enter at most %(n)s characters.") % {"n": length}]
    plan = None if allocations is None else _parse_allocations(allocations, errors)
    if errors:
        raise InvalidInput(errors=errors)
    customer = _lock_customer(customer_id)
    if not sees_customer(actor, owner_id=customer.owner_id):
        raise NotVisible()
    booked = booking_date(day, late_ok=bool(book_in_open_period), field="received_on")
    # Saved by `_allocate` once R16's limits pass, with its `allocated` (one write).
    receipt = Receipt(
        number=document_number(prefix="SK", series="receipt"),
        customer=customer,
        amount=value,
        method=method,
        received_on=day,
        booked_on=booked if booked != day else None,
        reference=(reference or "").strip(),
        bill_number=(bill_number or "").strip() if method == PaymentMethod.ACCEPTANCE_BILL else "",
        bill_bank=(bill_bank or "").strip() if method == PaymentMethod.ACCEPTANCE_BILL else "",
        bill_maturity=maturity,
        note=(note or "").strip(),
        created_by=actor,
    )
    if plan is None:
        plan = _auto_allocations(customer=customer, available=value)
    lines = _allocate(actor=actor, receipt=receipt, customer=customer, plan=plan, day=day)
    rest = value - receipt.allocated
    _post(
        actor=actor,
        receipt=receipt,
        day=booked,
        memo=late_memo(
            _("Receipt %(number)s from %(customer)s")
            % {"number": receipt.number, "customer": customer.name},
            dated=day,
            booked=booked,
        ),
        lines=[
            ("1002", value, ZERO, None),
            *lines,
            *([("2203", ZERO, rest, None)] if rest else []),
        ],
    )
    return receipt


@transaction.atomic(durable=True)
def receipt_create(**kwargs) -> Receipt:
    """Record a receipt and its allocations in one transaction (R16); see `receipt_record`."""
    return receipt_record(**kwargs)


def _locked_receipt(*, actor: "User", receipt_id) -> tuple[Receipt, Customer]:
    require_role(actor, *RECEIPT_KEEPERS)
    found = Receipt.objects.filter(pk=id_of(receipt_id)).values_list("customer_id", flat=True)
    customer_id = found.first()
    if customer_id is None:
        raise NotVisible()
    customer = _lock_customer(customer_id)
    if not sees_customer(actor, owner_id=customer.owner_id):
        raise NotVisible()
    return Receipt.objects.select_for_update().get(pk=id_of(receipt_id)), customer


@transaction.atomic(durable=True)
def receipt_allocate(*, actor: "User", receipt_id, allocations=None) -> Receipt:
    """Allocate what a posted receipt still has on account (R16), dated today: to the
    contracts given, or oldest due first when `allocations` is None."""
    errors: dict = {}
    plan = None if allocations is None else _parse_allocations(allocations, errors)
    if errors:
        raise InvalidInput(errors=errors)
    receipt, customer = _locked_receipt(actor=actor, receipt_id=receipt_id)
    if receipt.status != ReceiptStatus.POSTED:
        raise RuleViolation(
            "invalid_transition", detail=_("A reversed receipt cannot be allocated.")
        )
    if plan is None:
        plan = _auto_allocations(customer=customer, available=receipt.amount - receipt.allocated)
    elif not plan:
        raise InvalidInput(errors={"allocations": [_("Enter at least one allocation.")]})
    day = timezone.localdate()
    # R20: an allocation is dated today; today's month closed refuses it before anything moves.
    require_open_period(day, field="allocated_on")
    lines = _allocate(actor=actor, receipt=receipt, customer=customer, plan=plan, day=day)
    if lines:
        total = sum((line[2] for line in lines), ZERO)
        _post(
            actor=actor,
            receipt=receipt,
            day=day,
            memo=_("Receipt %(number)s allocated") % {"number": receipt.number},
            lines=[("2203", total, ZERO, None), *lines],
        )
    return receipt


@transaction.atomic(durable=True)
def receipt_reverse(*, actor: "User", receipt_id, reason: str) -> Receipt:
    """R24: a receipt entered wrongly is reversed, never edited or deleted. Each allocation is
    undone — the ledger's `collected`, the exposure while the contract still counts (R3) — and
    one entry dated today, naming the receipt's entry, takes the money back out of the bank
    against the receivable and advances as they stand now. A reversed receipt counts nowhere."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(errors={"reason": [_("Say why the receipt is reversed.")]})
    if len(reason) > 200:
        raise InvalidInput(errors={"reason": [_("Enter at most %(n)s characters.") % {"n": 200}]})
    receipt, _customer = _locked_receipt(actor=actor, receipt_id=receipt_id)
    if receipt.status != ReceiptStatus.POSTED:
        raise RuleViolation("invalid_transition", detail=_("This receipt is reversed already."))
    today = timezone.localdate()
    # R20: the reversal is dated today; today's month closed refuses it before anything moves.
    require_open_period(today, field="reversed_at")
    live = list(receipt.allocations.filter(reversed=False).select_related("contract__order"))
    # A completed contract loses what made it complete: active again (contract rows before
    # ledger rows, the order `contracts_complete` locks them in).
    contracts_reopen(
        contract_ids={a.contract_id for a in live},
        actor=actor,
        reason=_("reopened: receipt %(number)s reversed") % {"number": receipt.number},
    )
    ledgers = {
        ledger.contract_id: ledger
        for ledger in ContractLedger.objects.select_for_update().filter(
            contract_id__in={a.contract_id for a in live}
        )
    }
    lines = []
    orders: dict = {}  # one instance per order: it carries the exposure as each call leaves it
    for allocation in live:
        contract, amount = allocation.contract, allocation.amount
        ledger = ledgers[contract.pk]
        applied = min(ledger.collected, ledger.delivered) - min(
            ledger.collected - amount, ledger.delivered
        )
        applied = max(applied, ZERO)
        if applied:
            lines.append(("1122", applied, ZERO, contract.pk))
        if amount - applied:
            lines.append(("2203", amount - applied, ZERO, contract.pk))
        ledgers[contract.pk] = ledger_add_collected(
            contract_id=contract.pk, amount=-amount, locked=True
        )
        if contract.status in (ContractStatus.ACTIVE, ContractStatus.COMPLETED):
            # R3: the exposure counts every contract not terminated.
            order = orders.setdefault(contract.order_id, contract.order)
            order_exposure_collected(order=order, amount=-amount)
    Allocation.objects.filter(pk__in=[a.pk for a in live]).update(reversed=True)
    on_account = receipt.amount - sum((a.amount for a in live), ZERO)
    if on_account:
        lines.append(("2203", on_account, ZERO, None))
    # the receipt's own entry, the first posted for it: what this reversal names
    first = JournalEntry.objects.filter(source_type="receipt", source_id=receipt.pk).earliest("id")
    _post(
        actor=actor,
        receipt=receipt,
        day=today,
        memo=_("Reversal of receipt %(number)s: %(reason)s")
        % {"number": receipt.number, "reason": reason},
        lines=[*lines, ("1002", ZERO, receipt.amount, None)],
        reverses=first,
    )
    receipt.reverse()
    receipt.reversal_reason = reason
    receipt.reversed_by = actor
    receipt.reversed_at = timezone.now()
    receipt.allocated = ZERO
    receipt.save(
        update_fields=["status", "reversal_reason", "reversed_by", "reversed_at", "allocated"]
    )
    return receipt


def delivery_advance_apply(
    *,
    notice,
    contract_id: int,
    amount,
    delivered_on,
    actor,
    booked_on=None,
    ledger: ContractLedger | None = None,
    **_event,
) -> JournalEntry | None:
    """R14 with R16: at the signed delivery, what the contract already collected beyond its
    earlier deliveries (its advance, 2203) pays the new receivable: Dr 2203 / Cr 1122, in the
    delivery's transaction (the ledger's `delivered` already includes this delivery; the
    event carries the ledger as the delivery left it)."""
    if ledger is None:
        ledger = ContractLedger.objects.get(contract_id=contract_id)
    before = ledger.delivered - amount
    advance = max(ledger.collected - before, ZERO)
    applied = min(advance, amount)
    if applied <= 0:
        return None
    return journal_post(
        actor=actor,
        date=booked_on or delivered_on,
        memo=late_memo(
            _("Advance applied to delivery %(number)s") % {"number": notice.number},
            dated=delivered_on,
            booked=booked_on,
        ),
        source_type="shipping_notice",
        source_id=notice.pk,
        source_number=notice.number,
        lines=[("2203", applied, ZERO), ("1122", ZERO, applied)],
        contract_id=contract_id,
        customer_id=notice.customer_id,
        # `booked_on`: the delivery holds its month open (inventory.signals.delivery_confirmed)
        period_held=booked_on is not None,
    )

"""Contracts (R8, R9) and the contract ledger: every write.

Locks are taken parents first: the order, then the contract; the ledger row is changed with
F() in the caller's transaction. A contract is numbered only when it becomes active, in the
approval's transaction, from the locked counter row of core.numbering (gapless per year).
"""

import datetime
from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.services import approval_request_open
from contracts.models import Contract, ContractDue, ContractLedger, ContractLine, ContractStatus
from core.errors import InvalidInput, NotVisible, RuleViolation
from core.numbering import document_number
from core.permissions import require_role, sees_all_customers
from core.roles import Role
from core.validation import reject_unknown_fields, validate_instance
from sales.models import Order, OrderStatus

CONTRACT_AUTHORS = (Role.SALES_CLERK,)


def _may_see(actor, customer) -> bool:
    return sees_all_customers(actor) or customer.owner_id == actor.pk


@transaction.atomic
def contract_draft(*, actor, order_id: int, terms: Mapping | None = None) -> Contract:
    """Draft a contract from an approved order (R8): the order's lines and amounts, its
    customer and salesperson, and the terms of R9 (credit days: the customer's today), which
    `terms` may change. The order becomes `contracted` in the same transaction; a second
    contract is refused."""
    require_role(actor, *CONTRACT_AUTHORS)
    terms = dict(terms or {})
    reject_unknown_fields(terms, Contract.TERMS)
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("customer", "price_list")
        .filter(pk=order_id)
        .first()
    )
    if order is None or not _may_see(actor, order.customer):
        # An id in the body that is unknown or not visible names the field (API.md, R23).
        raise InvalidInput(errors={"order": [_("Unknown order.")]})
    if Contract.objects.filter(order_id=order.pk).exists():
        raise RuleViolation(
            "invalid_transition",
            detail=_("Order %(number)s already has a contract.") % {"number": order.number},
            errors={"order": [_("This order already has a contract.")]},
        )
    if order.status != OrderStatus.APPROVED:
        raise RuleViolation(
            "invalid_transition",
            detail=_("A contract is drafted only from an approved order; %(number)s is %(status)s.")
            % {"number": order.number, "status": order.get_status_display()},
            errors={"order": [_("The order is not approved.")]},
        )
    contract = Contract(
        order=order,
        customer=order.customer,
        salesperson_id=order.created_by_id,
        created_by=actor,
        currency=order.currency,
        net_amount=order.net_amount,
        tax_amount=order.tax_amount,
        gross_amount=order.gross_amount,
        first_payment_ratio=order.first_payment_ratio,
        credit_days=order.customer.credit_days,
        commission_rate=order.price_list.commission_rate,
    )
    _set_terms(contract, terms)
    validate_instance(contract, exclude=["number", "order"])
    contract._history_user = actor
    contract.save()
    for line in order.lines.all():
        contract_line = ContractLine(
            contract=contract,
            order_line=line,
            product_id=line.product_id,
            quantity=line.quantity,
            unit_price=line.unit_price,
            tax_rate=line.tax_rate,
            net=line.net,
            tax=line.tax,
            gross=line.gross,
        )
        contract_line._history_user = actor
        contract_line.save()
    ContractLedger.objects.create(contract=contract)
    order.mark_contracted()
    order._history_user = actor
    order.save()
    return contract


def _set_terms(contract: Contract, terms: Mapping) -> None:
    for field, value in terms.items():
        setattr(contract, field, value)


def _locked_visible(*, actor, contract_id: int) -> Contract:
    contract = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("customer")
        .filter(pk=contract_id)
        .first()
    )
    if contract is None or not _may_see(actor, contract.customer):
        raise NotVisible()
    return contract


def _require_draft(contract: Contract) -> None:
    if contract.status != ContractStatus.DRAFT:
        raise RuleViolation(
            "invalid_transition",
            detail=_("Only a draft contract can be changed or submitted; this one is %(status)s.")
            % {"status": contract.get_status_display()},
        )


@transaction.atomic
def contract_update_terms(*, actor, contract_id: int, terms: Mapping) -> Contract:
    """Change the terms of a draft contract (R9); the lines and amounts are the order's."""
    contract = _locked_visible(actor=actor, contract_id=contract_id)
    require_role(actor, *CONTRACT_AUTHORS)
    reject_unknown_fields(terms, Contract.TERMS)
    _require_draft(contract)
    _set_terms(contract, terms)
    validate_instance(contract, exclude=["number", "order"])
    contract._history_user = actor
    contract.save()
    return contract


@transaction.atomic
def contract_submit(*, actor, contract_id: int) -> Contract:
    """Draft → pending co-sign: the head of sales and finance sign in either order (R8)."""
    contract = _locked_visible(actor=actor, contract_id=contract_id)
    require_role(actor, *CONTRACT_AUTHORS)
    _require_draft(contract)
    contract.submit()
    contract.submitted_at = timezone.now()
    contract._history_user = actor
    contract.save()
    approval_request_open(document=contract, actor=actor)
    return contract


def contract_activate(*, contract: Contract, request, actor) -> None:
    """Both signatures are in (called by the engine inside its transaction, the contract row
    locked): active, numbered HT-YYYY-NNNNN, and its gross enters the ledger."""
    contract.activate()
    contract.number = document_number(prefix="HT", series="contract")
    contract.activated_at = timezone.now()
    contract.signed_on = timezone.localdate()
    contract._history_user = actor
    contract.save()
    ContractLedger.objects.filter(contract_id=contract.pk).update(contracted=contract.gross_amount)
    # The inbox and the decision history show the number the contract now carries.
    request.document_number = contract.number
    request.save(update_fields=["document_number"])
    _render_pdf_after_commit(contract.pk)


def _render_pdf_after_commit(contract_id: int) -> None:
    """The signed contract's PDF is rendered by a Celery task once the signature is committed;
    a failure to queue it must not undo the signature (the download renders it if missing)."""
    from contracts.tasks import render_contract_pdf

    transaction.on_commit(lambda: render_contract_pdf.delay(contract_id), robust=True)


# -- the ledger (合同台帐): counters that later events move ------------------------------------


def _ledger_add(contract_id: int, **deltas: Decimal) -> ContractLedger:
    """Add to ledger figures with F() under the row's lock, in the caller's transaction. A
    negative amount is a reversal; a figure never goes below zero (a database constraint)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger updates run inside the event's transaction")
    updated = ContractLedger.objects.filter(contract_id=contract_id).update(
        **{field: F(field) + Decimal(amount) for field, amount in deltas.items()},
        updated_at=timezone.now(),
    )
    if not updated:
        raise NotVisible()
    return ContractLedger.objects.get(contract_id=contract_id)


def ledger_add_shipped(*, contract_id: int, amount: Decimal) -> ContractLedger:
    """Goods issued at the warehouse (R13), gross."""
    return _ledger_add(contract_id, shipped=amount)


def ledger_add_delivered(
    *, contract_id: int, amount: Decimal, delivered_on, reference: str = ""
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
    """A receipt allocated to the contract (R16); the overdue amount shrinks with it."""
    _ledger_add(contract_id, collected=amount)
    return ledger_refresh_due(contract_id=contract_id)


def ledger_add_interest_accrued(*, contract_id: int, amount: Decimal) -> ContractLedger:
    """Daily interest on the overdue amount (R18), not yet posted."""
    return _ledger_add(contract_id, interest_accrued=amount)


def ledger_post_interest(*, contract_id: int, amount: Decimal) -> ContractLedger:
    """Monthly posting (R18, R20): accrued interest becomes posted interest."""
    return _ledger_add(contract_id, interest=amount, interest_accrued=-Decimal(amount))


def ledger_set_due(*, contract_id: int, due: Decimal, overdue: Decimal) -> ContractLedger:
    """The due and overdue amounts as of a date (R18), set by the job that ages them."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger updates run inside the event's transaction")
    ContractLedger.objects.filter(contract_id=contract_id).update(
        due=due, overdue=overdue, updated_at=timezone.now()
    )
    return ContractLedger.objects.get(contract_id=contract_id)


def ledger_refresh_due(*, contract_id: int, as_of=None) -> ContractLedger:
    """Set the ledger's `due` and `overdue` as of `as_of` (default today) from the amounts due
    and the collected amount (R18). Run by the events that change them and by the daily aging
    task, so the kept figures are at most a day old; the R4, R12 and R15 checks read the
    overdue as of the request date from `contracts.selectors.contract_overdue`."""
    from contracts.selectors import contract_due_figures

    due, overdue = contract_due_figures(contract_id=contract_id, as_of=as_of)
    return ledger_set_due(contract_id=contract_id, due=due, overdue=overdue)


def ledgers_age(*, as_of) -> int:
    """The daily aging (R18): refresh due and overdue of every contract with a delivery, one
    transaction per contract; idempotent. Returns how many ledgers were refreshed."""
    ids = list(ContractDue.objects.values_list("contract_id", flat=True).distinct())
    for contract_id in ids:
        with transaction.atomic():
            ledger_refresh_due(contract_id=contract_id, as_of=as_of)
    return len(ids)

"""Contracts (R8, R9): every write of a contract's life — draft from an approved order, terms,
submit for co-sign, withdraw — its activation when both co-signers have signed, and at month end
its completion once delivered, invoiced and collected in full (`contracts_complete`; a
correction reopens it, `contracts_reopen`).

Locks are taken parents first: the order, then the contract. A contract is numbered only when
it becomes active, in the approval's transaction, from the locked counter row of
core.numbering (gapless per year).
"""

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from approvals.models import ApprovalRequest
from approvals.services import approval_request_open, approval_withdraw_document
from contracts.models import (
    Contract,
    ContractClauseSet,
    ContractLedger,
    ContractLine,
    ContractStatus,
)
from core.errors import InvalidInput, NotVisible, RuleViolation
from core.numbering import document_number
from core.permissions import require_role, sees_customer
from core.prefetch import set_prefetched
from core.roles import Role
from core.system import system_user
from core.validation import reject_unknown_fields, validate_instance
from sales.models import Order, OrderLine, OrderStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import User

CONTRACT_AUTHORS = (Role.SALES_CLERK,)


@transaction.atomic(durable=True)
def contract_draft(*, actor: "User", order_id: int, terms: Mapping | None = None) -> Contract:
    """Draft a contract from an approved order (R8): the order's lines and amounts, its
    customer and salesperson, the terms of R9 (credit days: the customer's today) and the
    order's delivery date, place and payment method, which `terms` may change, and the active
    version of the clauses. The order becomes `contracted` in the same transaction; a second
    contract is refused."""
    require_role(actor, *CONTRACT_AUTHORS)
    terms = dict(terms or {})
    reject_unknown_fields(terms, Contract.TERMS)
    order, order_lines, clause_set_id = _order_locked_with_lines(order_id)
    if order is None or not sees_customer(actor, owner_id=order.customer.owner_id):
        # An id in the body that is unknown or not visible names the field (API.md, R23).
        raise InvalidInput(errors={"order": [_("Unknown order.")]})
    # An order with a contract is `contracted` (drafting marks it so, in this transaction and
    # under this lock): only an order that is not approved can have one, so only then is it
    # looked for; the one-to-one's unique constraint is the backstop.
    if order.status != OrderStatus.APPROVED and Contract.objects.filter(order_id=order.pk).exists():
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
        # The clauses it will print, whatever the company's template says later.
        clause_set_id=clause_set_id,
        delivery_date=order.delivery_date,
        delivery_place=order.delivery_place,
        payment_method=order.payment_method,
    )
    _set_terms(contract, terms)
    # The customer, the salesperson, the author and the clause set were just read: no query to
    # check they exist. The table constraints repeat the rates' field validators or hold by
    # construction (the order's amounts); the database keeps them (core.validation).
    validate_instance(
        contract,
        exclude=["number", "order", "customer", "salesperson", "created_by", "clause_set"],
        constraints=False,
    )
    contract._history_user = actor
    contract.save()
    # The lines and their history rows (R24) in one INSERT each, whatever their number.
    lines = [
        ContractLine(
            contract=contract,
            order_line=line,
            product=line.product,
            quantity=line.quantity,
            unit_price=line.unit_price,
            tax_rate=line.tax_rate,
            net=line.net,
            tax=line.tax,
            gross=line.gross,
        )
        for line in order_lines
    ]
    bulk_create_with_history(lines, ContractLine, default_user=actor)
    ContractLedger.objects.create(contract=contract)
    order.mark_contracted()
    order._history_user = actor
    order.save(update_fields=["status"])
    # What the API answers with, read above: the salesperson, the lines and their products.
    contract.salesperson = order.created_by
    set_prefetched(contract, "lines", lines)
    return contract


def _order_locked_with_lines(order_id: int) -> tuple[Order | None, list[OrderLine], int | None]:
    """The order locked (not its customer) with its customer, price list and salesperson, its
    lines with their products, and the active clause set's id: one query (issue 14), the lines
    joined to their locked order (FOR UPDATE OF the order only). An order has at least one
    line; one without (or no order) is read on its own."""
    active_clauses = ContractClauseSet.objects.filter(is_active=True).order_by().values("pk")[:1]
    lines = list(
        OrderLine.objects.filter(order_id=order_id)
        .select_related("order__customer", "order__price_list", "order__created_by", "product")
        .select_for_update(of=("order",))
        .annotate(active_clause_set_id=Subquery(active_clauses))
        .order_by("pk")
    )
    if lines:
        order = lines[0].order
        for line in lines:
            line.order = order  # one object, not a copy per row
        return order, lines, lines[0].active_clause_set_id
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("customer", "price_list", "created_by")
        .filter(pk=order_id)
        .first()
    )
    return (
        order,
        [],
        ContractClauseSet.objects.filter(is_active=True).values_list("pk", flat=True).first(),
    )


def _set_terms(contract: Contract, terms: Mapping) -> None:
    for field, value in terms.items():
        if field in ("delivery_place", "payment_method"):
            value = (value or "").strip()
        elif field == "delivery_date":
            value = value or None
        setattr(contract, field, value)


def _locked_visible(*, actor: "User", contract_id: int, with_lines: bool = False) -> Contract:
    """The contract locked (FOR UPDATE OF the contract only) with its customer; R23 refuses
    one the actor may not see. `with_lines`: also its order, salesperson, author, lines and
    their products — what the API answers with — in the same query, the lines joined to
    their locked contract (issue 14)."""
    contract = None
    if with_lines:
        lines = list(
            ContractLine.objects.filter(contract_id=contract_id)
            .select_related(
                "contract__customer",
                "contract__order",
                "contract__salesperson",
                "contract__created_by",
                "product",
            )
            .select_for_update(of=("contract",))
            .order_by("pk")
        )
        if lines:  # a contract has the lines of its order, at least one
            contract = lines[0].contract
            for line in lines:
                line.contract = contract  # one object, not a copy per row
            set_prefetched(contract, "lines", lines)
    if contract is None:
        contract = (
            Contract.objects.select_for_update(of=("self",))
            .select_related("customer")
            .filter(pk=contract_id)
            .first()
        )
    if contract is None or not sees_customer(actor, owner_id=contract.customer.owner_id):
        raise NotVisible()
    return contract


def _require_draft(contract: Contract) -> None:
    if contract.status != ContractStatus.DRAFT:
        raise RuleViolation(
            "invalid_transition",
            detail=_("Only a draft contract can be changed or submitted; this one is %(status)s.")
            % {"status": contract.get_status_display()},
        )


@transaction.atomic(durable=True)
def contract_update_terms(*, actor: "User", contract_id: int, terms: Mapping) -> Contract:
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


@transaction.atomic(durable=True)
def contract_submit(*, actor: "User", contract_id: int) -> Contract:
    """Draft → pending co-sign: the head of sales and finance sign in either order (R8)."""
    contract = _locked_visible(actor=actor, contract_id=contract_id, with_lines=True)
    require_role(actor, *CONTRACT_AUTHORS)
    _require_draft(contract)
    contract.submit()
    contract.submitted_at = timezone.now()
    contract._history_user = actor
    contract.save(update_fields=["status", "submitted_at"])
    approval_request_open(document=contract, actor=actor)
    return contract


@transaction.atomic(durable=True)
def contract_withdraw(*, actor: "User", contract_id: int, comment: str = "") -> Contract:
    """Pending co-sign → draft: the author takes the contract back before both have signed
    (R21; the engine checks that `actor` is the author and records the withdrawal)."""
    contract = _locked_visible(actor=actor, contract_id=contract_id)
    approval_withdraw_document(actor=actor, document=contract, comment=comment)
    contract.refresh_from_db()
    return contract


def contract_activate(*, contract: Contract, request: ApprovalRequest, actor: "User") -> None:
    """Both signatures are in (called by the engine inside its transaction, the contract row
    locked, from `Contract.approval_granted`): active, numbered HT-YYYY-NNNNN, and its gross
    enters the ledger; the engine saves `request` with the number after this returns."""
    contract.activate()
    contract.number = document_number(prefix="HT", series="contract")
    contract.activated_at = timezone.now()
    contract.signed_on = timezone.localdate()
    contract._history_user = actor
    contract.save(update_fields=["status", "number", "activated_at", "signed_on"])
    ContractLedger.objects.filter(contract_id=contract.pk).update(contracted=contract.gross_amount)
    # The inbox and the decision history show the number the contract now carries: the engine
    # writes it with the approved request's own UPDATE, after this hook (issue 14).
    request.document_number = contract.number
    _render_pdf_after_commit(contract.pk)


def _render_pdf_after_commit(contract_id: int) -> None:
    """The signed contract's PDF is rendered by a Celery task once the signature is committed;
    a failure to queue it must not undo the signature (the download renders it if missing)."""
    from contracts.tasks import render_contract_pdf

    transaction.on_commit(lambda: render_contract_pdf.delay(contract_id), robust=True)


# --- finished contracts (已完结; month end, R20) -----------------------------------------------


def _finished(ledger: ContractLedger) -> bool:
    """Delivered in full, invoiced as far as delivered, and collected what was delivered plus
    the interest posted on it."""
    return (
        ledger.contracted > 0
        and ledger.delivered == ledger.contracted
        and ledger.invoiced == ledger.delivered
        and ledger.collected >= ledger.delivered + ledger.interest
    )


def contracts_complete(*, as_of: datetime.date) -> int:
    """Month end (R20: "orders that are finished are closed"): every active contract fully
    delivered (ledger `delivered` = `contracted`), fully invoiced (`invoiced` = `delivered`)
    and fully collected (`collected` ≥ `delivered` + `interest`) becomes `completed` (已完结),
    `completed_on` = `as_of`. One durable transaction per contract, its row then its ledger's
    locked (the order of every service that locks both) and the figures read again under the
    locks. Idempotent: a second call completes nothing. Returns how many were completed."""
    candidates = (
        Contract.objects.filter(
            status=ContractStatus.ACTIVE,
            ledger__contracted__gt=0,
            ledger__delivered=F("ledger__contracted"),
            ledger__invoiced=F("ledger__delivered"),
            ledger__collected__gte=F("ledger__delivered") + F("ledger__interest"),
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    actor = system_user()
    completed = 0
    for contract_id in list(candidates):
        with transaction.atomic(durable=True):
            contract = Contract.objects.select_for_update(of=("self",)).get(pk=contract_id)
            ledger = ContractLedger.objects.select_for_update().get(contract_id=contract_id)
            if contract.status != ContractStatus.ACTIVE or not _finished(ledger):
                continue  # changed since the list was read
            contract.complete()
            contract.completed_on = as_of
            contract._history_user = actor
            contract._change_reason = _("completed: delivered, invoiced and collected in full")
            contract.save()
            completed += 1
    return completed


def contracts_reopen(*, contract_ids, actor: "User", reason: str) -> list[int]:
    """A correction that leaves a completed contract with something to do again (a receipt
    reversed, a red invoice issued) makes it `active` again, in the caller's transaction, before
    the caller touches the ledger (contract rows, then ledger rows). Returns the ids reopened."""
    reopened = []
    for contract in (
        Contract.objects.select_for_update(of=("self",))
        .filter(pk__in=list(contract_ids), status=ContractStatus.COMPLETED)
        .order_by("pk")
    ):
        contract.reopen()
        contract._history_user = actor
        contract._change_reason = reason
        contract.save()
        reopened.append(contract.pk)
    return reopened

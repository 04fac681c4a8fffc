"""Reads of the finance app (aging, the journal, commission and reconciliation figures): every
read a page, an endpoint or a report needs, with its joins, and R23 applied through
`core.permissions.visible_to`. Selectors never import services."""

import datetime
from decimal import Decimal

from django.db.models import F, Prefetch, QuerySet

from contracts.models import Contract, ContractDue, ContractStatus
from core.errors import NotVisible
from core.permissions import visible_to
from core.validation import id_of
from finance.models import Allocation, JournalEntry, JournalLine, Receipt

# Who reads the journal: finance and those who answer for it.
JOURNAL_READERS = ("finance", "finance_vp", "general_manager")


def journal_entries(
    *, contract: int | None = None, customer: int | None = None, account: str = ""
) -> QuerySet[JournalEntry]:
    """Posted entries, oldest first, their lines and accounts prefetched (two queries for any
    number of entries); filtered by contract, customer or an account's code."""
    qs = JournalEntry.objects.prefetch_related(
        Prefetch("lines", JournalLine.objects.select_related("account").order_by("id"))
    )
    if contract is not None:
        qs = qs.filter(contract_id=contract)
    if customer is not None:
        qs = qs.filter(customer_id=customer)
    if account:
        qs = qs.filter(lines__account__code=account).distinct()
    return qs.order_by("date", "id")


# -- receipts (R16) ----------------------------------------------------------------------------

# Who reads receipts: finance and those who answer for it; the sales side reads its
# customers' receipts (R23) through the contract ledger.
RECEIPT_READERS = (
    "finance",
    "finance_vp",
    "general_manager",
    "sales_manager",
    "sales_head",
    "sales_clerk",
)


def open_contracts(*, customer_id: int) -> list[dict]:
    """The customer's active contracts with something left to collect (R16), oldest due first:
    each row `{"contract", "gross", "collected", "remaining", "delivered", "receivable",
    "first_due"}` — `remaining` = gross − collected (what an allocation may take),
    `receivable` = delivered − collected if above 0, `first_due` the due date of the oldest
    amount not yet covered by what is collected (None when nothing is delivered and unpaid).
    Two queries (contracts with ledgers, their dues) for any number of contracts."""
    contracts = list(
        Contract.objects.filter(customer_id=customer_id, status=ContractStatus.ACTIVE)
        .filter(ledger__collected__lt=F("gross_amount"))
        .select_related("ledger")
        .order_by("signed_on", "id")
    )
    dues: dict[int, list] = {}
    for due in ContractDue.objects.filter(contract__in=contracts).order_by("due_on", "id"):
        dues.setdefault(due.contract_id, []).append(due)
    rows = []
    for contract in contracts:
        ledger = contract.ledger
        covered, first_due = ledger.collected, None
        for due in dues.get(contract.pk, []):
            if covered < due.amount:
                first_due = due.due_on
                break
            covered -= due.amount
        rows.append(
            {
                "contract": contract,
                "gross": contract.gross_amount,
                "collected": ledger.collected,
                "remaining": contract.gross_amount - ledger.collected,
                "delivered": ledger.delivered,
                "receivable": max(ledger.delivered - ledger.collected, Decimal("0.00")),
                "first_due": first_due,
            }
        )
    rows.sort(key=lambda r: (r["first_due"] is None, r["first_due"] or datetime.date.max))
    return rows


def receipt_list(*, user) -> QuerySet[Receipt]:
    """Receipts `user` may see (R23), newest first, with customer and recorder joined."""
    return visible_to(Receipt.objects.select_related("customer", "created_by"), user).order_by(
        "-received_on", "-id"
    )


def receipt_get(*, user, receipt_id) -> Receipt:
    """One receipt with its allocations and their contracts; NotVisible past R23."""
    receipt = (
        receipt_list(user=user)
        .prefetch_related(
            Prefetch("allocations", Allocation.objects.select_related("contract").order_by("id"))
        )
        .filter(pk=id_of(receipt_id))
        .first()
    )
    if receipt is None:
        raise NotVisible()
    return receipt

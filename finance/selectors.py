"""Reads of the finance app (aging, the journal, commission and reconciliation figures): every
read a page, an endpoint or a report needs, with its joins, and R23 applied through
`core.permissions.visible_to`. Selectors never import services."""

import datetime
from decimal import Decimal

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from contracts.models import Contract, ContractDue, ContractStatus
from core.errors import NotVisible
from core.listing import apply_shared
from core.permissions import visible_to
from core.spreadsheets import Column, Kind, Sheet, field_column, person
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


def receipt_search(
    *,
    user,
    search: str = "",
    status: str = "",
    customer_id: int | None = None,
    customer_name: str = "",
    person: str = "",
    date_from=None,
    date_to=None,
) -> QuerySet[Receipt]:
    """The receipts list (R23): by number, reference or customer; status; customer; who
    recorded it; the date received."""
    qs = receipt_list(user=user)
    if search:
        qs = qs.filter(
            Q(number__icontains=search)
            | Q(reference__icontains=search)
            | Q(customer__name__icontains=search)
            | Q(bill_number__icontains=search)
        )
    if status:
        qs = qs.filter(status=status)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return apply_shared(
        qs,
        customer_name=customer_name,
        person=person,
        date_from=date_from,
        date_to=date_to,
        date_field="received_on",
    )


def receipt_sheet(receipts) -> Sheet:
    """The receipts list's export, one row per receipt."""
    columns = [
        field_column(Receipt, "number"),
        field_column(Receipt, "status"),
        field_column(Receipt, "customer"),
        field_column(Receipt, "received_on", Kind.DATE),
        field_column(Receipt, "method"),
        field_column(Receipt, "amount", Kind.AMOUNT),
        field_column(Receipt, "allocated", Kind.AMOUNT),
        Column(_("on account"), Kind.AMOUNT),
        field_column(Receipt, "reference"),
        field_column(Receipt, "bill_number"),
        field_column(Receipt, "bill_maturity", Kind.DATE),
        field_column(Receipt, "created_by"),
    ]
    rows = [
        [
            r.number,
            r.get_status_display(),
            r.customer.name,
            r.received_on,
            r.get_method_display(),
            r.amount,
            r.allocated,
            r.unallocated,
            r.reference,
            r.bill_number,
            r.bill_maturity,
            person(r.created_by),
        ]
        for r in receipts
    ]
    return Sheet(title=_("Receipts"), columns=columns, rows=rows, filename="receipts")


def receipts_to_allocate(*, user) -> QuerySet[Receipt]:
    """Posted receipts with money still on account (finance's home card)."""
    return receipt_list(user=user).filter(status="posted", allocated__lt=F("amount"))

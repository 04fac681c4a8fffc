"""Reads of the finance app (aging, the journal, commission and reconciliation figures): every
read a page, an endpoint or a report needs, with its joins, and R23 applied through
`core.permissions.visible_to`. Selectors never import services."""

import datetime
from decimal import Decimal

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Round
from django.utils.translation import gettext as _

from contracts.models import Contract, ContractDue, ContractLedger, ContractStatus
from core.errors import NotVisible
from core.history import document_transitions
from core.listing import apply_shared, list_totals
from core.money import money
from core.permissions import require_role, visible_to
from core.roles import Role
from core.spreadsheets import Column, Kind, Sheet, field_column, person, yes_no
from core.validation import id_of
from finance.models import (
    Allocation,
    BankStatement,
    BankStatementLine,
    BankStatementLineStatus,
    Invoice,
    InvoiceStatus,
    JournalEntry,
    JournalLine,
    PayerMapping,
    Receipt,
)
from finance.models.bank import IMPORTABLE, payer_key
from sales.models import Customer

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
    """The customer's active contracts with something left to collect (R16), oldest due first
    (`open_contracts_for`)."""
    found = open_contracts_for(customer_ids=[customer_id])
    return next(iter(found.values()), [])  # one customer, whatever type its id was given in


def open_contracts_for(*, customer_ids) -> dict[int, list[dict]]:
    """{customer id: its active contracts with something left to collect (R16), oldest due
    first}: each row `{"contract", "gross", "collected", "remaining", "delivered",
    "receivable", "first_due"}` — `remaining` = gross − collected (what an allocation may
    take), `receivable` = delivered − collected if above 0, `first_due` the due date of the
    oldest amount not yet covered by what is collected (None when nothing is delivered and
    unpaid: those come last, oldest signed first). Two queries (contracts with ledgers, their
    dues) for any number of customers and contracts."""
    contracts = list(
        Contract.objects.filter(customer_id__in=customer_ids, status=ContractStatus.ACTIVE)
        .filter(ledger__collected__lt=F("gross_amount"))
        .select_related("ledger")
        .order_by("signed_on", "id")
    )
    dues: dict[int, list] = {}
    for due in ContractDue.objects.filter(contract__in=contracts).order_by("due_on", "id"):
        dues.setdefault(due.contract_id, []).append(due)
    found: dict[int, list[dict]] = {}
    for contract in contracts:
        ledger = contract.ledger
        covered, first_due = ledger.collected, None
        for due in dues.get(contract.pk, []):
            if covered < due.amount:
                first_due = due.due_on
                break
            covered -= due.amount
        found.setdefault(contract.customer_id, []).append(
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
    for rows in found.values():
        rows.sort(key=lambda r: (r["first_due"] is None, r["first_due"] or datetime.date.max))
    return found


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


# --- invoices (R17) ------------------------------------------------------------------------------

# Who reads invoices: finance, who requests them, its VP, who approves them, the general manager,
# and sales, who answer to the customer for them (a clerk their own customers' only, R23).
INVOICE_READERS = (
    Role.FINANCE,
    Role.FINANCE_VP,
    Role.GENERAL_MANAGER,
    Role.SALES_CLERK,
    Role.SALES_MANAGER,
    Role.SALES_HEAD,
    Role.SALES_VP,
)


def invoice_list(
    *,
    user,
    search: str = "",
    status: str = "",
    contract: int | None = None,
    customer_id: int | None = None,
    customer_name: str = "",
    person: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    red: bool | None = None,
    fapiao: bool | None = None,
) -> QuerySet[Invoice]:
    """The invoices `user` may see (R23), newest first, with contract, customer, author and
    what a red invoice reverses joined; the shared filters (customer and requester by name,
    the dates requested) and its own (status, contract, red or not, fapiao recorded or not)."""
    qs = visible_to(
        Invoice.objects.select_related(
            "contract", "customer", "created_by", "reverses", "fapiao_recorded_by"
        ),
        user,
    )
    qs = apply_shared(
        qs, customer_name=customer_name, person=person, date_from=date_from, date_to=date_to
    )
    if search:
        qs = qs.filter(
            Q(number__icontains=search)
            | Q(fapiao_number__icontains=search)
            | Q(contract__number__icontains=search)
            | Q(customer__name__icontains=search)
        )
    if status:
        qs = qs.filter(status=status)
    if contract is not None:
        qs = qs.filter(contract_id=contract)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if red is not None:
        qs = qs.filter(reverses__isnull=not red)
    if fapiao is not None:
        qs = qs.exclude(fapiao_number="") if fapiao else qs.filter(fapiao_number="")
    return qs.order_by("-created_at", "-id")


def invoice_get(*, user, invoice_id: int) -> Invoice:
    invoice = invoice_list(user=user).filter(pk=invoice_id).first()
    if invoice is None:
        raise NotVisible()
    return invoice


def invoice_totals(invoices: QuerySet[Invoice]) -> dict:
    """The list's totals row: count and Σ amount, net and tax (red invoices negative)."""
    return list_totals(invoices, amount="amount", net="net_amount", tax="tax_amount")


def invoiced_in_approval(*, contract_id: int, exclude_id: int | None = None) -> Decimal:
    """Σ of the invoices of the contract waiting for the VP's approval (R17's `over_invoicing`
    counts them as already taken); red invoices in approval free nothing until issued."""
    qs = Invoice.objects.filter(
        contract_id=contract_id, status=InvoiceStatus.SUBMITTED, reverses__isnull=True
    )
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return money(qs.aggregate(total=Sum("amount"))["total"] or 0)


def invoice_figures(*, contract, ledger=None, exclude_id: int | None = None) -> dict:
    """R17 for one contract, the one computation the services decide by (under the ledger's
    lock) and the pages show: the threshold amount (gross × threshold, to the cent), what is
    collected and whether it reaches it, what is invoiced and in approval, what may still be
    invoiced (`room` = gross − invoiced − in approval) and the default amount of a new invoice
    (gross − invoiced, API.md)."""
    ledger = ledger if ledger is not None else contract.ledger
    gross = contract.gross_amount
    required = money(gross * contract.invoice_threshold)
    in_approval = invoiced_in_approval(contract_id=contract.pk, exclude_id=exclude_id)
    return {
        "gross": gross,
        "threshold": contract.invoice_threshold,
        "required": required,
        "collected": ledger.collected,
        "threshold_met": ledger.collected >= required,
        "invoiced": ledger.invoiced,
        "in_approval": in_approval,
        "room": money(gross - ledger.invoiced - in_approval),
        "default_amount": money(gross - ledger.invoiced),
    }


def contracts_to_invoice(*, user) -> QuerySet[Contract]:
    """Active contracts whose threshold is collected and whose gross is not all invoiced: the
    invoices finance has to request (its home card). One query, set-based."""
    return (
        visible_to(Contract.objects.select_related("customer", "ledger"), user)
        .filter(
            status=ContractStatus.ACTIVE,
            ledger__invoiced__lt=F("gross_amount"),
            ledger__collected__gte=Round(F("gross_amount") * F("invoice_threshold"), 2),
        )
        .order_by("-signed_on", "-id")
    )


def invoice_sheet(invoices) -> Sheet:
    """The invoice list's export: one row per invoice, amounts as numbers."""
    columns = [
        field_column(Invoice, "number"),
        field_column(Invoice, "status"),
        Column(_("Red invoice"), Kind.TEXT),
        field_column(Invoice, "reverses"),
        field_column(Invoice, "contract"),
        field_column(Customer, "code", label=_("customer code")),
        field_column(Invoice, "customer"),
        field_column(Invoice, "amount", Kind.AMOUNT),
        field_column(Invoice, "net_amount", Kind.AMOUNT),
        field_column(Invoice, "tax_amount", Kind.AMOUNT),
        field_column(Invoice, "issued_on", Kind.DATE),
        field_column(Invoice, "fapiao_number"),
        field_column(Invoice, "fapiao_date", Kind.DATE),
        field_column(Invoice, "created_by"),
        field_column(Invoice, "created_at", Kind.DATETIME),
    ]
    rows = [
        [
            i.display_number,
            i.get_status_display(),
            yes_no(i.is_red),
            i.reverses.display_number if i.reverses_id else "",
            i.contract.display_number,
            i.customer.code,
            i.customer.name,
            i.amount,
            i.net_amount,
            i.tax_amount,
            i.issued_on,
            i.fapiao_number,
            i.fapiao_date,
            person(i.created_by),
            i.created_at,
        ]
        for i in invoices
    ]
    return Sheet(_("Invoices"), "invoices", columns, rows)


def contract_ledger_invoice_moves(ledger, limit: int = 50) -> list[dict]:
    """The invoices that moved a contract ledger's `invoiced` (R17), for its history: an
    invoice issued adds its amount, a red invoice issued its negative amount; by whom and when,
    from the invoices' own history in one query."""
    label = ContractLedger._meta.get_field("invoiced").verbose_name
    return document_transitions(
        Invoice.history.filter(contract_id=ledger.pk),
        into={InvoiceStatus.ISSUED: (label, "amount")},
        limit=limit,
    )


# -- bank statements (issue 12 item 4) ---------------------------------------------------------

# Who reads imported statements; only finance uploads and confirms (finance.services.bank).
STATEMENT_READERS = ("finance", "finance_vp", "general_manager")


def bank_lines_imported(*, keys) -> set[tuple]:
    """The (date, amount, reference) among `keys` that a bank line already became a receipt
    for, from any statement. One query."""
    keys = {key for key in keys if key[0] is not None and key[1] is not None}
    if not keys:
        return set()
    rows = BankStatementLine.objects.filter(
        status=BankStatementLineStatus.IMPORTED,
        date__in={date for date, _a, _r in keys},
        amount__in={amount for _d, amount, _r in keys},
    ).values_list("date", "amount", "reference")
    return set(rows) & keys


def payer_customers(*, payers) -> dict[str, int]:
    """{payer_key(payer): customer id} for the payers that name one customer: a mapping finance
    confirmed before, else the one active customer of exactly that name, else the one whose
    name is the same once normalised (`payer_key`). Several customers of the name: no match.
    Three queries (the last reads the active customers' names, only when some payer is still
    unmatched)."""
    keys = {payer_key(payer): payer.strip() for payer in payers if payer_key(payer)}
    found = dict(PayerMapping.objects.filter(payer__in=keys).values_list("payer", "customer_id"))
    rest = {key: payer for key, payer in keys.items() if key not in found}
    if rest:
        by_name: dict[str, set[int]] = {}
        active = Customer.objects.filter(is_active=True)
        for name, pk in active.filter(name__in=rest.values()).values_list("name", "id"):
            by_name.setdefault(name, set()).add(pk)
        for key, payer in rest.items():
            if len(by_name.get(payer, ())) == 1:
                found[key] = next(iter(by_name[payer]))
    rest = {key for key in keys if key not in found}
    if rest:
        by_key: dict[str, set[int]] = {}
        for pk, name in active.values_list("id", "name").iterator():
            key = payer_key(name)
            if key in rest:
                by_key.setdefault(key, set()).add(pk)
        found.update({key: next(iter(ids)) for key, ids in by_key.items() if len(ids) == 1})
    return found


def bank_statement_list(*, user) -> QuerySet[BankStatement]:
    """Statements, newest first, with who uploaded them and their lines counted by status."""
    require_role(user, *STATEMENT_READERS)
    counts = {
        f"lines_{status}": Count("lines", filter=Q(lines__status=status))
        for status in BankStatementLineStatus.values
    }
    return (
        BankStatement.objects.select_related("uploaded_by")
        .annotate(lines_total=Count("lines"), **counts)
        .order_by("-uploaded_at", "-id")
    )


def bank_statement_get(*, user, statement_id) -> BankStatement:
    """One statement with its lines (customer, receipt joined), in row order; each line's
    `shown_status` is its status, or `duplicate` for a line still to confirm whose date, amount
    and reference another statement's line has become a receipt for meanwhile. Three queries."""
    require_role(user, *STATEMENT_READERS)
    statement = (
        BankStatement.objects.select_related("uploaded_by")
        .prefetch_related(
            Prefetch(
                "lines",
                BankStatementLine.objects.select_related("customer", "receipt").order_by("row"),
            )
        )
        .filter(pk=id_of(statement_id))
        .first()
    )
    if statement is None:
        raise NotVisible()
    lines = list(statement.lines.all())
    waiting = [line for line in lines if line.status in IMPORTABLE]
    imported = bank_lines_imported(keys={(ln.date, ln.amount, ln.reference) for ln in waiting})
    for line in lines:
        key = (line.date, line.amount, line.reference)
        taken = line.status in IMPORTABLE and key in imported
        line.shown_status = BankStatementLineStatus.DUPLICATE if taken else line.status
    return statement


def bank_line_proposals(lines, *, customers: dict | None = None) -> dict[int, list[dict]]:
    """{line pk: the open contracts of its customer, oldest due first (`open_contracts_for`),
    each with `suggested`: the line's amount spread over them in that order} for the lines
    still to confirm. `customers` {line pk: customer id} overrides the customer a line is
    matched to (the one finance chose on the page). Lines of one customer share what the
    contracts have left: an earlier row's suggestion is not suggested again for a later one."""
    customers = customers or {}
    waiting = {
        line.pk: (line, customers.get(line.pk, line.customer_id))
        for line in lines
        if getattr(line, "shown_status", line.status) in IMPORTABLE
    }
    waiting = {pk: pair for pk, pair in waiting.items() if pair[1]}
    contracts = open_contracts_for(customer_ids={customer for _l, customer in waiting.values()})
    left = {row["contract"].pk: row["remaining"] for rows in contracts.values() for row in rows}
    proposals = {}
    for line, customer in sorted(waiting.values(), key=lambda pair: pair[0].row):
        money_left, rows = line.amount, []
        for row in contracts.get(customer, []):
            take = max(min(left[row["contract"].pk], money_left), Decimal("0.00"))
            left[row["contract"].pk] -= take
            money_left -= take
            rows.append({**row, "suggested": take})
        proposals[line.pk] = rows
    return proposals


def customer_choices(*, including=()) -> list[tuple[int, str]]:
    """The active customers, and those `including` names (the lines' matches), as a select's
    choices (code and name), by name: one query, read once for every line of a page."""
    return [
        (pk, f"{code} {name}")
        for pk, code, name in Customer.objects.filter(Q(is_active=True) | Q(pk__in=including))
        .order_by("name", "code")
        .values_list("pk", "code", "name")
    ]

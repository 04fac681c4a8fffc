"""Reads of the finance app (aging, the journal, commission and reconciliation figures): every
read a page, an endpoint or a report needs, with its joins, and R23 applied through
`core.permissions.visible_to`. Selectors never import services."""

import calendar
import datetime
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, connections, router, transaction
from django.db.models import (
    Case,
    Count,
    F,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
    prefetch_related_objects,
)
from django.db.models.expressions import RowRange
from django.db.models.functions import Round, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from contracts.models import Contract, ContractDue, ContractLedger, ContractStatus
from core.db import reporting
from core.errors import InvalidInput, NotVisible, PermissionRefused
from core.fields import AmountField
from core.history import document_transitions
from core.listing import apply_shared, by_person_name, list_totals
from core.money import money
from core.periods import period_of
from core.permissions import require_role, sees_all_customers, visible_to
from core.roles import Role
from core.spreadsheets import Column, Kind, Sheet, field_column, person, yes_no
from core.validation import id_of
from finance import commission, interest
from finance.commission import period_add
from finance.models import (
    FROZEN_STATUSES,
    LITIGATION_DAYS,
    Account,
    Allocation,
    BankStatement,
    BankStatementLine,
    BankStatementLineStatus,
    CommissionSlip,
    CommissionSlipLine,
    CommissionSlipStatus,
    InterestPosting,
    Invoice,
    InvoiceStatus,
    JournalEntry,
    JournalLine,
    LitigationCase,
    LitigationStatus,
    PayerMapping,
    Receipt,
    ReceiptStatus,
)
from finance.models.bank import IMPORTABLE, payer_key
from sales.models import Customer
from sales.selectors import customer_get

ZERO = Decimal("0.00")

# Who reads the journal: finance and those who answer for it.
JOURNAL_READERS = ("finance", "finance_vp", "general_manager")
# Who reads a customer's statement of account: whoever sees customers — a clerk only their own
# customers' (R23, checked by `customer_get`), the other roles every customer's.
CUSTOMER_STATEMENT_READERS = (
    Role.SALES_CLERK,
    Role.SALES_MANAGER,
    Role.SALES_HEAD,
    Role.SALES_VP,
    Role.GENERAL_MANAGER,
    Role.FINANCE,
    Role.FINANCE_VP,
    Role.CREDIT_CONTROLLER,
    Role.MARKETING_DIRECTOR,
)
RECEIVABLE = "1122"
INTEREST_INCOME = "6603"


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


@reporting()
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


@reporting()
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


# --- the journal page: lines with running balances ----------------------------------------------


@dataclass
class JournalLedger:
    """What the journal page shows: the lines (a queryset, annotated with `running` when a
    balance is kept), the account whose balance runs (`""`: none), and the balance before the
    first line (everything of the same filters dated before `date_from`)."""

    lines: QuerySet[JournalLine]
    balance_account: str
    opening: Decimal


def journal_ledger(
    *,
    account: str = "",
    contract_id: int | None = None,
    contract_number: str = "",
    customer_id: int | None = None,
    customer_name: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    search: str = "",
) -> JournalLedger:
    """Journal lines in posting order (date, entry, line), each with its entry, account,
    contract and customer joined. The balance that runs beside them is the account's when one
    is chosen, else the receivable's (1122) when a contract or a customer is chosen; it is
    Σ debit − credit of that account over the filtered lines up to each line (a window, one
    query) plus the opening balance. A search in memo or source number shows the matching
    lines without a balance: a sum over some of an account's lines balances nothing."""
    lines = JournalLine.objects.select_related("entry", "account", "contract", "customer")
    if account:
        lines = lines.filter(account__code=account)
    if contract_id is not None:
        lines = lines.filter(contract_id=contract_id)
    if contract_number:
        lines = lines.filter(contract__number__iexact=contract_number)
    if customer_id is not None:
        lines = lines.filter(customer_id=customer_id)
    if customer_name:
        lines = lines.filter(customer__name__icontains=customer_name)
    if search:
        lines = lines.filter(
            Q(entry__memo__icontains=search) | Q(entry__source_number__icontains=search)
        )
    balance_account = (
        ""
        if search
        else account
        or (RECEIVABLE if (contract_id or contract_number or customer_id or customer_name) else "")
    )
    opening = ZERO
    if balance_account and date_from:
        sums = (
            lines.filter(account__code=balance_account, entry__date__lt=date_from)
            .order_by()
            .aggregate(debit=Sum("debit"), credit=Sum("credit"))
        )
        opening = money((sums["debit"] or 0) - (sums["credit"] or 0))
    if date_from:
        lines = lines.filter(entry__date__gte=date_from)
    if date_to:
        lines = lines.filter(entry__date__lte=date_to)
    order = [F("entry__date").asc(), F("entry_id").asc(), F("id").asc()]
    if balance_account:
        movement = Case(
            When(account__code=balance_account, then=F("debit") - F("credit")),
            default=Value(ZERO),
            output_field=AmountField(),
        )
        lines = lines.annotate(
            running=Window(Sum(movement), order_by=order, frame=RowRange(start=None, end=0))
        )
    return JournalLedger(
        lines=lines.order_by(*order), balance_account=balance_account, opening=opening
    )


def journal_rows(ledger: JournalLedger, lines: Iterable[JournalLine]) -> list[dict]:
    """The page's (or the export's) rows of `lines`, each with its balance to the cent."""
    rows = []
    for line in lines:
        running = getattr(line, "running", None)
        rows.append(
            {
                "line": line,
                "balance": money(ledger.opening + running) if running is not None else None,
            }
        )
    return rows


def journal_totals(ledger: JournalLedger) -> dict:
    """Σ debit and Σ credit of the filtered lines (one aggregate), and the closing balance."""
    sums = ledger.lines.order_by().aggregate(debit=Sum("debit"), credit=Sum("credit"))
    totals = {"debit": money(sums["debit"] or 0), "credit": money(sums["credit"] or 0)}
    if ledger.balance_account:
        moved = ledger.lines.filter(account__code=ledger.balance_account).order_by()
        kept = moved.aggregate(debit=Sum("debit"), credit=Sum("credit"))
        totals["closing"] = money(ledger.opening + (kept["debit"] or 0) - (kept["credit"] or 0))
    return totals


def journal_sheet(ledger: JournalLedger):
    """The filtered journal lines as a spreadsheet, with the running balance when one runs."""
    columns = [
        Column(_("Date"), Kind.DATE),
        Column(_("Entry"), Kind.INTEGER),
        Column(_("Memo")),
        Column(_("Source document")),
        Column(_("Contract")),
        Column(_("Customer")),
        Column(_("Account")),
        Column(_("Account name")),
        Column(pgettext("accounting", "Debit"), Kind.AMOUNT),
        Column(pgettext("accounting", "Credit"), Kind.AMOUNT),
    ]
    if ledger.balance_account:
        columns.append(Column(_("Balance"), Kind.BALANCE))
    rows = []
    for row in journal_rows(ledger, ledger.lines):
        line = row["line"]
        values = [
            line.entry.date,
            line.entry_id,
            line.entry.memo,
            line.entry.source_number,
            line.contract.number if line.contract else "",
            line.customer.name if line.customer else "",
            line.account.code,
            line.account.name,
            line.debit,
            line.credit,
        ]
        if ledger.balance_account:
            values.append(row["balance"])
        rows.append(values)
    return Sheet(title=_("Journal"), filename="journal", columns=columns, rows=rows)


# --- the trial balance --------------------------------------------------------------------------

PERIOD_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def period_bounds(period: str, *, field: str = "period") -> tuple[datetime.date, datetime.date]:
    """The first and last day of a month written YYYY-MM; anything else is a 400 naming
    `field`."""
    match = PERIOD_PATTERN.match(period or "")
    if not match or int(match.group(1)) < 1900:
        raise InvalidInput(errors={field: [_("Enter a month as YYYY-MM, e.g. 2025-03.")]})
    year, month = int(match.group(1)), int(match.group(2))
    return (
        datetime.date(year, month, 1),
        datetime.date(year, month, calendar.monthrange(year, month)[1]),
    )


@reporting()
def trial_balance(*, period: str) -> dict:
    """试算平衡表 of a month (API.md `reports/trial-balance/?period=`): every account of the
    chart with its opening balance (Σ before the month's first day), the month's debits and
    credits, and its closing balance — in one aggregate query over the journal.

    Sign convention: opening and closing are debit-minus-credit balances, so an asset's usual
    balance is positive and a liability's or revenue's negative; Σ opening = Σ closing = 0 and
    Σ debit = Σ credit, because every entry balances. Sub-accounts (222102) are shown as
    posted, not rolled up into their parent."""
    first, last = period_bounds(period)
    before = Q(lines__entry__date__lt=first)
    within = Q(lines__entry__date__gte=first, lines__entry__date__lte=last)
    accounts = Account.objects.annotate(
        before_debit=Sum("lines__debit", filter=before),
        before_credit=Sum("lines__credit", filter=before),
        month_debit=Sum("lines__debit", filter=within),
        month_credit=Sum("lines__credit", filter=within),
    ).order_by("code")
    rows = []
    for account in accounts:
        opening = money((account.before_debit or 0) - (account.before_credit or 0))
        debit, credit = money(account.month_debit or 0), money(account.month_credit or 0)
        rows.append(
            {
                "account": account.code,
                "name": account.name,
                "opening": opening,
                "debit": debit,
                "credit": credit,
                "closing": money(opening + debit - credit),
            }
        )
    totals = {
        key: money(sum((row[key] for row in rows), ZERO))
        for key in ("opening", "debit", "credit", "closing")
    }
    return {"period": f"{first:%Y-%m}", "accounts": rows, "totals": totals}


def trial_balance_sheet(balance: dict):
    columns = [
        Column(_("Account")),
        Column(_("Account name")),
        Column(_("Opening balance"), Kind.AMOUNT),
        Column(pgettext("accounting", "Debit"), Kind.AMOUNT),
        Column(pgettext("accounting", "Credit"), Kind.AMOUNT),
        Column(_("Closing balance"), Kind.AMOUNT),
    ]
    rows = [
        [r["account"], r["name"], r["opening"], r["debit"], r["credit"], r["closing"]]
        for r in balance["accounts"]
    ]
    return Sheet(
        title=_("Trial balance %(period)s") % {"period": balance["period"]},
        filename=f"trial-balance-{balance['period']}",
        columns=columns,
        rows=rows,
    )


# --- the statement of account (对账单) ---------------------------------------------------------

STATEMENT_KINDS = {
    "delivery": gettext_lazy("Delivery"),
    "interest": gettext_lazy("Interest"),
    "invoice": gettext_lazy("Invoice"),
    "receipt": gettext_lazy("Receipt"),
}


@dataclass(frozen=True)
class StatementSource:
    """Where lines of a statement come from (`STATEMENT_SOURCES`): `lines(customer_id, start,
    end)` gives dicts {"date", "kind", "document", "debit", "credit", "sort"} dated from
    `start` to `end`, and `before(customer_id, day)` the net debit − credit of those dated
    before `day` (for the opening balance), each in a query or two whatever the history."""

    kind: str
    lines: Callable[[int, datetime.date, datetime.date], Iterable[dict]]
    before: Callable[[int, datetime.date], Decimal]


def _delivery_amount():
    """A signed delivery's gross is its entry's debit on the receivable; a reversal of one
    counts as the negative of its credit there. The advance applied at a delivery (Dr 2203 /
    Cr 1122, `delivery_advance_apply`) is no line of the statement: the receipt that paid it
    is the customer's credit."""
    return Sum(
        Case(
            When(entry__reverses__isnull=True, then=F("debit")),
            default=-F("credit"),
            output_field=AmountField(),
        )
    )


def _journal_lines(customer_id: int, *, account: str, source_type: str):
    return JournalLine.objects.filter(
        customer_id=customer_id, account__code=account, entry__source_type=source_type
    ).order_by()


def _delivery_lines(customer_id):
    """The receivable's lines of signed deliveries: an original entry's debit, a reversal's
    credit — not the advance applied at the delivery (its own entry, Cr 1122 only)."""
    return _journal_lines(customer_id, account=RECEIVABLE, source_type="shipping_notice").filter(
        Q(entry__reverses__isnull=True, debit__gt=0)
        | Q(entry__reverses__isnull=False, credit__gt=0)
    )


def _deliveries(customer_id, start, end):
    rows = (
        _delivery_lines(customer_id)
        .filter(entry__date__gte=start, entry__date__lte=end)
        .values("entry_id", "entry__date", "entry__source_number")
        .annotate(amount=_delivery_amount())
    )
    for row in rows:
        yield {
            "date": row["entry__date"],
            "kind": "delivery",
            "document": row["entry__source_number"],
            "debit": money(row["amount"] or 0),
            "credit": ZERO,
            "sort": row["entry_id"],
        }


def _deliveries_before(customer_id, day):
    sums = (
        _delivery_lines(customer_id)
        .filter(entry__date__lt=day)
        .aggregate(amount=_delivery_amount())
    )
    return money(sums["amount"] or 0)


def _interest_lines(customer_id):
    return _journal_lines(customer_id, account=INTEREST_INCOME, source_type="interest")


def _interest(customer_id, start, end):
    rows = (
        _interest_lines(customer_id)
        .filter(entry__date__gte=start, entry__date__lte=end)
        .values("entry_id", "entry__date", "entry__source_number", "entry__memo")
        .annotate(credit=Sum("credit"), debit=Sum("debit"))
    )
    for row in rows:
        yield {
            "date": row["entry__date"],
            "kind": "interest",
            "document": row["entry__source_number"] or row["entry__memo"],
            # Interest income credited to 6603 is the customer's debit; a reversal negative.
            "debit": money((row["credit"] or 0) - (row["debit"] or 0)),
            "credit": ZERO,
            "sort": row["entry_id"],
        }


def _interest_before(customer_id, day):
    sums = (
        _interest_lines(customer_id)
        .filter(entry__date__lt=day)
        .aggregate(credit=Sum("credit"), debit=Sum("debit"))
    )
    return money((sums["credit"] or 0) - (sums["debit"] or 0))


def _posted_receipts(customer_id):
    # A reversed receipt counts nowhere (API.md), not even before the period.
    return Receipt.objects.filter(customer_id=customer_id, status=ReceiptStatus.POSTED).order_by()


def _receipts(customer_id, start, end):
    rows = _posted_receipts(customer_id).filter(received_on__gte=start, received_on__lte=end)
    for receipt in rows.values("id", "number", "received_on", "amount"):
        yield {
            "date": receipt["received_on"],
            "kind": "receipt",
            "document": receipt["number"],
            "debit": ZERO,
            "credit": money(receipt["amount"]),
            "sort": receipt["id"],
        }


def _receipts_before(customer_id, day):
    total = _posted_receipts(customer_id).filter(received_on__lt=day).aggregate(s=Sum("amount"))
    return -money(total["s"] or 0)


def _invoices(customer_id, start, end):
    """Invoices issued in the period, red ones too (a reversed original stays listed: it was
    issued): listed 0/0 — they move no balance, the receivable arises at the signed delivery
    (DESIGN §4) — with the amount in the document column for the customer to tick off."""
    rows = Invoice.objects.filter(
        customer_id=customer_id,
        issued_on__gte=start,
        issued_on__lte=end,
        status__in=(InvoiceStatus.ISSUED, InvoiceStatus.REVERSED),
    ).order_by()
    for invoice in rows.values("id", "number", "issued_on", "amount", "fapiao_number"):
        fapiao = f" / {invoice['fapiao_number']}" if invoice["fapiao_number"] else ""
        yield {
            "date": invoice["issued_on"],
            "kind": "invoice",
            "document": f"{invoice['number']}{fapiao} ({invoice['amount']:,.2f})",
            "debit": ZERO,
            "credit": ZERO,
            "sort": invoice["id"],
        }


def _invoices_before(customer_id, day):
    return ZERO


# The statement's line sources, in the order a day's lines are shown; more may be registered
# with `register_statement_source`.
STATEMENT_SOURCES: list[StatementSource] = [
    StatementSource("delivery", _deliveries, _deliveries_before),
    StatementSource("interest", _interest, _interest_before),
    StatementSource("invoice", _invoices, _invoices_before),
    StatementSource("receipt", _receipts, _receipts_before),
]


def register_statement_source(source: StatementSource, *, before_kind: str = "receipt") -> None:
    """Add a source of statement lines (registering a kind again replaces it); its lines are
    shown before `before_kind`'s on the same day."""
    STATEMENT_SOURCES[:] = [s for s in STATEMENT_SOURCES if s.kind != source.kind]
    kinds = [s.kind for s in STATEMENT_SOURCES]
    at = kinds.index(before_kind) if before_kind in kinds else len(kinds)
    STATEMENT_SOURCES.insert(at, source)


@reporting()
def customer_statement(
    *, user, customer_id: int, date_from: datetime.date, date_to: datetime.date
) -> dict:
    """对账单 of a customer from `date_from` to `date_to` (API.md `customers/{id}/statement/`):
    the opening balance (everything before `date_from`), the lines in date order — debit:
    signed deliveries (gross) and posted interest; credit: posted receipts; invoices 0/0 —
    each with the balance after it, and the closing balance = opening + Σ debit − Σ credit.
    A positive balance is what the customer owes, a negative one an advance it has paid.
    R23: a clerk reads only their own customers' statements (404 otherwise)."""
    require_role(user, *CUSTOMER_STATEMENT_READERS)
    customer = customer_get(user=user, customer_id=customer_id)
    if date_to < date_from:
        raise InvalidInput(errors={"to": [_("The end date is before the start date.")]})
    opening = money(sum((s.before(customer.pk, date_from) for s in STATEMENT_SOURCES), ZERO))
    order = {source.kind: index for index, source in enumerate(STATEMENT_SOURCES)}
    lines = sorted(
        (
            line
            for source in STATEMENT_SOURCES
            for line in source.lines(customer.pk, date_from, date_to)
        ),
        key=lambda line: (line["date"], order[line["kind"]], line["sort"]),
    )
    balance = opening
    debit = credit = ZERO
    shown = []
    for line in lines:
        balance += line["debit"] - line["credit"]
        debit += line["debit"]
        credit += line["credit"]
        shown.append(
            {
                "date": line["date"],
                "kind": line["kind"],
                "kind_label": STATEMENT_KINDS.get(line["kind"], line["kind"]),
                "document": line["document"],
                "debit": line["debit"],
                "credit": line["credit"],
                "balance": money(balance),
            }
        )
    return {
        "customer": customer,
        "from": date_from,
        "to": date_to,
        "opening_balance": opening,
        "lines": shown,
        "debit": money(debit),
        "credit": money(credit),
        "closing_balance": money(balance),
    }


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


# -- overdue interest (R18) ---------------------------------------------------------------------


def interest_inputs(*, contract_id: int) -> tuple[list, list]:
    """(dues, allocations) of a contract as `finance.interest` takes them: [(due_on, amount)]
    and the live allocations [(allocated_on, amount)] — not reversed, of a posted receipt."""
    dues = list(
        ContractDue.objects.filter(contract_id=contract_id)
        .order_by("due_on", "id")
        .values_list("due_on", "amount")
    )
    allocations = list(
        Allocation.objects.filter(
            contract_id=contract_id, reversed=False, receipt__status=ReceiptStatus.POSTED
        )
        .order_by("allocated_on", "id")
        .values_list("allocated_on", "amount")
    )
    return dues, allocations


def contract_interest_by_month(
    *, contract_id: int, end: datetime.date, rate_daily: Decimal | None = None
) -> dict[str, Decimal]:
    """Interest of a contract for every day up to `end`, per month (`YYYY-MM` → amount, each
    month rounded once; months without interest left out) — posted or not."""
    if rate_daily is None:
        rate_daily = Contract.objects.values_list("interest_rate_daily", flat=True).get(
            pk=contract_id
        )
    dues, allocations = interest_inputs(contract_id=contract_id)
    start = interest.first_overdue_day(dues)
    if start is None or start > end:
        return {}
    return interest.interest_by_month(
        dues=dues, allocations=allocations, rate_daily=rate_daily, start=start, end=end
    )


def contract_interest_for_period(*, contract_id: int, period: str) -> Decimal:
    """The interest of one whole month (R18: what the monthly posting posts; R19's offset)."""
    _first, last = interest.month_bounds(period)
    by_month = contract_interest_by_month(contract_id=contract_id, end=last)
    return by_month.get(period, Decimal("0.00"))


def contract_interest_accrued(*, contract_id: int, as_of: datetime.date | None = None) -> Decimal:
    """R18 `interest_accrued`, live: the interest of every day up to `as_of` (default today)
    in the months not yet posted. Three queries."""
    as_of = as_of or timezone.localdate()
    by_month = contract_interest_by_month(contract_id=contract_id, end=as_of)
    if not by_month:
        return Decimal("0.00")
    posted = set(
        InterestPosting.objects.filter(contract_id=contract_id).values_list("period", flat=True)
    )
    return money(sum((v for k, v in by_month.items() if k not in posted), Decimal("0")))


def interest_contracts_to_post(*, period: str) -> list[int]:
    """Contracts that may have interest in `period` — a due past its date before the month's
    last day — and no posting for it yet, in id order."""
    _first, last = interest.month_bounds(period)
    return list(
        Contract.objects.filter(dues__due_on__lt=last)
        .exclude(interest_postings__period=period)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )


def interest_postings(
    *, user, contract: int | None = None, period: str = ""
) -> QuerySet[InterestPosting]:
    """Posted interest, newest month first, with contract and customer joined (R23)."""
    qs = visible_to(
        InterestPosting.objects.select_related("contract", "contract__customer", "posted_by"),
        user,
        owner="contract__customer__owner",
    )
    if contract is not None:
        qs = qs.filter(contract_id=contract)
    if period:
        qs = qs.filter(period=period)
    return qs.order_by("-period", "contract_id")


# -- commission (R19) ---------------------------------------------------------------------------

# Who reads commission slips: the salespeople (a clerk only their own, R23), sales management,
# finance and those who approve them (finance/models/chains.py).
COMMISSION_READERS = (
    Role.SALES_CLERK,
    Role.SALES_MANAGER,
    Role.SALES_HEAD,
    Role.SALES_VP,
    Role.GENERAL_MANAGER,
    Role.FINANCE,
    Role.FINANCE_VP,
)
# Who reads the department's accrual (部门提成): the readers who see every salesperson.
COMMISSION_DEPARTMENT_READERS = tuple(r for r in COMMISSION_READERS if r != Role.SALES_CLERK)
# Where collected money lands per contract (DESIGN §4): the receivable and the contract's advance.
COMMISSION_ACCOUNTS = (RECEIVABLE, "2203")
DEPARTMENT = 0  # the key of the whole sales department in the grouped figures


def commission_period(period, *, field: str = "period") -> str:
    """A month `YYYY-MM` no later than the current one (R20: the current month gives the
    figures so far); anything else is a 400 naming `field`."""
    first, _last = period_bounds(period if isinstance(period, str) else "", field=field)
    if first > timezone.localdate():
        raise InvalidInput(errors={field: [_("Choose a month no later than the current one.")]})
    return period


@dataclass
class CommissionActivity:
    """What the commission of some salespeople is computed from, per key (a salesperson, or
    `DEPARTMENT`): money collected per month and contract, interest per month and contract, and
    each contract's rate and number."""

    collected: dict
    interest: dict
    rates: dict
    numbers: dict


def commission_activity(
    *,
    first: datetime.date,
    end: datetime.date,
    salesperson_ids: Iterable[int] | None = None,
    department: bool = False,
) -> CommissionActivity:
    """R19's inputs from `first` to `end`, set-based (four queries whatever the number of
    salespeople): collected = Σ(credit − debit) of the journal lines on 1122 and 2203 that
    carry a contract, of entries from receipts (source_type "receipt": recorded, allocated,
    reversed), by the entry's month — money left on account carries no contract and earns
    nothing; interest = R18's interest of each month (the current one up to `end`) on the
    contracts with a due before `end`."""
    ids = None if salesperson_ids is None else list(salesperson_ids)
    lines = JournalLine.objects.filter(
        account__code__in=COMMISSION_ACCOUNTS,
        entry__source_type="receipt",
        entry__date__gte=first,
        entry__date__lte=end,
        contract__isnull=False,
    )
    dues = ContractDue.objects.filter(due_on__lt=end)
    if ids is not None:
        lines = lines.filter(contract__salesperson_id__in=ids)
        dues = dues.filter(contract__salesperson_id__in=ids)
    grouped = (
        lines.annotate(month=TruncMonth("entry__date"))
        .values("contract__salesperson_id", "contract_id", "month")
        .annotate(amount=Sum(F("credit") - F("debit")))
        .order_by()
    )
    collected: dict = {}
    contract_ids = set()
    for row in grouped:
        key = DEPARTMENT if department else row["contract__salesperson_id"]
        month = row["month"]
        period = f"{month.year:04d}-{month.month:02d}"
        per_contract = collected.setdefault(key, {}).setdefault(period, {})
        per_contract[row["contract_id"]] = per_contract.get(row["contract_id"], ZERO) + money(
            row["amount"] or 0
        )
        contract_ids.add(row["contract_id"])
    due_rows: dict[int, list] = {}
    for contract_id, due_on, amount in dues.order_by("due_on", "id").values_list(
        "contract_id", "due_on", "amount"
    ):
        due_rows.setdefault(contract_id, []).append((due_on, amount))
    contract_ids |= set(due_rows)
    contracts = {
        pk: (salesperson_id, number or "", rate, rate_daily)
        for pk, salesperson_id, number, rate, rate_daily in Contract.objects.filter(
            pk__in=contract_ids
        ).values_list("pk", "salesperson_id", "number", "commission_rate", "interest_rate_daily")
    }
    allocation_rows: dict[int, list] = {}
    if due_rows:
        allocations = Allocation.objects.filter(
            contract_id__in=list(due_rows),
            reversed=False,
            receipt__status=ReceiptStatus.POSTED,
            allocated_on__lte=end,
        )
        for contract_id, day, amount in allocations.order_by("allocated_on", "id").values_list(
            "contract_id", "allocated_on", "amount"
        ):
            allocation_rows.setdefault(contract_id, []).append((day, amount))
    interest_by: dict = {}
    for contract_id, rows in due_rows.items():
        salesperson_id, _number, _rate, rate_daily = contracts[contract_id]
        start = interest.first_overdue_day(rows)
        if start is None or start > end:
            continue
        by_month = interest.interest_by_month(
            dues=rows,
            allocations=allocation_rows.get(contract_id, []),
            rate_daily=rate_daily,
            start=max(start, first),
            end=end,
        )
        key = DEPARTMENT if department else salesperson_id
        for period, amount in by_month.items():
            per_contract = interest_by.setdefault(key, {}).setdefault(period, {})
            per_contract[contract_id] = amount
    return CommissionActivity(
        collected=collected,
        interest=interest_by,
        rates={pk: c[2] for pk, c in contracts.items()},
        numbers={pk: c[1] for pk, c in contracts.items()},
    )


def _commission_window(period: str) -> tuple[datetime.date, datetime.date]:
    """The days the carry chain of `period` may look at: from `CARRY_MONTHS` before it to its
    last day, or today in the current month (the figures so far)."""
    first, _l = period_bounds(period_add(period, -commission.CARRY_MONTHS))
    _f, last = period_bounds(period)
    return first, min(last, timezone.localdate())


def commission_figures(
    *, period: str, salesperson_ids: Iterable[int] | None = None
) -> dict[int, commission.CommissionFigures]:
    """R19's figures of `period`, computed live, per salesperson: those given, or (None) every
    salesperson with activity in the month — money collected or interest accrued on their
    contracts. The carry starts after each one's latest frozen slip (its stored
    `carried_out`), else from the first month with activity. Five queries in all."""
    first, end = _commission_window(period)
    ids = None if salesperson_ids is None else list(salesperson_ids)
    activity = commission_activity(first=first, end=end, salesperson_ids=ids)
    frozen = CommissionSlip.objects.filter(
        status__in=FROZEN_STATUSES, period__lt=period, period__gte=period_of(first)
    )
    if ids is not None:
        frozen = frozen.filter(salesperson_id__in=ids)
    anchors: dict[int, tuple[str, Decimal]] = {}
    for salesperson_id, slip_period, carried_out in frozen.order_by(
        "salesperson_id", "-period"
    ).values_list("salesperson_id", "period", "carried_out"):
        anchors.setdefault(salesperson_id, (slip_period, carried_out))
    if ids is None:
        ids = sorted(
            key
            for key in set(activity.collected) | set(activity.interest)
            if period in activity.collected.get(key, {}) or period in activity.interest.get(key, {})
        )
    result = {}
    for salesperson_id in ids:
        figures = commission.walk(
            target=period,
            collected=activity.collected.get(salesperson_id, {}),
            interest=activity.interest.get(salesperson_id, {}),
            rates=activity.rates,
            numbers=activity.numbers,
            anchor=anchors.get(salesperson_id),
        )[period]
        if salesperson_ids is None and not figures.lines:
            continue
        result[salesperson_id] = figures
    return result


def commission_figures_by_period(
    wanted: Mapping[str, Iterable[int]],
) -> dict[str, dict[int, commission.CommissionFigures]]:
    """`commission_figures` of several months at once — {period: salesperson ids} to {period:
    {salesperson id: figures}} — from one read of the activity over all their windows and one
    of the frozen slips (five queries whatever the number of months, so a list of drafts from
    many months costs what one month costs); each month's carry walks from its own anchor.
    The walk reads no month after its target, so the wider window changes no figure."""
    wanted = {period: list(ids) for period, ids in wanted.items() if ids}
    if len(wanted) <= 1:
        return {
            period: commission_figures(period=period, salesperson_ids=ids)
            for period, ids in wanted.items()
        }
    windows = {period: _commission_window(period) for period in wanted}
    first = min(window[0] for window in windows.values())
    end = max(window[1] for window in windows.values())
    everyone = sorted({pk for ids in wanted.values() for pk in ids})
    activity = commission_activity(first=first, end=end, salesperson_ids=everyone)
    frozen: dict[int, list[tuple[str, Decimal]]] = {}
    for salesperson_id, slip_period, carried_out in (
        CommissionSlip.objects.filter(
            status__in=FROZEN_STATUSES,
            period__lt=max(wanted),
            period__gte=period_of(first),
            salesperson_id__in=everyone,
        )
        .order_by("salesperson_id", "-period")
        .values_list("salesperson_id", "period", "carried_out")
    ):
        frozen.setdefault(salesperson_id, []).append((slip_period, carried_out))
    result: dict[str, dict[int, commission.CommissionFigures]] = {}
    for period, ids in wanted.items():
        floor = period_of(windows[period][0])
        result[period] = {}
        for salesperson_id in ids:
            anchor = next(
                (
                    (slip_period, carried_out)
                    for slip_period, carried_out in frozen.get(salesperson_id, ())
                    if floor <= slip_period < period
                ),
                None,
            )
            result[period][salesperson_id] = commission.walk(
                target=period,
                collected=activity.collected.get(salesperson_id, {}),
                interest=activity.interest.get(salesperson_id, {}),
                rates=activity.rates,
                numbers=activity.numbers,
                anchor=anchor,
            )[period]
    return result


def commission_live(*, salesperson, period: str | None = None) -> commission.CommissionFigures:
    """A salesperson's live figure of a month (default: the current one, so far)."""
    period = period or period_of(timezone.localdate())
    salesperson_id = getattr(salesperson, "pk", salesperson)
    return commission_figures(period=period, salesperson_ids=[salesperson_id])[salesperson_id]


def commission_live_for(*, user, salesperson=None, period=None) -> commission.CommissionFigures:
    """The live figure `user` asks for (R19, R23): their own by default; another
    salesperson's only for a role that sees every customer (a clerk is refused)."""
    from django.contrib.auth import get_user_model

    require_role(user, *COMMISSION_READERS)
    period = commission_period(period or period_of(timezone.localdate()))
    if salesperson in (None, ""):
        person = user
    else:
        key = str(salesperson).strip()
        people = get_user_model().objects
        person = (
            people.filter(pk=int(key)) if key.isdigit() else people.filter(username=key)
        ).first()
        if person is None:
            raise InvalidInput(errors={"salesperson": [_("Unknown salesperson.")]})
    if person.pk != user.pk and not sees_all_customers(user):
        raise PermissionRefused(
            detail=_("A sales clerk sees only their own commission."),
            errors={"salesperson": [_("You can only see your own commission.")]},
        )
    figures = commission_live(salesperson=person, period=period)
    figures.salesperson = person.username
    return figures


@reporting()
def commission_department(*, period: str) -> dict:
    """部门提成: the sales department's commission accrual, computed the same way over all
    contracts of all salespeople as one pool (its own carry), for each month of the year up to
    `period`, with the cumulative year-to-date total."""
    first, end = _commission_window(period)
    activity = commission_activity(first=first, end=end, department=True)
    months = commission.periods_between(f"{period[:4]}-01", period)
    figures = commission.walk(
        target=period,
        collected=activity.collected.get(DEPARTMENT, {}),
        interest=activity.interest.get(DEPARTMENT, {}),
        rates=activity.rates,
        keep=months,
    )
    rows, cumulative = [], ZERO
    for month in months:
        row = figures[month]
        cumulative += row.total
        rows.append({"period": month, **row.as_dict(), "cumulative": cumulative})
    return {"period": period, "rows": rows, "year_to_date": cumulative}


def commission_slip_list(
    *,
    user,
    period: str = "",
    salesperson: str | int = "",
    status: str = "",
    search: str = "",
) -> QuerySet[CommissionSlip]:
    """The slips `user` may see — a clerk only their own (R23) —, newest month first, with the
    salesperson and the preparer joined; filtered by month, salesperson (id or name), status
    and number."""
    qs = CommissionSlip.objects.select_related("salesperson", "created_by")
    if not sees_all_customers(user):
        qs = qs.filter(salesperson_id=user.pk)
    if period:
        qs = qs.filter(period=period)
    if isinstance(salesperson, int) or str(salesperson).isdigit():
        qs = qs.filter(salesperson_id=int(salesperson))
    elif salesperson:
        qs = by_person_name(qs, str(salesperson), field="salesperson")
    if status:
        qs = qs.filter(status=status)
    if search:
        qs = qs.filter(Q(number__icontains=search) | Q(salesperson__username__icontains=search))
    return qs.order_by("-period", "salesperson__username", "-id")


def commission_slip_get(*, user, slip_id) -> CommissionSlip:
    slip = (
        commission_slip_list(user=user)
        .prefetch_related(Prefetch("lines", CommissionSlipLine.objects.select_related("contract")))
        .filter(pk=id_of(slip_id) or 0)
        .first()
    )
    if slip is None:
        raise NotVisible()
    return slip


def _stored_figures(slip: CommissionSlip) -> commission.CommissionFigures:
    return commission.CommissionFigures(
        period=slip.period,
        lines=[
            commission.CommissionLine(
                contract_id=line.contract_id,
                collected=line.collected,
                rate=line.rate,
                amount=line.amount,
                interest=line.interest,
                contract_number=line.contract.number or "",
            )
            for line in slip.lines.all()
        ],
        collected=slip.collected,
        gross=slip.gross,
        offset=slip.offset,
        carried_in=slip.carried_in,
        total=slip.total,
        carried_out=slip.carried_out,
    )


def commission_slips_with_figures(slips) -> list[CommissionSlip]:
    """The slips with `figures` attached: a draft's computed live (R19: recomputed while
    draft; one computation for all their months), the others' as stored (frozen at submit)."""
    slips = list(slips)
    drafts: dict[str, list[int]] = {}
    frozen = []
    for slip in slips:
        if slip.status == CommissionSlipStatus.DRAFT:
            drafts.setdefault(slip.period, []).append(slip.salesperson_id)
        elif "lines" not in getattr(slip, "_prefetched_objects_cache", {}):
            frozen.append(slip)
    # The stored lines of every frozen slip with their contracts: one query, not two per slip.
    prefetch_related_objects(
        frozen, Prefetch("lines", CommissionSlipLine.objects.select_related("contract"))
    )
    live = commission_figures_by_period(drafts)
    for slip in slips:
        if slip.status == CommissionSlipStatus.DRAFT:
            slip.figures = live[slip.period][slip.salesperson_id]
        else:
            slip.figures = _stored_figures(slip)
    return slips


def commission_slip_figures(slip: CommissionSlip) -> commission.CommissionFigures:
    """One slip's figures: live while draft, stored once submitted (R19)."""
    return commission_slips_with_figures([slip])[0].figures


def commission_slip_totals(slips: list[CommissionSlip]) -> dict:
    """The totals row of a list whose slips carry their `figures`."""
    names = ("collected", "gross", "offset", "total")
    return {
        "count": len(slips),
        **{name: sum((getattr(s.figures, name) for s in slips), ZERO) for name in names},
    }


def commission_total_for_period(*, period: str) -> Decimal:
    """Σ the commission of a month (the month-end summary): the stored totals of its slips in
    approval, approved or paid (frozen), and the live totals of its drafts."""
    return commission_totals_by_period([period])[period]


def commission_totals_by_period(periods: Iterable[str]) -> dict[str, Decimal]:
    """`commission_total_for_period` of several months in a fixed number of queries (the
    month-end summary's twelve months)."""
    periods = list(periods)
    for period in periods:
        period_bounds(period)
    slips = CommissionSlip.objects.filter(period__in=periods).exclude(
        status=CommissionSlipStatus.CANCELLED
    )
    totals = dict.fromkeys(periods, ZERO)
    for period, total in (
        slips.filter(status__in=FROZEN_STATUSES)
        .values("period")
        .annotate(s=Sum("total"))
        .order_by()
        .values_list("period", "s")
    ):
        totals[period] += total or ZERO
    drafts: dict[str, list[int]] = {}
    for period, salesperson_id in slips.filter(status=CommissionSlipStatus.DRAFT).values_list(
        "period", "salesperson_id"
    ):
        drafts.setdefault(period, []).append(salesperson_id)
    for period, live in commission_figures_by_period(drafts).items():
        totals[period] += sum((f.total for f in live.values()), ZERO)
    return {period: money(total) for period, total in totals.items()}


def commission_slip_sheet(slips: list[CommissionSlip]) -> Sheet:
    """The slip list's export (slips with their `figures`), amounts as numbers."""
    columns = [
        field_column(CommissionSlip, "number"),
        field_column(CommissionSlip, "period"),
        field_column(CommissionSlip, "salesperson"),
        field_column(CommissionSlip, "status"),
        field_column(CommissionSlip, "collected", Kind.AMOUNT),
        field_column(CommissionSlip, "gross", Kind.AMOUNT),
        field_column(CommissionSlip, "offset", Kind.AMOUNT),
        field_column(CommissionSlip, "carried_in", Kind.AMOUNT),
        field_column(CommissionSlip, "total", Kind.AMOUNT),
        field_column(CommissionSlip, "carried_out", Kind.AMOUNT),
        field_column(CommissionSlip, "paid_on", Kind.DATE),
    ]
    rows = [
        [
            s.display_number,
            s.period,
            person(s.salesperson),
            s.get_status_display(),
            s.figures.collected,
            s.figures.gross,
            s.figures.offset,
            s.figures.carried_in,
            s.figures.total,
            s.figures.carried_out,
            s.paid_on,
        ]
        for s in slips
    ]
    return Sheet(_("Commission slips"), "commission-slips", columns, rows)


def commission_salespeople() -> list[tuple[int, str]]:
    """Who a slip may be prepared for: the active users holding the clerk's role or named
    salesperson of a contract, by name."""
    from django.contrib.auth import get_user_model

    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name=Role.SALES_CLERK) | Q(contracts__isnull=False))
        .distinct()
        .order_by("username")
    )
    return [(u.pk, u.get_full_name() or u.username) for u in users]


# -- aging (R18) --------------------------------------------------------------------------------

BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")
# Who reads the aging report; R23 narrows a clerk's to their own customers.
AGING_READERS = (
    Role.SALES_CLERK,
    Role.SALES_MANAGER,
    Role.SALES_HEAD,
    Role.SALES_VP,
    Role.GENERAL_MANAGER,
    Role.FINANCE,
    Role.FINANCE_VP,
    Role.CREDIT_CONTROLLER,
)


def bucket_of(days_past_due: int) -> str:
    """The aging bucket of a number of days past the due date (R18: `current` = not yet due,
    the due date itself included)."""
    if days_past_due <= 0:
        return "current"
    if days_past_due <= 30:
        return "1-30"
    if days_past_due <= 60:
        return "31-60"
    if days_past_due <= 90:
        return "61-90"
    return "90+"


def _visible_contracts(user) -> tuple[str, list]:
    """R23 as a condition on `d.contract_id` (empty when `user` sees every customer; `user`
    None: the daily job, every customer)."""
    if user is None or sees_all_customers(user):
        return "", []
    customers = visible_to(Customer.objects.all(), user, owner="owner").values("pk")
    sub, params = customers.query.sql_with_params()
    contracts = Contract._meta.db_table
    return f"AND d.contract_id IN (SELECT id FROM {contracts} WHERE customer_id IN ({sub}))", [
        *params
    ]


def _collected_sql(as_of: datetime.date) -> tuple[str, list]:
    """Per contract, what was collected as of `as_of`: live allocations (not reversed, of a
    posted receipt) with `allocated_on` ≤ `as_of`, as the interest counts them."""
    sql = f"""
        SELECT a.contract_id, SUM(a.amount) AS amount
        FROM {Allocation._meta.db_table} a
        JOIN {Receipt._meta.db_table} r ON r.id = a.receipt_id
        WHERE a.reversed = %s AND r.status = %s AND a.allocated_on <= %s
        GROUP BY a.contract_id
    """
    return sql, [False, ReceiptStatus.POSTED.value, connection.ops.adapt_datefield_value(as_of)]


def _unpaid_dues_sql(*, user, as_of: datetime.date, where: str = "", params=()) -> tuple[str, list]:
    """SQL of every due delivered by `as_of` with its unpaid part (`unpaid`), set-based: the
    contract's collected as of `as_of` is applied to its dues oldest first — a window running
    sum over the dues ordered by due date —, so a due is unpaid for what the running sum
    exceeds the collected, up to its amount. Columns: id, contract_id, due_on, amount,
    unpaid. `where` narrows the dues (`d.`); R23 applies for `user`."""
    collected, collected_params = _collected_sql(as_of)
    visible, visible_params = _visible_contracts(user)
    sql = f"""
        WITH collected AS ({collected}), dues AS (
            SELECT d.id, d.contract_id, d.due_on, d.amount,
                   SUM(d.amount) OVER (
                       PARTITION BY d.contract_id ORDER BY d.due_on, d.id
                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
                   ) - COALESCE(col.amount, 0) AS left_after
            FROM {ContractDue._meta.db_table} d
            LEFT JOIN collected col ON col.contract_id = d.contract_id
            WHERE d.delivered_on <= %s {visible} {where}
        )
        SELECT id, contract_id, due_on, amount,
               CASE WHEN left_after >= amount THEN amount
                    WHEN left_after > 0 THEN left_after
                    ELSE 0 END AS unpaid
        FROM dues
        WHERE left_after > 0
    """
    day = connection.ops.adapt_datefield_value(as_of)
    return sql, [*collected_params, day, *visible_params, *params]


# The buckets from the oldest dues to the newest: the order in which collected money pays them.
OLDEST_FIRST = ("90+", "61-90", "31-60", "1-30", "current")


def _aging_grouped(*, user, as_of, group: str, where: str = "", params=()) -> dict[int, dict]:
    """{customer or contract id (`group`): buckets} of what is unpaid as of `as_of`, in one
    set-based query. Each contract's dues are first summed per bucket (the bucket by due date
    against its bounds: days past due = as_of − due_on, 0 current, 1–30, 31–60, 61–90, 91+);
    the buckets, oldest first, are in due-date order, so applying the contract's collected
    to them with a window running sum is applying it to its dues oldest first — the same
    unpaid parts as `_unpaid_dues_sql` per due, over at most five rows per contract instead
    of every due (bench/aging.py: 1,000,000 dues)."""
    collected, collected_params = _collected_sql(as_of)
    visible, visible_params = _visible_contracts(user)
    day = connection.ops.adapt_datefield_value(as_of)
    b90, b60, b30 = (
        connection.ops.adapt_datefield_value(as_of - datetime.timedelta(days=n))
        for n in (90, 60, 30)
    )
    key = {"customer": "c.customer_id", "contract": "u.contract_id"}[group]
    sql = f"""
        WITH collected AS ({collected}), per_bucket AS (
            SELECT d.contract_id,
                   CASE WHEN d.due_on < %s THEN 0 WHEN d.due_on < %s THEN 1
                        WHEN d.due_on < %s THEN 2 WHEN d.due_on < %s THEN 3
                        ELSE 4 END AS bucket,
                   SUM(d.amount) AS amount
            FROM {ContractDue._meta.db_table} d
            WHERE d.delivered_on <= %s {visible} {where}
            GROUP BY 1, 2
        ), unpaid AS (
            SELECT b.contract_id, b.bucket, b.amount,
                   SUM(b.amount) OVER (
                       PARTITION BY b.contract_id ORDER BY b.bucket
                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
                   ) - COALESCE(col.amount, 0) AS left_after
            FROM per_bucket b LEFT JOIN collected col ON col.contract_id = b.contract_id
        )
        SELECT {key}, u.bucket,
               SUM(CASE WHEN u.left_after >= u.amount THEN u.amount ELSE u.left_after END)
        FROM unpaid u JOIN {Contract._meta.db_table} c ON c.id = u.contract_id
        WHERE u.left_after > 0
        GROUP BY {key}, u.bucket
    """
    params = [*collected_params, b90, b60, b30, day, day, *visible_params, *params]
    grouped: dict[int, dict] = {}
    db = connections[router.db_for_read(ContractDue)]  # the replica in a report (core.db)
    with transaction.atomic(using=db.alias), db.cursor() as cursor:
        if db.vendor == "postgresql":
            # Costed high at a million dues, the query would be JIT-compiled for longer than
            # it runs (bench/aging.py); for this transaction only.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        for pk, bucket, unpaid in cursor.fetchall():
            buckets = grouped.setdefault(pk, dict.fromkeys(BUCKETS, Decimal("0.00")))
            buckets[OLDEST_FIRST[bucket]] = money(unpaid)
    return grouped


def _total_of(buckets: dict) -> Decimal:
    return money(sum(buckets.values(), Decimal("0")))


def _sum_buckets(rows) -> dict[str, Decimal]:
    total = dict.fromkeys(BUCKETS, Decimal("0.00"))
    for row in rows:
        for name in BUCKETS:
            total[name] += row["buckets"][name]
    return total


@reporting()
def aging_report(*, user, as_of: datetime.date | None = None) -> dict:
    """API.md `reports/aging/?as_of=`: what is unpaid as of `as_of` by days past the due date,
    per customer `user` may see (R23) and in total. Two queries."""
    require_role(user, *AGING_READERS)
    as_of = as_of or timezone.localdate()
    grouped = _aging_grouped(user=user, as_of=as_of, group="customer")
    customers = Customer.objects.in_bulk(list(grouped))
    rows = [
        {
            "customer": customers[pk],
            "buckets": buckets,
            "total": _total_of(buckets),
        }
        for pk, buckets in grouped.items()
    ]
    rows.sort(key=lambda r: (-r["total"], r["customer"].name))
    buckets = _sum_buckets(rows)
    return {"as_of": as_of, "buckets": buckets, "total": _total_of(buckets), "customers": rows}


@reporting()
def aging_customer(*, user, customer_id: int, as_of: datetime.date | None = None) -> dict:
    """The drill-down of one customer: its contracts' buckets (R23: 404 for another clerk's)."""
    require_role(user, *AGING_READERS)
    customer = visible_to(Customer.objects.all(), user, owner="owner").filter(pk=customer_id)
    customer = customer.first()
    if customer is None:
        raise NotVisible()
    as_of = as_of or timezone.localdate()
    grouped = _aging_grouped(
        user=user,
        as_of=as_of,
        group="contract",
        where=f"AND d.contract_id IN (SELECT id FROM {Contract._meta.db_table} "
        "WHERE customer_id = %s)",
        params=[customer.pk],
    )
    contracts = Contract.objects.in_bulk(list(grouped))
    rows = [
        {"contract": contracts[pk], "buckets": buckets, "total": _total_of(buckets)}
        for pk, buckets in grouped.items()
    ]
    rows.sort(key=lambda r: (r["contract"].number or "", r["contract"].pk))
    buckets = _sum_buckets(rows)
    return {
        "as_of": as_of,
        "customer": customer,
        "buckets": buckets,
        "total": _total_of(buckets),
        "contracts": rows,
    }


@reporting()
def aging_contract(*, user, contract_id: int, as_of: datetime.date | None = None) -> dict:
    """The drill-down of one contract: each due with its unpaid part, days past due and bucket."""
    require_role(user, *AGING_READERS)
    contract = visible_to(Contract.objects.select_related("customer"), user)
    contract = contract.filter(pk=contract_id).first()
    if contract is None:
        raise NotVisible()
    as_of = as_of or timezone.localdate()
    sql, params = _unpaid_dues_sql(
        user=user, as_of=as_of, where="AND d.contract_id = %s", params=[contract.pk]
    )
    with connections[router.db_for_read(ContractDue)].cursor() as cursor:
        cursor.execute(f"{sql} ORDER BY due_on, id", params)
        found = cursor.fetchall()
    dues = ContractDue.objects.in_bulk([row[0] for row in found])
    rows = []
    for pk, _contract, _due_on, _amount, unpaid in found:
        due = dues[pk]
        days = (as_of - due.due_on).days
        rows.append({"due": due, "unpaid": money(unpaid), "days": days, "bucket": bucket_of(days)})
    buckets = dict.fromkeys(BUCKETS, Decimal("0.00"))
    for row in rows:
        buckets[row["bucket"]] += row["unpaid"]
    return {
        "as_of": as_of,
        "contract": contract,
        "buckets": buckets,
        "total": _total_of(buckets),
        "dues": rows,
    }


def bucket_labels() -> dict[str, str]:
    return {
        "current": pgettext("aging bucket", "Current"),
        "1-30": _("1–30 days"),
        "31-60": _("31–60 days"),
        "61-90": _("61–90 days"),
        "90+": _("Over 90 days"),
    }


def aging_sheet(report: dict) -> Sheet:
    """The aging report as a spreadsheet: one row per customer, the buckets as amounts."""
    labels = bucket_labels()
    columns = [
        field_column(Customer, "code"),
        field_column(Customer, "name"),
        *[Column(labels[name], Kind.AMOUNT) for name in BUCKETS],
        Column(_("Total"), Kind.AMOUNT),
    ]
    rows = [
        [
            row["customer"].code,
            row["customer"].name,
            *[row["buckets"][name] for name in BUCKETS],
            row["total"],
        ]
        for row in report["customers"]
    ]
    return Sheet(_("Aging"), f"aging-{report['as_of'].isoformat()}", columns, rows)


# Colours of the buckets in the chart, from "not yet due" to "over 90 days".
BUCKET_COLOURS = {
    "current": "#6a9955",
    "1-30": "#d7ba2c",
    "31-60": "#e8912d",
    "61-90": "#d6572c",
    "90+": "#a31515",
}


def aging_chart(report: dict, *, limit: int = 15, width: int = 640, bar: int = 18) -> dict:
    """A stacked horizontal bar per customer (the `limit` largest, then the total), drawn as
    server-side SVG: rectangles in pixels, no script. Each segment carries its bucket, amount
    and colour for the legend and the tooltip (`<title>`)."""
    label_width, gap = 180, 6
    rows = [(row["customer"].name, row["buckets"], row["total"]) for row in report["customers"]]
    rows = [*rows[:limit], (_("Total"), report["buckets"], report["total"])]
    largest = max((total for _n, _b, total in rows), default=Decimal("0")) or Decimal("1")
    scale = Decimal(width - label_width - 10) / largest
    labels = bucket_labels()
    bars = []
    for index, (name, buckets, total) in enumerate(rows):
        y = index * (bar + gap)
        x = Decimal(label_width)
        segments = []
        for bucket in BUCKETS:
            length = buckets[bucket] * scale
            if length > 0:
                segments.append(
                    {
                        "x": f"{x:.1f}",
                        "width": f"{max(length, Decimal('0.5')):.1f}",
                        "colour": BUCKET_COLOURS[bucket],
                        "label": labels[bucket],
                        "amount": buckets[bucket],
                    }
                )
                x += length
        bars.append(
            {"y": y, "text_y": y + bar - 5, "name": name, "total": total, "segments": segments}
        )
    legend = [{"label": labels[b], "colour": BUCKET_COLOURS[b]} for b in BUCKETS]
    return {
        "width": width,
        "height": len(rows) * (bar + gap),
        "bar": bar,
        "label_width": label_width - 8,
        "bars": bars,
        "legend": legend,
    }


# -- litigation follow-up (R18) -----------------------------------------------------------------

# Who follows litigation cases up, reads and edits them.
LITIGATION_ROLES = (Role.FINANCE, Role.SALES_MANAGER, Role.GENERAL_MANAGER)


def litigation_candidates(
    *,
    as_of: datetime.date,
    min_days: int = LITIGATION_DAYS,
    contract_ids: list[int] | None = None,
) -> dict[int, tuple[datetime.date, Decimal]]:
    """Contracts whose oldest unpaid due is more than `min_days` past as of `as_of` (R18: 90
    flags for litigation): {contract id: (oldest unpaid due date, overdue amount)}, set-based
    like the aging; `contract_ids` narrows it to those contracts."""
    where, params = "", []
    if contract_ids is not None:
        if not contract_ids:
            return {}
        where = f"AND d.contract_id IN ({', '.join(['%s'] * len(contract_ids))})"
        params = list(contract_ids)
    unpaid, unpaid_params = _unpaid_dues_sql(user=None, as_of=as_of, where=where, params=params)
    day = connection.ops.adapt_datefield_value(as_of)
    limit = connection.ops.adapt_datefield_value(as_of - datetime.timedelta(days=min_days))
    sql = f"""
        SELECT contract_id, MIN(due_on), SUM(CASE WHEN due_on < %s THEN unpaid ELSE 0 END)
        FROM ({unpaid}) u GROUP BY contract_id HAVING MIN(due_on) < %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [day, *unpaid_params, limit])
        rows = cursor.fetchall()
    return {
        contract_id: (_as_date(oldest), money(overdue)) for contract_id, oldest, overdue in rows
    }


def _as_date(value) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def litigation_list(
    *, user, status: str = "", owner: str = "", search: str = ""
) -> QuerySet[LitigationCase]:
    """Litigation cases, the longest overdue first, with contract, customer and owner joined
    (R18; for finance, the sales manager and the general manager)."""
    require_role(user, *LITIGATION_ROLES)
    qs = LitigationCase.objects.select_related(
        "contract", "contract__customer", "contract__salesperson", "owner"
    )
    if status:
        qs = qs.filter(status=status)
    if owner:
        qs = qs.filter(owner__username=owner)
    if search:
        qs = qs.filter(
            Q(contract__number__icontains=search)
            | Q(contract__customer__name__icontains=search)
            | Q(notes__icontains=search)
        )
    return qs.order_by("oldest_due_on", "id")


def litigation_get(*, user, case_id: int) -> LitigationCase:
    case = litigation_list(user=user).filter(pk=case_id).first()
    if case is None:
        raise NotVisible()
    return case


@reporting()
def litigation_summary(*, user) -> dict:
    """Cases not closed and their overdue amount (the home card): one aggregate query."""
    sums = (
        litigation_list(user=user)
        .exclude(status=LitigationStatus.CLOSED)
        .aggregate(cases=Count("id"), amount=Sum("amount"))
    )
    return {"cases": sums["cases"], "amount": money(sums["amount"] or 0)}

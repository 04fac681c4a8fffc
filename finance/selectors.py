"""Reads of the finance app (aging, the journal, commission and reconciliation figures): every
read a page, an endpoint or a report needs, with its joins, and R23 applied through
`core.permissions.visible_to`. Selectors never import services."""

import calendar
import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, F, Prefetch, Q, QuerySet, Sum, Value, When, Window
from django.db.models.expressions import RowRange
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from contracts.models import Contract, ContractDue, ContractStatus
from core.errors import InvalidInput, NotVisible
from core.fields import AmountField
from core.listing import apply_shared
from core.money import money
from core.permissions import require_role, visible_to
from core.roles import Role
from core.spreadsheets import Column, Kind, Sheet, field_column, person
from core.validation import id_of
from finance.models import (
    Account,
    Allocation,
    BankStatement,
    BankStatementLine,
    BankStatementLineStatus,
    JournalEntry,
    JournalLine,
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


# The statement's line sources, in the order a day's lines are shown. Invoices (listed 0/0, they
# move no balance: the receivable arises at the signed delivery, DESIGN §4) are added with the
# invoice model: `register_statement_source(StatementSource("invoice", lines, before))`.
STATEMENT_SOURCES: list[StatementSource] = [
    StatementSource("delivery", _deliveries, _deliveries_before),
    StatementSource("interest", _interest, _interest_before),
    StatementSource("receipt", _receipts, _receipts_before),
]


def register_statement_source(source: StatementSource, *, before_kind: str = "receipt") -> None:
    """Add a source of statement lines (registering a kind again replaces it); its lines are
    shown before `before_kind`'s on the same day."""
    STATEMENT_SOURCES[:] = [s for s in STATEMENT_SOURCES if s.kind != source.kind]
    kinds = [s.kind for s in STATEMENT_SOURCES]
    at = kinds.index(before_kind) if before_kind in kinds else len(kinds)
    STATEMENT_SOURCES.insert(at, source)


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

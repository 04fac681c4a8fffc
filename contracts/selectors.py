"""Reads for contracts and the contract ledger (合同台帐), with visibility (R23) applied: a
clerk sees the contracts of the customers they own, other roles see all."""

from datetime import date
from decimal import Decimal

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from contracts.models import Contract, ContractDue, ContractLedger, ContractLine, ContractStatus
from core.db import reporting
from core.errors import NotVisible
from core.listing import apply_shared
from core.money import money, rate
from core.permissions import visible_to
from core.spreadsheets import Column, Kind, Sheet, field_column, person, yes_no
from sales.models import Customer

LEDGER_FIGURES = (
    "contracted",
    "shipped",
    "delivered",
    "invoiced",
    "collected",
    "outstanding",
    "due",
    "overdue",
    "interest",
    "interest_accrued",
    "collection_ratio",
    "first_payment_received",
)


def contract_list(
    *,
    user,
    search: str = "",
    status: str = "",
    customer_id: int | None = None,
    salesperson: str = "",
    order_id: int | None = None,
    customer_name: str = "",
    person: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    date_field: str = "signed_on",
    with_lines: bool = True,
) -> QuerySet[Contract]:
    """The contracts `user` may see, newest first, with customer, salesperson, order and
    ledger joined and (`with_lines`) the lines prefetched: the same few queries for any
    number of contracts. `salesperson` is a username (the API's filter); `person` the
    salesperson by name, with `customer_name` and the dates (of signing by default) the
    filters every list shares."""
    qs = Contract.objects.select_related("customer", "salesperson", "created_by", "order", "ledger")
    if with_lines:
        qs = qs.prefetch_related(Prefetch("lines", ContractLine.objects.select_related("product")))
    qs = visible_to(qs, user)
    if search:
        qs = qs.filter(
            Q(number__icontains=search)
            | Q(order__number__icontains=search)
            | Q(customer__name__icontains=search)
            | Q(customer__code__icontains=search)
        )
    if status:
        qs = qs.filter(status=status)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if salesperson:
        qs = qs.filter(salesperson__username=salesperson)
    if order_id is not None:
        qs = qs.filter(order_id=order_id)
    qs = apply_shared(
        qs,
        customer_name=customer_name,
        person=person,
        date_from=date_from,
        date_to=date_to,
        person_field="salesperson",
        date_field=date_field,
    )
    return qs.order_by("-created_at", "-id")


def contract_get(*, user, contract_id: int) -> Contract:
    contract = contract_list(user=user).filter(pk=contract_id).first()
    if contract is None:
        raise NotVisible()
    return contract


# R18: interest accrued since the last posting is computed live by finance (a later app, which
# contracts may not import); finance registers how at start-up (`finance.apps`). Without it the
# kept figure is shown, which finance's daily job sets to the live value of that day.
_interest_accrued_source = None


def register_interest_accrued_source(source) -> None:
    """`source(contract_id=…)` → the interest accrued on the contract's overdue amount and not
    yet posted, as of today (R18)."""
    global _interest_accrued_source
    _interest_accrued_source = source


def ledger_figures(*, contract: Contract, live: bool = True) -> dict:
    """API.md `contracts/{id}/ledger/`: the kept figures and those derived from them. `live`:
    `interest_accrued` computed as of now by the registered source (one contract's page and
    endpoint); lists and exports (`live=False`) show the kept figure, at most a day old."""
    ledger: ContractLedger = contract.ledger
    figures = {field: money(getattr(ledger, field)) for field in ContractLedger.FIGURES}
    if live and _interest_accrued_source is not None:
        figures["interest_accrued"] = money(_interest_accrued_source(contract_id=contract.pk))
    figures["outstanding"] = ledger.outstanding
    figures["collection_ratio"] = ledger.collection_ratio
    figures["first_payment_received"] = ledger.first_payment_received_for(
        contract.first_payment_ratio
    )
    return {key: figures[key] for key in LEDGER_FIGURES}


def ledger_totals(contracts: QuerySet[Contract]) -> dict:
    """Σ of each kept figure over `contracts` (one aggregate query), with the derived ones."""
    sums = contracts.order_by().aggregate(
        **{field: Sum(f"ledger__{field}") for field in ContractLedger.FIGURES}
    )
    totals = {field: money(sums[field] or 0) for field in ContractLedger.FIGURES}
    totals["outstanding"] = money(totals["contracted"] - totals["collected"])
    totals["collection_ratio"] = (
        rate(totals["collected"] / totals["contracted"])
        if totals["contracted"]
        else Decimal("0.0000")
    )
    return totals


def ledger_rows(contracts) -> list[dict]:
    """One row per contract: the contract and its figures (no query per row)."""
    return [{"contract": c, **ledger_figures(contract=c, live=False)} for c in contracts]


@reporting()
def ledger_sheet(contracts, *, title: str = "", filename: str = "contract-ledger") -> Sheet:
    """The contract ledger as a spreadsheet (issue 11 item 2): one row per contract of
    `contracts` (as `contract_list` gives them, no query per row) with its figures as numbers."""
    figure = {
        name: ContractLedger._meta.get_field(name).verbose_name for name in ContractLedger.FIGURES
    }
    figure |= {
        "outstanding": _("Outstanding"),
        "collection_ratio": _("Collection ratio"),
        "first_payment_received": _("First payment received"),
    }
    columns = [
        field_column(Contract, "number"),
        field_column(Contract, "status"),
        field_column(Customer, "code", label=_("customer code")),
        field_column(Contract, "customer"),
        field_column(Contract, "salesperson"),
        field_column(Contract, "order"),
        field_column(Contract, "signed_on", Kind.DATE),
        *[
            Column(
                capfirst(figure[name]),
                {"collection_ratio": Kind.RATE, "first_payment_received": Kind.TEXT}.get(
                    name, Kind.AMOUNT
                ),
            )
            for name in LEDGER_FIGURES
        ],
    ]
    rows = []
    for contract in contracts:
        figures = ledger_figures(contract=contract, live=False)
        rows.append(
            [
                contract.display_number,
                contract.get_status_display(),
                contract.customer.code,
                contract.customer.name,
                person(contract.salesperson),
                contract.order.number,
                contract.signed_on,
                *[
                    yes_no(figures[k]) if isinstance(figures[k], bool) else figures[k]
                    for k in LEDGER_FIGURES
                ],
            ]
        )
    return Sheet(title or _("Contract ledger"), filename, columns, rows)


@reporting()
def contract_sheet(contracts) -> Sheet:
    """The contract list's export: one row per contract, terms and amounts as numbers."""
    columns = [
        field_column(Contract, "number"),
        field_column(Contract, "status"),
        field_column(Customer, "code", label=_("customer code")),
        field_column(Contract, "customer"),
        field_column(Contract, "salesperson"),
        field_column(Contract, "order"),
        field_column(Contract, "currency"),
        field_column(Contract, "net_amount", Kind.AMOUNT),
        field_column(Contract, "tax_amount", Kind.AMOUNT),
        field_column(Contract, "gross_amount", Kind.AMOUNT),
        field_column(Contract, "first_payment_ratio", Kind.RATE),
        field_column(Contract, "credit_days", Kind.INTEGER),
        field_column(Contract, "signed_on", Kind.DATE),
        field_column(Contract, "created_at", Kind.DATETIME),
    ]
    rows = [
        [
            c.display_number,
            c.get_status_display(),
            c.customer.code,
            c.customer.name,
            person(c.salesperson),
            c.order.number,
            c.currency,
            c.net_amount,
            c.tax_amount,
            c.gross_amount,
            c.first_payment_ratio,
            c.credit_days,
            c.signed_on,
            c.created_at,
        ]
        for c in contracts
    ]
    return Sheet(_("Contracts"), "contracts", columns, rows)


# -- due and overdue (R18) ---------------------------------------------------------------------


def contract_due_figures(
    *, contract_id: int, as_of=None, collected: Decimal | None = None
) -> tuple[Decimal, Decimal]:
    """(due, overdue) of one contract as of a date (R18). Due = Σ delivered amounts whose due
    date (delivery + credit days) is on or before `as_of`; overdue = what is past its due date
    (due date before `as_of`: on the due date itself it is due, not yet overdue) − collected,
    if > 0 — so a day past the due date is the first day of the 1–30 aging bucket."""
    as_of = as_of or timezone.localdate()
    dues = ContractDue.objects.filter(contract_id=contract_id, due_on__lte=as_of)
    sums = dues.aggregate(due=Sum("amount"), past=Sum("amount", filter=Q(due_on__lt=as_of)))
    due, past = sums["due"] or Decimal("0"), sums["past"] or Decimal("0")
    if collected is None:  # the caller may know it already (it has just moved it)
        collected = ContractLedger.objects.values_list("collected", flat=True).get(
            contract_id=contract_id
        )
    return money(due), money(max(past - collected, Decimal("0")))


def customer_overdue(*, customer_id: int, as_of=None) -> Decimal:
    """Σ over the customer's contracts of their overdue amount as of `as_of` (R18): what the
    R4 credit check, the R12 shipping check and the nightly review read. One query.

    Only contracts that can owe anything are read: a completed contract is delivered,
    invoiced and collected in full (a correction reopens it first, `contracts_reopen`), and a
    draft or one awaiting co-sign has delivered nothing. So the read walks the customer's open
    contracts through contract_customer_status_idx, not its whole history (issue 14: the
    credit check costs the same at 10 k or 1 M orders)."""
    as_of = as_of or timezone.localdate()
    past_due = ContractDue.objects.filter(contract=OuterRef("pk"), due_on__lt=as_of)
    total = past_due.order_by().values("contract").annotate(total=Sum("amount")).values("total")
    # The ledger is read per contract through its unique index (a subquery, not a join): with
    # a customer holding many contracts the planner would otherwise hash the whole ledger
    # table (growth benchmark, 1 M orders: 450 ms instead of a few).
    collected = ContractLedger.objects.filter(contract=OuterRef("pk")).values("collected")
    # Filtering on the per-contract sum (not EXISTS over the dues) keeps the plan a loop over
    # the customer's open contracts, each through contractdue_contract_idx: with EXISTS the
    # planner may hash every past due of every customer (growth benchmark, 100 k orders:
    # 27 ms, growing with the history).
    rows = (
        Contract.objects.filter(
            customer_id=customer_id, status__in=(ContractStatus.ACTIVE, ContractStatus.TERMINATED)
        )
        .order_by()
        .annotate(past_total=Subquery(total))
        .filter(past_total__gt=0)
        .annotate(collected=Coalesce(Subquery(collected[:1]), Decimal("0")))
        .values_list("past_total", "collected")
    )
    return money(sum((max(d - c, Decimal("0")) for d, c in rows), Decimal("0")))


@reporting()
def overdue_summary(*, user) -> dict:
    """Contracts `user` may see (R23) with an overdue amount, and its sum, as the ledger last
    aged them (R18): `{"contracts", "amount"}` in one aggregate query (the home page)."""
    sums = (
        visible_to(Contract.objects.all(), user)
        .filter(ledger__overdue__gt=0)
        .aggregate(contracts=Count("id"), amount=Sum("ledger__overdue"))
    )
    return {"contracts": sums["contracts"], "amount": money(sums["amount"] or 0)}

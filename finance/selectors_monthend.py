"""Reads of finance's month-end page (R20, issue 13 item 5): the months and their status, a run's
differences, the confirmations, the month's history and the management summary per month with
its trend chart. Selectors never import services.

The management summary's figures, per calendar month (all set-based, one query per figure
for every month shown, and one aging query per month for what is overdue):

- orders: the orders submitted in the month (`Order.submitted_at`, local date) — how many,
  and Σ their gross;
- deliveries: Σ credit − debit of revenue 6001 and output VAT 222102 + 2221 in the journal's
  `shipping_notice` entries dated in the month — the gross of the signed deliveries (a
  reversal counts negative), the reconciliation's definition of "delivered";
- collections: Σ credit − debit of 1122 + 2203 on a contract's lines of the journal's
  `receipt` entries dated in the month — what receipts allocated to contracts (reversals
  negative), the reconciliation's definition of "collected";
- overdue: at the month's end (today for the current month), the aging's unpaid amounts past
  their due date (every bucket but `current`), over every customer;
- commission: the month's commission (`finance.selectors.commission_total_for_period`), or
  None when commission slips are not part of this build.
"""

import datetime
import re
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.models import ApprovalRequest, RequestStatus, StepStatus
from contracts.models import Contract
from core.charts import bar_chart
from core.db import reporting
from core.errors import InvalidInput, NotVisible
from core.models import ClosedPeriod
from core.money import money
from core.periods import period_of
from core.roles import Role
from core.spreadsheets import Column, Kind, Sheet
from finance import interest
from finance.models import (
    Difference,
    Figure,
    JournalEntry,
    JournalLine,
    PeriodEvent,
    Reconciliation,
    ReconciliationStatus,
)
from sales.models import Order

ZERO = Decimal("0.00")
PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

# Who opens the month-end page: finance (runs, confirms, closes), its VP (reopens), the general
# manager (reads) and the sales manager (confirms the runs, R20).
MONTH_END_READERS = (Role.FINANCE, Role.FINANCE_VP, Role.GENERAL_MANAGER, Role.SALES_MANAGER)

# A month's status on the page: closed (a ClosedPeriod row) wins, then its run's status, else
# open (no run yet).
OPEN, CLOSED = "open", "closed"
STATUS_TONES = {
    OPEN: "",
    ReconciliationStatus.RUNNING: "",
    ReconciliationStatus.COMPUTED: "",
    ReconciliationStatus.CONFIRMED: "ok",
    ReconciliationStatus.RETURNED: "danger",
    ReconciliationStatus.FAILED: "danger",
    CLOSED: "ok",
}


def status_label(status: str) -> str:
    if status == OPEN:
        return _("Open")
    if status == CLOSED:
        return _("Closed")
    return str(ReconciliationStatus(status).label)


def month_after(period: str) -> str:
    year, month = int(period[:4]), int(period[5:])
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def month_before(period: str) -> str:
    year, month = int(period[:4]), int(period[5:])
    return f"{year - (month == 1):04d}-{(month - 2) % 12 + 1:02d}"


def period_checked(period: str) -> str:
    """A `YYYY-MM` month of the page's URL (404 for anything else)."""
    if not PERIOD.match(period or ""):
        raise NotVisible()
    return period


def first_active_period() -> str | None:
    """The first month with activity: the first contract signed or the first journal entry."""
    days = [
        Contract.objects.filter(signed_on__isnull=False)
        .order_by("signed_on")
        .values_list("signed_on", flat=True)
        .first(),
        JournalEntry.objects.order_by("date").values_list("date", flat=True).first(),
    ]
    days = [day for day in days if day is not None]
    return period_of(min(days)) if days else None


def _month_row(period: str, run: Reconciliation | None, closed: ClosedPeriod | None) -> dict:
    status = CLOSED if closed is not None else (run.status if run is not None else OPEN)
    return {
        "period": period,
        "status": status,
        "status_label": status_label(status),
        "tone": STATUS_TONES.get(status, ""),
        "reconciliation": run,
        "closed": closed,
        "running": run is not None and run.status == ReconciliationStatus.RUNNING,
        "difference_count": run.difference_count if run is not None else 0,
        "progress": run_progress(run) if run is not None else 0,
    }


def periods_overview() -> list[dict]:
    """The months from the first with activity (a contract signed, a journal entry; and any
    month run or closed before that) up to the current one, newest first, each with its status
    (`open`, `running`, `computed`, `returned`, `failed`, `confirmed`, `closed`), its
    reconciliation (or None) and its close. Four queries whatever the number of months."""
    runs = {r.period: r for r in Reconciliation.objects.select_related("started_by")}
    closes = {c.period: c for c in ClosedPeriod.objects.select_related("closed_by")}
    current = period_of(timezone.localdate())
    starts = [current, *runs, *closes]
    first = first_active_period()
    if first is not None:
        starts.append(first)
    period, rows = min(starts), []
    while period <= current:
        rows.append(_month_row(period, runs.get(period), closes.get(period)))
        period = month_after(period)
    return rows[::-1]


def period_overview(period: str) -> dict:
    """One month's row of `periods_overview` (the detail page's heading)."""
    period_checked(period)
    run = Reconciliation.objects.select_related("started_by").filter(period=period).first()
    closed = ClosedPeriod.objects.select_related("closed_by").filter(period=period).first()
    return _month_row(period, run, closed)


def run_progress(run: Reconciliation) -> int:
    """How far a run is, in percent of the contracts reconciled (100 once it is finished)."""
    if run.status != ReconciliationStatus.RUNNING:
        return 100
    if not run.total:
        return 0
    return min(100, run.done * 100 // run.total)


def reconciliation_differences(
    reconciliation: Reconciliation, figure: str | None = None, customer: str | None = None
):
    """A run's differences with their contract and customer (one query), ordered by contract
    number and figure; narrowed to a figure and to a customer (its id, or part of its name or
    code)."""
    qs = Difference.objects.filter(reconciliation=reconciliation).select_related(
        "contract", "contract__customer"
    )
    if figure:
        if figure not in Figure.values:
            raise InvalidInput(errors={"figure": [_("Choose one of the figures listed.")]})
        qs = qs.filter(figure=figure)
    customer = (customer or "").strip()
    if customer.isdigit():
        qs = qs.filter(contract__customer_id=int(customer))
    elif customer:
        qs = qs.filter(
            Q(contract__customer__name__icontains=customer)
            | Q(contract__customer__code__icontains=customer)
        )
    return qs.order_by("contract__number", "contract_id", "figure")


def differences_totals(differences) -> dict:
    sums = differences.aggregate(
        count=Count("id"),
        ledger=Sum("ledger_value"),
        source=Sum("source_value"),
        difference=Sum("difference"),
    )
    return {
        "count": sums["count"],
        **{key: money(sums[key] or 0) for key in ("ledger", "source", "difference")},
    }


def differences_sheet(reconciliation: Reconciliation, differences) -> Sheet:
    """A run's differences as a spreadsheet (the page's XLSX export)."""
    columns = [
        Column(_("Contract"), Kind.TEXT),
        Column(_("Customer"), Kind.TEXT),
        Column(_("Figure"), Kind.TEXT),
        Column(_("Source"), Kind.TEXT),
        Column(_("Ledger"), Kind.BALANCE),
        Column(_("Source of truth"), Kind.BALANCE),
        Column(_("Difference"), Kind.AMOUNT),
    ]
    rows = [
        [
            d.contract.display_number,
            d.contract.customer.name,
            d.get_figure_display(),
            d.get_source_display(),
            d.ledger_value,
            d.source_value,
            d.difference,
        ]
        for d in differences
    ]
    return Sheet(
        _("Differences %(period)s") % {"period": reconciliation.period},
        f"month-end-differences-{reconciliation.period}",
        columns,
        rows,
    )


def reconciliation_confirmations(reconciliation: Reconciliation) -> dict:
    """The run's co-sign (R20, R21): its latest approval request with its steps and decisions
    (who confirmed as which role, when), and the roles still to confirm."""
    request = (
        ApprovalRequest.objects.filter(
            document_type=str(reconciliation.approval_document_type),
            document_id=reconciliation.pk,
        )
        .select_related("requested_by")
        .prefetch_related("steps", "decisions__user", "decisions__on_behalf_of")
        .order_by("-created_at", "-id")
        .first()
    )
    if request is None:
        return {"request": None, "decisions": [], "waiting": []}
    return {
        "request": request,
        "pending": request.status == RequestStatus.PENDING,
        "decisions": list(request.decisions.all()),
        "waiting": [s for s in request.steps.all() if s.status == StepStatus.OPEN],
    }


def period_history(period: str):
    """The month's history (R24): runs, confirmations, closes and reopens, oldest first."""
    return PeriodEvent.objects.filter(period=period).select_related("actor").order_by("at", "id")


# -- the management summary ---------------------------------------------------------------------


def _month_keys(months: int) -> list[str]:
    period = period_of(timezone.localdate())
    keys = [period]
    for _i in range(months - 1):
        period = month_before(period)
        keys.append(period)
    return keys[::-1]  # oldest first, as a chart reads


def _by_month(rows, value: str = "amount") -> dict[str, Decimal]:
    found: dict[str, Decimal] = {}
    for row in rows:
        month = row["month"]
        if month is None:
            continue
        key = period_of(month.date() if isinstance(month, datetime.datetime) else month)
        found[key] = found.get(key, ZERO) + money(row[value] or 0)
    return found


def _journal_in_months(*, codes: tuple[str, ...], source_type: str, start, end, contract=False):
    lines = JournalLine.objects.filter(
        account__code__in=codes,
        entry__source_type=source_type,
        entry__date__gte=start,
        entry__date__lte=end,
    )
    if contract:
        lines = lines.filter(contract__isnull=False)
    return (
        lines.annotate(month=TruncMonth("entry__date"))
        .values("month")
        .annotate(
            amount=Coalesce(
                Sum(F("credit") - F("debit")),
                Value(ZERO),
                output_field=DecimalField(max_digits=18, decimal_places=2),
            )
        )
        .order_by()
    )


def _overdue_at(day: datetime.date) -> Decimal:
    from finance.selectors import BUCKETS, _aging_grouped

    grouped = _aging_grouped(user=None, as_of=day, group="customer")
    late = [name for name in BUCKETS if name != "current"]
    return money(sum((b[name] for b in grouped.values() for name in late), ZERO))


def commission_of(period: str) -> Decimal | None:
    return commissions_of([period])[period]


def commissions_of(periods: list[str]) -> dict[str, Decimal | None]:
    try:
        from finance.selectors import commission_totals_by_period
    except ImportError:  # commission slips are not in this build: the page shows "—"
        return dict.fromkeys(periods)
    return commission_totals_by_period(periods)


@reporting()
def month_summary(months: int = 12) -> list[dict]:
    """The management summary of the last `months` months (the current one last): per month
    `period`, `orders` (count), `orders_gross`, `deliveries`, `collections`, `overdue` (at the
    month's end, today for the current month) and `commission` (None when not available) —
    see the module's docstring for the definitions."""
    keys = _month_keys(months)
    start = interest.month_bounds(keys[0])[0]
    today = timezone.localdate()
    end = today
    orders = (
        Order.objects.filter(submitted_at__isnull=False, submitted_at__date__gte=start)
        .annotate(month=TruncMonth("submitted_at"))
        .values("month")
        .annotate(count=Count("id"), amount=Sum("gross_amount"))
        .order_by()
    )
    order_rows = list(orders)
    order_gross = _by_month(order_rows)
    order_count: dict[str, int] = {}
    for row in order_rows:
        month = row["month"]
        key = period_of(month.date() if isinstance(month, datetime.datetime) else month)
        order_count[key] = order_count.get(key, 0) + row["count"]
    deliveries = _by_month(
        _journal_in_months(
            codes=("6001", "222102", "2221"), source_type="shipping_notice", start=start, end=end
        )
    )
    collections = _by_month(
        _journal_in_months(
            codes=("1122", "2203"), source_type="receipt", start=start, end=end, contract=True
        )
    )
    commissions = commissions_of(keys)
    rows = []
    for key in keys:
        last = min(interest.month_bounds(key)[1], today)
        rows.append(
            {
                "period": key,
                "orders": order_count.get(key, 0),
                "orders_gross": order_gross.get(key, ZERO),
                "deliveries": deliveries.get(key, ZERO),
                "collections": collections.get(key, ZERO),
                "overdue": _overdue_at(last),
                "commission": commissions[key],
            }
        )
    return rows


# The chart's series: bars for what flows in a month, a line for what is overdue at its end.
CHART_BARS = (
    ("orders_gross", "#4e79a7"),
    ("deliveries", "#59a14f"),
    ("collections", "#f28e2b"),
)
CHART_LINE = ("overdue", "#a31515")


def summary_chart(rows: list[dict], *, width: int = 720, height: int = 240) -> dict:
    """The summary's trend as server-side SVG (`core.charts.bar_chart`, no script): per month
    three bars (orders, deliveries, collections) and the overdue as a line, on one scale; a few
    grid lines with their amounts; each shape carries a `<title>` for the tooltip."""
    labels = {
        "orders_gross": _("Orders"),
        "deliveries": _("Deliveries"),
        "collections": _("Collections"),
        "overdue": _("Overdue"),
    }
    return bar_chart(
        [{**row, "key": row["period"], "label": row["period"][2:]} for row in rows],
        [(key, labels[key], colour) for key, colour in CHART_BARS],
        line=(CHART_LINE[0], labels[CHART_LINE[0]], CHART_LINE[1]),
        chart_id="month-chart",
        title=_(
            "Orders, deliveries and collections per month, and what is overdue at each month's end"
        ),
        width=width,
        height=height,
    )

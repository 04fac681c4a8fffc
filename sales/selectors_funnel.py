"""The presales funnel report (issue 15 item 5; R26 leads, R27 quotations): leads by grade and
stage, the conversion rates along the funnel, quotations won and lost by month and by
salesperson, the reasons quotations were lost — for a period and optionally one salesperson.

A report selector (`core.db.reporting()`): four aggregate queries whatever the data, the same
figures for the page, its XLSX export and `GET reports/funnel/`. R23: a clerk's report covers
their own leads and the quotations of their own customers and leads; the sales manager, the
head of sales, the general manager and the marketing director see everyone's.

Definitions (the page says them too):
- A lead counts in the period it was captured (`created_at`, a date in TIME_ZONE); a quotation
  in the month its outcome was recorded (`decided_at`).
- Stage of a lead, the first that applies: converted; closed; quoted (a quotation not cancelled
  for the lead or for the customer it became); contacted (an open lead with a logged contact);
  not contacted.
- Reached, for the rates: contacted = a logged contact, a quotation or a conversion; quoted =
  a quotation not cancelled; won = a won quotation; customer = converted. Rates: contacted ÷
  leads, quoted ÷ contacted, won ÷ quoted, customer ÷ leads; None (shown "—") on a zero
  denominator. A win rate is won ÷ (won + lost), counted in quotations.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.charts import bar_chart, count_text
from core.db import reporting
from core.errors import InvalidInput
from core.money import money
from core.permissions import require_role, sees_all_customers, visible_to
from core.roles import Role
from core.spreadsheets import Column, Kind, Sheet
from sales.models import Lead, LeadContact, LeadGrade, LeadStatus, Quotation, QuotationStatus
from sales.selectors import _quotations_visible

# Who reads the funnel (R23 narrows a clerk's to their own).
FUNNEL_READERS = (
    Role.SALES_CLERK,
    Role.SALES_MANAGER,
    Role.SALES_HEAD,
    Role.GENERAL_MANAGER,
    Role.MARKETING_DIRECTOR,
)
# The stages of a lead, in the funnel's order (columns of the grade × stage table).
STAGES = ("open_not_contacted", "open_contacted", "quoted", "converted", "closed")
# The conversion rates: (key, numerator, denominator) of the "reached" counts.
RATES = (
    ("lead_to_contacted", "contacted", "leads"),
    ("contacted_to_quoted", "quoted", "contacted"),
    ("quoted_to_won", "won", "quoted"),
    ("lead_to_customer", "converted", "leads"),
)
REACHED = ("leads", "contacted", "quoted", "won", "converted")
OUTCOMES = ("won", "won_gross", "lost", "lost_gross", "win_rate")
LOST_REASONS_SHOWN = 10
MAX_MONTHS = 60
RATE_PLACES = Decimal("0.0001")


def stage_labels() -> dict[str, str]:
    return {
        "open_not_contacted": _("Open, not contacted"),
        "open_contacted": _("Open, contacted"),
        "quoted": _("Quoted"),
        "converted": _("Converted"),
        "closed": _("Closed"),
    }


def rate_labels() -> dict[str, str]:
    return {
        "lead_to_contacted": _("Lead → contacted"),
        "contacted_to_quoted": _("Contacted → quoted"),
        "quoted_to_won": _("Quoted → won"),
        "lead_to_customer": _("Lead → customer"),
    }


def reached_labels() -> dict[str, str]:
    return {
        "leads": _("Leads"),
        "contacted": _("Contacted"),
        "quoted": _("Quoted"),
        "won": _("Won"),
        "converted": _("Became customers"),
    }


def rate(numerator: int, denominator: int) -> Decimal | None:
    """numerator ÷ denominator to 4 places (half up); None when the denominator is 0."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, ROUND_HALF_UP)


@dataclass(frozen=True)
class FunnelQuery:
    """The report's parameters, checked: the period (local dates, both included) and the
    salesperson (a user, or None for everyone the reader sees)."""

    date_from: date
    date_to: date
    salesperson: object | None


def _day(value, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(errors={field: [_("Enter a valid date (YYYY-MM-DD).")]}) from None


def _months_back(day: date, months: int) -> date:
    """The first day of the month `months` months before `day`'s."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def funnel_query(*, date_from=None, date_to=None, salesperson=None, today=None) -> FunnelQuery:
    """The parameters as typed (ISO dates, a username) or given; by default the last 12 months:
    from the first day of the month 11 months back to today. Bad input is an InvalidInput
    naming every bad field (R25)."""
    errors: dict[str, list[str]] = {}
    today = today or timezone.localdate()
    start = end = None
    try:
        end = _day(date_to, "date_to")
    except InvalidInput as error:
        errors.update(error.errors)
    try:
        start = _day(date_from, "date_from")
    except InvalidInput as error:
        errors.update(error.errors)
    end = end or today
    start = start or _months_back(end, 11)
    if not errors and start > end:
        errors["date_to"] = [_("The end of the period is before its start.")]
    elif not errors and _months_back(end, MAX_MONTHS - 1) > start:
        errors["date_from"] = [
            _("The period spans at most %(months)s months.") % {"months": MAX_MONTHS}
        ]
    person = None
    if salesperson not in (None, ""):
        if isinstance(salesperson, get_user_model()):
            person = salesperson
        else:
            person = get_user_model().objects.filter(username=str(salesperson).strip()).first()
            if person is None:
                errors["salesperson"] = [_("No user has this username.")]
    if errors:
        raise InvalidInput(errors=errors)
    return FunnelQuery(date_from=start, date_to=end, salesperson=person)


def _month_starts(start: date, end: date) -> list[date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = _months_back(month, -1)
    return months


def _leads(user, query: FunnelQuery):
    qs = visible_to(Lead.objects.all(), user, owner="owner").filter(
        created_at__date__gte=query.date_from, created_at__date__lte=query.date_to
    )
    if query.salesperson is not None:
        qs = qs.filter(owner=query.salesperson)
    quotations = Quotation.objects.exclude(status=QuotationStatus.CANCELLED).filter(
        Q(lead=OuterRef("pk")) | Q(customer_id=OuterRef("customer_id"))
    )
    return (
        qs.annotate(
            contacted=Exists(LeadContact.objects.filter(lead=OuterRef("pk"))),
            quoted=Exists(quotations),
            won=Exists(quotations.filter(status=QuotationStatus.WON)),
        )
        .values("grade", "status", "contacted", "quoted", "won")
        .annotate(n=Count("id"))
        .order_by()
    )


def _stage(row) -> str:
    if row["status"] == LeadStatus.CONVERTED:
        return "converted"
    if row["status"] == LeadStatus.CLOSED:
        return "closed"
    if row["quoted"]:
        return "quoted"
    return "open_contacted" if row["contacted"] else "open_not_contacted"


def _lead_figures(groups) -> tuple[list[dict], dict, list[dict]]:
    """(rows per grade, the total row, conversion per grade and overall) from the grouped
    counts of `_leads`."""
    grades = [g.value for g in LeadGrade]
    stages = {g: dict.fromkeys(STAGES, 0) for g in grades}
    reached = {g: dict.fromkeys(REACHED, 0) for g in grades}
    for row in groups:
        grade, n = row["grade"], row["n"]
        stages[grade][_stage(row)] += n
        converted = row["status"] == LeadStatus.CONVERTED
        counts = reached[grade]
        counts["leads"] += n
        counts["contacted"] += n if (row["contacted"] or row["quoted"] or converted) else 0
        counts["quoted"] += n if row["quoted"] else 0
        counts["won"] += n if row["won"] else 0
        counts["converted"] += n if converted else 0
    rows = [{"grade": g, **stages[g], "total": sum(stages[g].values())} for g in grades]
    total = {
        "grade": None,
        **{s: sum(r[s] for r in rows) for s in STAGES},
        "total": sum(r["total"] for r in rows),
    }
    overall = {k: sum(reached[g][k] for g in grades) for k in REACHED}
    conversion = []
    for grade, counts in [*((g, reached[g]) for g in grades), (None, overall)]:
        conversion.append(
            {
                "grade": grade,
                **counts,
                **{key: rate(counts[num], counts[den]) for key, num, den in RATES},
            }
        )
    return rows, total, conversion


def _outcome(won: int = 0, won_gross=None, lost: int = 0, lost_gross=None) -> dict:
    return {
        "won": won,
        "won_gross": money(won_gross or 0),
        "lost": lost,
        "lost_gross": money(lost_gross or 0),
        "win_rate": rate(won, won + lost),
    }


def _add(target: dict, status: str, count: int, gross) -> None:
    target[status] = target.get(status, 0) + count
    target[f"{status}_gross"] = target.get(f"{status}_gross", Decimal("0")) + (gross or 0)


def _month_key(value) -> date:
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date().replace(day=1)
    return value.replace(day=1)


@reporting()
def funnel_report(*, user, query: FunnelQuery) -> dict:
    """The funnel for `user` (R23) over `query`: see the module's docstring for what each
    figure counts. Four aggregate queries (and the reader's roles, once per request), however
    many leads and quotations."""
    require_role(user, *FUNNEL_READERS)
    lead_rows, lead_total, conversion = _lead_figures(list(_leads(user, query)))

    decided = _quotations_visible(Quotation.objects.all(), user).filter(
        status__in=(QuotationStatus.WON, QuotationStatus.LOST),
        decided_at__date__gte=query.date_from,
        decided_at__date__lte=query.date_to,
    )
    if query.salesperson is not None:
        decided = decided.filter(created_by=query.salesperson)

    by_month: dict[date, dict] = {}
    for row in (
        decided.annotate(month=TruncMonth("decided_at"))
        .values("month", "status")
        .annotate(n=Count("id"), gross=Sum("gross_amount"))
        .order_by()
    ):
        _add(
            by_month.setdefault(_month_key(row["month"]), {}), row["status"], row["n"], row["gross"]
        )
    months = [
        {"month": m, **_outcome(**by_month.get(m, {}))}
        for m in _month_starts(query.date_from, query.date_to)
    ]

    people: dict[int, dict] = {}
    names: dict[int, tuple[str, str]] = {}
    for row in (
        decided.values(
            "created_by",
            "created_by__username",
            "created_by__first_name",
            "created_by__last_name",
            "status",
        )
        .annotate(n=Count("id"), gross=Sum("gross_amount"))
        .order_by()
    ):
        pk = row["created_by"]
        full = f"{row['created_by__first_name']} {row['created_by__last_name']}".strip()
        names[pk] = (row["created_by__username"], full or row["created_by__username"])
        _add(people.setdefault(pk, {}), row["status"], row["n"], row["gross"])
    salespeople = sorted(
        (
            {"salesperson": names[pk][0], "name": names[pk][1], **_outcome(**counts)}
            for pk, counts in people.items()
        ),
        key=lambda r: (r["name"], r["salesperson"]),
    )
    totals: dict = {}
    for month in by_month.values():
        for status in ("won", "lost"):
            _add(totals, status, month.get(status, 0), month.get(f"{status}_gross"))

    reasons = [
        {"reason": row["outcome_reason"], "count": row["n"], "gross": money(row["gross"] or 0)}
        for row in decided.filter(status=QuotationStatus.LOST)
        .values("outcome_reason")
        .annotate(n=Count("id"), gross=Sum("gross_amount"))
        .order_by("-n", "-gross", "outcome_reason")[:LOST_REASONS_SHOWN]
    ]
    return {
        "date_from": query.date_from,
        "date_to": query.date_to,
        "salesperson": query.salesperson,
        "everyone": sees_all_customers(user),
        "stages": STAGES,
        "leads": lead_rows,
        "leads_total": lead_total,
        "conversion": conversion,
        "quotations_by_month": months,
        "quotations_by_salesperson": salespeople,
        "quotations_total": _outcome(**totals),
        "lost_reasons": reasons,
    }


def funnel_salespeople(*, user) -> list:
    """Whom the salesperson filter offers: the clerk themselves (R23), else everyone who owns
    a lead or recorded a quotation. One query."""
    if not sees_all_customers(user):
        return [user]
    return list(
        get_user_model()
        .objects.filter(
            Q(pk__in=Lead.objects.values("owner_id"))
            | Q(pk__in=Quotation.objects.values("created_by_id"))
        )
        .order_by("first_name", "last_name", "username")
    )


# --- the chart and the export -------------------------------------------------------------------

GRADE_COLOURS = {"A": "#d6572c", "B": "#e8912d", "C": "#4e79a7"}
OUTCOME_COLOURS = (("won_gross", "#59a14f"), ("lost_gross", "#a31515"))


def funnel_charts(report: dict) -> list[dict]:
    """Two server-side SVG charts (`core.charts.bar_chart`): the leads of each stage by grade,
    and the gross won and lost per month."""
    stages = stage_labels()
    grades = {g.value: g.label for g in LeadGrade}
    by_stage = [
        {
            "key": stage,
            "label": stages[stage],
            **{row["grade"]: row[stage] for row in report["leads"]},
        }
        for stage in STAGES
    ]
    outcome_labels = {"won_gross": _("Won (gross)"), "lost_gross": _("Lost (gross)")}
    months = [
        {
            "key": row["month"].strftime("%Y-%m"),
            "label": row["month"].strftime("%y-%m"),
            **row,
        }
        for row in report["quotations_by_month"]
    ]
    return [
        bar_chart(
            by_stage,
            [(g, str(grades[g]), GRADE_COLOURS[g]) for g in grades],
            chart_id="funnel-stage-chart",
            title=_("Leads by stage and grade"),
            text=count_text,
            left=40,
            whole=True,
        ),
        bar_chart(
            months,
            [(key, outcome_labels[key], colour) for key, colour in OUTCOME_COLOURS],
            chart_id="funnel-outcome-chart",
            title=_("Quotations won and lost per month (gross)"),
        ),
    ]


def grade_label(grade) -> str:
    return str(LeadGrade(grade).label) if grade else _("All grades")


def _outcome_columns(first: list[Column]) -> list[Column]:
    return [
        *first,
        Column(gettext_lazy("Won"), Kind.INTEGER),
        Column(gettext_lazy("Won (gross)"), Kind.AMOUNT),
        Column(gettext_lazy("Lost"), Kind.INTEGER),
        Column(gettext_lazy("Lost (gross)"), Kind.AMOUNT),
        Column(gettext_lazy("Win rate"), Kind.RATE),
    ]


def _outcome_values(row: dict) -> list:
    return [row[key] for key in OUTCOMES]


def funnel_sheets(report: dict) -> list[Sheet]:
    """The report as an XLSX workbook's sheets, the same figures as the page; each table
    carries its own total row. A rate with a zero denominator is an empty cell."""
    name = f"funnel-{report['date_from'].isoformat()}-{report['date_to'].isoformat()}"
    stages = stage_labels()
    grade = Column(gettext_lazy("Grade"))
    leads = Sheet(
        _("Leads by stage"),
        name,
        [
            grade,
            *(Column(stages[s], Kind.INTEGER) for s in STAGES),
            Column(_("Total"), Kind.INTEGER),
        ],
        [
            [grade_label(row["grade"]), *(row[s] for s in STAGES), row["total"]]
            for row in [*report["leads"], report["leads_total"]]
        ],
        totals=False,
    )
    reached, rates = reached_labels(), rate_labels()
    conversion = Sheet(
        _("Conversion"),
        name,
        [
            grade,
            *(Column(reached[k], Kind.INTEGER) for k in REACHED),
            *(Column(rates[k], Kind.RATE) for k, _n, _d in RATES),
        ],
        [
            [
                grade_label(row["grade"]),
                *(row[k] for k in REACHED),
                *(row[k] for k, _n, _d in RATES),
            ]
            for row in report["conversion"]
        ],
        totals=False,
    )
    total = report["quotations_total"]
    by_month = Sheet(
        _("Quotations by month"),
        name,
        _outcome_columns([Column(gettext_lazy("Month"))]),
        [
            *(
                [row["month"].strftime("%Y-%m"), *_outcome_values(row)]
                for row in report["quotations_by_month"]
            ),
            [_("Total"), *_outcome_values(total)],
        ],
        totals=False,
    )
    by_person = Sheet(
        _("Quotations by salesperson"),
        name,
        _outcome_columns([Column(gettext_lazy("Salesperson")), Column(gettext_lazy("Username"))]),
        [
            *(
                [row["name"], row["salesperson"], *_outcome_values(row)]
                for row in report["quotations_by_salesperson"]
            ),
            [_("Total"), "", *_outcome_values(total)],
        ],
        totals=False,
    )
    reasons = Sheet(
        _("Lost reasons"),
        name,
        [
            Column(gettext_lazy("Reason")),
            Column(gettext_lazy("Quotations"), Kind.INTEGER),
            Column(gettext_lazy("Gross"), Kind.AMOUNT),
        ],
        [[row["reason"], row["count"], row["gross"]] for row in report["lost_reasons"]],
        totals=False,
    )
    return [leads, conversion, by_month, by_person, reasons]
